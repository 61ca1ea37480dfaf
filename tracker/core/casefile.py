"""The on-disk formats of a case, as text: ``case.toml``, ``attachments.toml`` and decision files.

Reading is strict: a malformed file raises :class:`InputError` naming ``file:line``. Writing
produces stable, commented TOML. This module works on text only (no file system), so the store,
the hooks (reading the git index) and the verifier (reading old commits) share it.
"""

from __future__ import annotations

import datetime as _dt
import re
try:  # the same parser as the standard library's tomllib, compiled (about 3x faster): the
    import tomli as tomllib  # verifier parses every version of every case file in a history
except ImportError:  # pragma: no cover - a plain install without the compiled wheel
    import tomllib
from decimal import Decimal
from typing import Any, Callable

import tomli_w

from tracker.core.errors import InputError
from tracker.core.facts import FactSpec, coerce, spec_for, VOCABULARY
from tracker.core.i18n import pick, t
from tracker.core.models import Attachment, Case, Decision
from tracker.core import vocab
from tracker.core.ids import CASE_ID_RE  # re-exported: the store and the CLI import it from here

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def _loads(text: str, display: str) -> dict:
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = re.search(r"\(at line (\d+), column \d+\)", msg)
        line = int(m.group(1)) if m else None
        if line is None and "end of document" in msg:
            line = max(1, len(text.splitlines()))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        raise InputError(t("bad_toml", error=msg), file=display, line=line) from None


def key_lines(text: str) -> dict[str, int]:
    """Map 'table.key' → 1-based line for simple ``key = value`` lines and table headers."""
    out: dict[str, int] = {}
    table = ""
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        m = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", line)
        if m:
            table = m.group(1).replace('"', "").replace(" ", "")
            out.setdefault(table, no)
            continue
        m = re.match(r"""^(["']?)([^"'=\s]+)\1\s*=""", line)
        if m:
            key = f"{table}.{m.group(2)}" if table else m.group(2)
            out.setdefault(key, no)
    return out


class _Lines:
    """key_lines(text), computed only when a line number is actually needed (errors, findings)."""

    def __init__(self, text: str):
        self.text = text
        self._map: dict[str, int] | None = None

    def get(self, key: str, default=None):
        if self._map is None:
            self._map = key_lines(self.text)
        return self._map.get(key, default)


def parse_case(text: str, display: str, extra_facts: Callable[[str], dict[str, FactSpec]] | None = None,
               *, with_lines: bool = True) -> Case:
    """``with_lines=False`` skips the per-fact line map (the verifier reads thousands of old versions)."""
    data = _loads(text, display)
    lines = _Lines(text)

    def bad(msg: str, key: str | None = None) -> InputError:
        return InputError(t("bad_case_file", error=msg), file=display, line=lines.get(key or "", 1 if key is None else None) or 1)

    cid = data.get("id")
    if not isinstance(cid, str) or not CASE_ID_RE.match(cid):
        raise bad(pick(f"编号格式应如 HY-2025-0001，实为 {cid!r}", f"id must look like HY-2025-0001, got {cid!r}"), "id")
    jur = data.get("jurisdiction")
    if not isinstance(jur, str) or not jur:
        raise bad(pick("缺少辖区（jurisdiction）", "jurisdiction is missing"), "jurisdiction")
    created = data.get("created_on")
    if not isinstance(created, _dt.date) or isinstance(created, _dt.datetime):
        raise bad(pick(f"created_on 应为日期（YYYY-MM-DD），实为 {created!r}", f"created_on must be a date (YYYY-MM-DD), got {created!r}"), "created_on")
    for key in data:
        if key not in ("id", "jurisdiction", "created_on", "facts"):
            raise bad(pick(f"未知的键 {key!r}", f"unknown key {key!r}"), key)
    raw_facts = data.get("facts", {})
    if not isinstance(raw_facts, dict):
        raise bad(pick("[facts] 应为表", "[facts] must be a table"), "facts")
    try:
        extra = extra_facts(jur) if extra_facts else {}
    except InputError as e:
        if e.file:  # the rule pack itself is broken: report it where it is
            raise
        raise InputError(e.message, file=display, line=lines.get("jurisdiction", 1)) from None
    facts: dict[str, Any] = {}
    fact_lines: dict[str, int] = {}
    for name, raw in raw_facts.items():
        if with_lines:
            fact_lines[name] = lines.get(f"facts.{name}") or lines.get("facts") or 1
        try:
            spec = spec_for(name, extra)
            facts[name] = coerce(spec, raw)
        except InputError as e:
            raise InputError(e.message, file=display, line=lines.get(f"facts.{name}") or lines.get("facts") or 1) from None
    for req in ("title", "unit"):
        if not facts.get(req):
            raise InputError(t("empty_text", name=req), file=display, line=lines.get("facts") or 1)
    return Case(id=cid, jurisdiction=jur, created_on=created, facts=facts, path=display, fact_lines=fact_lines)


