"""Reading a case's facts for a form: formatted the way the forms write them, and every fact a
form wanted but the case lacks remembered (its cell stays blank for hand completion)."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tracker.core.facts import VOCABULARY
from tracker.core.i18n import pick
from tracker.core.models import Case
from tracker.core.pack import Pack


def money_text(v: Decimal | int | None) -> str:
    """万元 as the forms write it: no exponent, no trailing zeros (320, 55.6)."""
    if v is None:
        return ""
    d = Decimal(v)
    return "0" if d == 0 else format(d.normalize(), "f")


def month_text(d: _dt.date | None) -> str:
    return f"{d.year}年{d.month}月" if d else ""


def day_text(d: _dt.date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


@dataclass
class MissingFact:
    case: str
    fact: str
    label_zh: str
    label_en: str

    def label(self, with_case: bool) -> str:
        text = f"{pick(self.label_zh, self.label_en)}（{self.fact}）"
        return f"{self.case}：{text}" if with_case else text

    def as_dict(self) -> dict:
        return {"case": self.case, "fact": self.fact, "label": pick(self.label_zh, self.label_en),
                "label_zh": self.label_zh, "label_en": self.label_en}


@dataclass
class Facts:
    """The facts of one case as a form reads them; ``missing`` collects what was asked for and unset."""

    case: Case
    pack: Pack
    stage_name: str = ""  # the current stage in the pack's words (进度情况表)
    missing: list[MissingFact] = field(default_factory=list)

    def get(self, name: str) -> Any:
        v = self.case.facts.get(name)
        if v is None or v == "" or v == {} or v == []:
            self._miss(name)
            return None
        return v

    def _miss(self, name: str) -> None:
        if any(m.fact == name for m in self.missing):
            return
        spec = self.pack.fact_specs().get(name) or VOCABULARY.get(name)
        zh, en = (spec.label, spec.label_en) if spec else (name, name)
        self.missing.append(MissingFact(self.case.id, name, zh, en))

    def flag(self, name: str) -> bool:
        """A yes/no fact: unset means no (never missing)."""
        return bool(self.case.facts.get(name))

    def text(self, name: str) -> str:
        v = self.get(name)
        return "" if v is None else str(v)

    def money(self, name: str) -> str:
        return money_text(self.get(name))

    def month(self, name: str) -> str:
        return month_text(self.get(name))

    def day(self, name: str) -> str:
        return day_text(self.get(name))

    def funding(self) -> dict[str, Decimal] | None:
        return self.get("funding")


def split_funding(funding: dict[str, Decimal] | None, buckets: list[tuple[str, tuple[str, ...]]],
                  other: str) -> dict[str, Decimal] | None:
    """Sort a case's funding table into a form's columns: a source goes to the first bucket one of
    whose words it contains (市级财政 → 财政资金), anything else to ``other``. Buckets nobody
    funds are absent, so their cells stay blank rather than show 0."""
    if funding is None:
        return None
    out: dict[str, Decimal] = {}
    for source, amount in funding.items():
        name = next((b for b, words in buckets if any(w in source for w in words)), other)
        out[name] = out.get(name, Decimal(0)) + Decimal(amount)
    return out


def funding_text(funding: dict[str, Decimal] | None) -> str:
    if not funding:
        return ""
    return "；".join(f"{k}{money_text(v)}万元" for k, v in funding.items())


def approval_date(case: Case, pack: Pack) -> _dt.date | None:
    """The day the project was approved or filed (立项): the first approving decision taken at a
    stage of kind approval or filing."""
    for d in sorted(case.decisions, key=lambda d: d.seq):
        st = pack.stages.get(d.from_stage)
        if d.kind == "approve" and st is not None and st.kind in ("approval", "filing"):
            return d.decided_on
    return None


def short_title(title: str) -> str:
    """A project name for "＿＿项目硬件设备变更清单": the title without its trailing 项目."""
    return title[:-2] if title.endswith("项目") else title