def _toml_ready(value: Any) -> Any:
    """Whole amounts as TOML integers (``320`` rather than ``320.0``); others stay exact decimals."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, dict):
        return {k: _toml_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_toml_ready(v) for v in value]
    return value


def render_case(case: Case, specs: dict[str, FactSpec] | None = None) -> str:
    facts = {}
    order = list(VOCABULARY) + sorted(k for k in case.facts if k not in VOCABULARY)
    for name in order:
        if name in case.facts and case.facts[name] is not None:
            facts[name] = _toml_ready(case.facts[name])
    head = {"id": case.id, "jurisdiction": case.jurisdiction, "created_on": case.created_on}
    body = tomli_w.dumps(head) + "\n" + tomli_w.dumps({"facts": facts})
    return "# 案件事实（tracker 管理；金额单位：万元）\n# Case facts (managed by tracker; money in 万元)\n" + body


def parse_attachments(text: str, display: str) -> list[Attachment]:
    data = _loads(text, display)
    items = data.get("attachment", [])
    if not isinstance(items, list):
        raise InputError(t("bad_case_file", error=pick("[[attachment]] 应为表数组", "[[attachment]] must be an array of tables")), file=display, line=1)
    out = []
    starts = [no for no, l in enumerate(text.splitlines(), 1) if l.strip().startswith("[[attachment]]")]
    for i, item in enumerate(items):
        line = starts[i] if i < len(starts) else 1
        if not isinstance(item, dict):
            raise InputError(t("bad_case_file", error=pick("附件条目应为表", "attachment must be a table")), file=display, line=line)
        name, kind, sha = item.get("name"), item.get("kind"), item.get("sha256")
        if not isinstance(name, str) or not safe_name(name):
            raise InputError(t("bad_attachment_name", name=name), file=display, line=line)
        if not isinstance(kind, str) or not kind:
            raise InputError(t("bad_case_file", error=pick(f"附件 {name!r} 缺少材料类型", f"attachment {name!r}: kind is missing")), file=display, line=line)
        if not isinstance(sha, str) or not SHA256_RE.match(sha):
            raise InputError(t("bad_case_file", error=pick(f"附件 {name!r} 的 sha256 不是有效摘要", f"attachment {name!r}: sha256 is not a SHA-256 hex digest")),
                             file=display, line=line)
        size = item.get("size", 0)
        added = item.get("added_on")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise InputError(t("bad_case_file", error=pick(f"附件 {name!r} 的 size 应为整数", f"attachment {name!r}: size must be a whole number")), file=display, line=line)
        if added is not None and (not isinstance(added, _dt.date) or isinstance(added, _dt.datetime)):
            raise InputError(t("bad_case_file", error=pick(f"附件 {name!r} 的 added_on 应为日期", f"attachment {name!r}: added_on must be a date")), file=display, line=line)
        out.append(Attachment(name=name, kind=kind, sha256=sha, size=size, added_on=added))
    return out


def render_attachments(items: list[Attachment]) -> str:
    doc = {"attachment": [
        {k: v for k, v in (("name", a.name), ("kind", a.kind), ("sha256", a.sha256), ("size", a.size),
                           ("added_on", a.added_on)) if v is not None}
        for a in items
    ]}
    return "# 附件清单（sha256 校验）/ Attachment manifest (sha256)\n" + tomli_w.dumps(doc)


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


def safe_name(name: str) -> bool:
    """A plain file name: no directories, no '..', no control characters, no leading dot or dash."""
    if not name or name != name.strip() or len(name.encode("utf-8")) > 200:
        return False
    if _UNSAFE.search(name) or name in (".", "..") or name.startswith((".", "-")):
        return False
    if re.match(r"^[A-Za-z]:", name):  # Windows drive
        return False
    return True


DECISION_FILE_RE = re.compile(r"\A([0-9]{4,})-([a-z0-9_]+)\.toml\Z")


def parse_decision(text: str, display: str) -> Decision:
    data = _loads(text, display)
    lines = _Lines(text)

    def need(key: str, typ, label: str):
        v = data.get(key)
        if not isinstance(v, typ) or isinstance(v, bool) and typ is not bool:
            raise InputError(t("bad_decision_file", error=pick(f"{key} 的值无效：{v!r}", f"{key} must be {label}, got {v!r}")),
                             file=display, line=lines.get(key, 1))
        return v

    seq = need("seq", int, "a whole number")
    action = need("action", str, "text")
    kind = need("kind", str, "text")
    if kind not in vocab.ACTION_KINDS:
        raise InputError(t("bad_decision_file", error=pick(f"未知的动作类别 {kind!r}", f"unknown action kind {kind!r}")), file=display, line=lines.get("kind", 1))
    frm = need("from", str, "a stage id")
    to = need("to", str, "a stage id")
    role = need("role", str, "a role id")
    on = data.get("decided_on")
    if not isinstance(on, _dt.date) or isinstance(on, _dt.datetime):
        raise InputError(t("bad_decision_file", error=pick(f"decided_on 应为日期，实为 {on!r}", f"decided_on must be a date, got {on!r}")),
                         file=display, line=lines.get("decided_on", 1))
    opinion = data.get("opinion", "")
    if not isinstance(opinion, str):
        raise InputError(t("bad_decision_file", error=pick("opinion 应为文字", "opinion must be text")), file=display, line=lines.get("opinion", 1))
    track = data.get("track")
    if track is not None and not isinstance(track, str):
        raise InputError(t("bad_decision_file", error=pick("track 应为文字", "track must be text")), file=display, line=lines.get("track", 1))
    set_facts = data.get("set", {})
    if not isinstance(set_facts, dict):
        raise InputError(t("bad_decision_file", error=pick("set 应为表", "set must be a table")), file=display, line=lines.get("set", 1))
    return Decision(seq=seq, action=action, kind=kind, from_stage=frm, to_stage=to, role=role, decided_on=on,
                    track=track, opinion=opinion, set_facts=set_facts,
                    recorded_at=data.get("recorded_at") if isinstance(data.get("recorded_at"), str) else None,
                    by=data.get("by") if isinstance(data.get("by"), str) else None, file=display)


def render_decision(d: Decision) -> str:
    doc: dict[str, Any] = {
        "seq": d.seq, "action": d.action, "kind": d.kind, "from": d.from_stage, "to": d.to_stage,
        "track": d.track, "role": d.role, "decided_on": d.decided_on,
    }
    if d.recorded_at:
        doc["recorded_at"] = d.recorded_at
    if d.by:
        doc["by"] = d.by
    doc["opinion"] = d.opinion or ""
    doc = {k: v for k, v in doc.items() if v is not None}
    if d.set_facts:
        doc["set"] = {k: ("" if v is None else _toml_ready(v)) for k, v in d.set_facts.items()}
    return "# 决定记录：一经写入不得修改 / Decision record: written once, never edited\n" + tomli_w.dumps(doc, multiline_strings=True)


def case_file_allowed(rest: str) -> bool:
    """Whether a path inside a case folder is one tracker writes: case.toml, attachments.toml,
    attachments/<plain name>, decisions/<NNNN-action>.toml."""
    return (rest in ("case.toml", "attachments.toml")
            or (rest.startswith("attachments/") and rest.count("/") == 1 and safe_name(rest[12:]))
            or (rest.startswith("decisions/") and rest.count("/") == 1 and bool(DECISION_FILE_RE.match(rest[10:]))))


def assemble_case(cid: str, case_text: str, case_display: str, attachments: tuple[str, str] | None,
                  decisions: list[tuple[str, str, str]],
                  extra_facts: Callable[[str], dict[str, FactSpec]] | None = None) -> Case:
    """A case from the texts of its files: ``case.toml``, ``attachments.toml`` (text, display) and
    the decision files (file name, text, display). Shared by the store (working tree), the hooks
    (the index) and the verifier (old commits)."""
    try:
        case = parse_case(case_text, case_display, extra_facts)
    except InputError as e:
        if e.file is None:
            raise InputError(e.message, file=case_display, line=1) from None
        raise
    if case.id != cid:
        raise InputError(t("bad_case_file", error=pick(f"编号 {case.id!r} 与所在目录 {cid!r} 不符",
                                                       f"id {case.id!r} does not match its folder {cid!r}")),
                         file=case_display, line=1)
    if attachments is not None:
        case.attachments = parse_attachments(attachments[0], attachments[1])
    for name, text, display in sorted(decisions):
        add_decision(case, name, display, lambda: parse_decision(text, display))
    return case


def add_decision(case: Case, name: str, display: str, parse: Callable[[], Decision]) -> None:
    """Add a decision file to a case, noting a badly named file or a name that disagrees with
    the content as a problem of the case (its history cannot be trusted)."""
    from tracker.core.models import Finding
    from tracker.core.i18n import Text

    m = DECISION_FILE_RE.match(name)
    if not m:
        case.problems.append(Finding(case.id, "decision-file-name", "error",
                                     Text(f"决定文件名不合规范：{name}", f"badly named decision file: {name}"),
                                     None, display, None))
        return
    dec = parse()
    if dec.seq != int(m.group(1)) or dec.action != m.group(2):
        case.problems.append(Finding(case.id, "decision-file-name", "error",
                                     Text("决定文件名与内容不符", "decision file name does not match its content"),
                                     None, display, 1))
    case.decisions.append(dec)


def decision_filename(seq: int, action: str) -> str:
    return f"{seq:04d}-{action}.toml"
