"""Case facts: the shared vocabulary of DESIGN.md, typed and validated.

Money is ``Decimal`` in 万元 (never float); dates are ``date``. A boolean fact that was never
set means "no" (a clerk who has not ticked 涉密 has not declared the project classified); every
other unset fact is *unknown*, and rules that need it report it as missing.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

from tracker.core.errors import InputError
from tracker.core.i18n import t

MONEY_PLACES = Decimal("0.000001")
MONEY_MAX = Decimal("100000000")
DATE_MIN = _dt.date(1949, 10, 1)
DATE_MAX = _dt.date(2199, 12, 31)  # 1万亿元 in 万元: anything above is a typo, not a project


@dataclass(frozen=True)
class FactSpec:
    name: str
    type: str  # text | money | bool | date | int | choice | choices | money_table
    label: str
    label_en: str
    choices: tuple[str, ...] = ()
    choice_aliases: dict[str, str] = field(default_factory=dict)
    lo: int | None = None
    hi: int | None = None
    required: bool = False


CATEGORY_ALIASES = {"公共类": "public", "公共": "public", "专业类": "professional", "专业": "professional"}
SERVICE_ALIASES = {
    "基础设施服务": "infrastructure", "基础设施": "infrastructure",
    "软件开发服务": "software", "软件开发": "software", "软件": "software",
    "运维服务": "operations", "运行维护服务": "operations", "运维": "operations",
    "系统业务运营服务": "business_operation", "业务运营": "business_operation",
    "第三方服务": "third_party", "第三方": "third_party",
}
LEVEL_ALIASES = {"一级": "1", "二级": "2", "三级": "3", "四级": "4", "五级": "5",
                 "等保一级": "1", "等保二级": "2", "等保三级": "3", "等保四级": "4", "等保五级": "5",
                 "第一级": "1", "第二级": "2", "第三级": "3", "第四级": "4", "第五级": "5"}

_SPECS = [
    FactSpec("title", "text", "项目名称", "title", required=True),
    FactSpec("unit", "text", "项目建设单位", "unit", required=True),
    FactSpec("category", "choice", "项目类别", "category", ("public", "professional"), CATEGORY_ALIASES),
    FactSpec("service_types", "choices", "服务类型", "service types",
             ("infrastructure", "software", "operations", "business_operation", "third_party"), SERVICE_ALIASES),
    FactSpec("budget_wan", "money", "项目总投资/预算（万元）", "budget (万元)"),
    FactSpec("software_cost_wan", "money", "应用软件开发费用（万元）", "application software cost (万元)"),
    FactSpec("contract_wan", "money", "合同金额（万元）", "contract amount (万元)"),
    FactSpec("funding", "money_table", "资金来源（万元）", "funding sources (万元)"),
    FactSpec("in_department_budget", "bool", "列入部门预算", "in the department budget"),
    FactSpec("in_annual_plan", "bool", "列入年度计划/清单", "in the annual plan"),
    FactSpec("urgent", "bool", "临时/紧急项目", "temporary / urgent"),
    FactSpec("urgent_approved_by", "text", "临时项目同意机关", "authority that approved the urgent project"),
    FactSpec("classified", "bool", "涉密", "classified"),
    FactSpec("fixed_asset_investment", "bool", "属于《政府投资条例》约束范围（固定资产投资）", "fixed-asset investment (政府投资条例)"),
    FactSpec("involves_crypto", "bool", "涉及密码应用", "involves cryptography"),
    FactSpec("public_facing", "bool", "面向社会服务", "serves the public"),
    FactSpec("critical_infrastructure", "bool", "关键信息基础设施", "critical information infrastructure"),
    FactSpec("security_level", "int", "网络安全等级保护级别", "MLPS security level", lo=1, hi=5,
             choice_aliases=LEVEL_ALIASES),
    FactSpec("cross_department", "bool", "跨部门共建共享", "cross-department"),
    FactSpec("simple_mature", "bool", "系统功能相对简单、技术成熟", "simple and mature technology"),
    FactSpec("supports_ipv6", "bool", "支持IPv6", "supports IPv6"),
    FactSpec("data_catalog", "bool", "已编制政务数据共享资源目录/信息资源目录", "data resource catalogue prepared"),
    FactSpec("planned_start", "date", "计划开工日期", "planned start"),
    FactSpec("planned_end", "date", "计划竣工日期", "planned end"),
    FactSpec("completed_on", "date", "完工日期", "completed on"),
    FactSpec("accepted_on", "date", "验收通过日期", "accepted on"),
    FactSpec("in_operation_on", "date", "投入运行日期", "in operation on"),
    FactSpec("change_wan", "money", "变更部分金额（万元）", "changed amount (万元)"),
    FactSpec("new_total_wan", "money", "变更后项目总金额（万元）", "total after change (万元)"),
]

VOCABULARY: dict[str, FactSpec] = {s.name: s for s in _SPECS}

_TRUE = {"true", "yes", "y", "1", "是", "有", "对", "t", "on"}
_FALSE = {"false", "no", "n", "0", "否", "无", "不", "f", "off"}


def parse_money(name: str, raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise InputError(t("bad_money", name=name, value=raw))
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))
    elif isinstance(raw, str):
        s = raw.strip().replace(",", "").replace("，", "")
        if s.endswith("万元"):
            s = s[:-2]
        elif s.endswith("万"):
            s = s[:-1]
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", s):
            raise InputError(t("bad_money", name=name, value=raw))
        value = Decimal(s)
    else:
        raise InputError(t("bad_money", name=name, value=raw))
    if not value.is_finite():
        raise InputError(t("bad_money", name=name, value=raw))
    if value < 0:
        raise InputError(t("negative_money", name=name, value=raw))
    if value > MONEY_MAX or value != value.quantize(MONEY_PLACES):
        raise InputError(t("bad_money", name=name, value=raw))
    return Decimal(format(value.normalize(), "f")) if value != 0 else Decimal(0)


def parse_bool(name: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _TRUE:
        return True
    if isinstance(raw, str) and raw.strip().lower() in _FALSE:
        return False
    raise InputError(t("bad_bool", name=name, value=raw))


def parse_date(name: str, raw: Any) -> _dt.date:
    if isinstance(raw, _dt.datetime):
        raise InputError(t("bad_date", name=name, value=str(raw)))
    value = None
    if isinstance(raw, _dt.date):
        value = raw
    elif isinstance(raw, str):
        s = raw.strip()
        m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", s)
        if m:
            try:
                value = _dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                pass
    if value is None:
        raise InputError(t("bad_date", name=name, value=raw))
    # dates of government IT projects: anything outside this range is a typo (and would overflow
    # the period arithmetic)
    if not (DATE_MIN <= value <= DATE_MAX):
        raise InputError(t("date_out_of_range", name=name, lo=DATE_MIN.year, hi=DATE_MAX.year, value=value))
    return value


def _parse_text(name: str, raw: Any) -> str:
    if not isinstance(raw, str):
        raise InputError(t("bad_text", name=name, value=raw))
    s = raw.strip()
    if any(ord(c) < 32 for c in s):
        raise InputError(t("bad_text", name=name, value=raw))
    return s


def _parse_int(spec: FactSpec, raw: Any) -> int:
    if isinstance(raw, bool):
        raise InputError(t("bad_int", name=spec.name, value=raw))
    if isinstance(raw, str):
        s = spec.choice_aliases.get(raw.strip(), raw.strip())
        if not re.fullmatch(r"[+-]?\d+", s):
            raise InputError(t("bad_int", name=spec.name, value=raw))
        value = int(s)
    elif isinstance(raw, int):
        value = raw
    else:
        raise InputError(t("bad_int", name=spec.name, value=raw))
    if (spec.lo is not None and value < spec.lo) or (spec.hi is not None and value > spec.hi):
        raise InputError(t("bad_range", name=spec.name, lo=spec.lo, hi=spec.hi, value=raw))
    return value


def _parse_choice(spec: FactSpec, raw: Any) -> str:
    if not isinstance(raw, str):
        raise InputError(t("bad_choice", name=spec.name, value=raw, choices="/".join(spec.choices)))
    s = raw.strip()
    s = spec.choice_aliases.get(s, s)
    if s not in spec.choices:
        raise InputError(t("bad_choice", name=spec.name, value=raw, choices="/".join(spec.choices)))
    return s


def _parse_choices(spec: FactSpec, raw: Any) -> list[str]:
    if isinstance(raw, str):
        items = [p for p in re.split(r"[,，、;；\s]+", raw.strip()) if p]
    elif isinstance(raw, list):
        items = raw
    else:
        raise InputError(t("bad_choice", name=spec.name, value=raw, choices="/".join(spec.choices)))
    out: list[str] = []
    for item in items:
        v = _parse_choice(spec, item)
        if v not in out:
            out.append(v)
    return out


def _parse_table(spec: FactSpec, raw: Any) -> dict[str, Decimal]:
    if isinstance(raw, str):
        table: dict[str, Any] = {}
        for part in [p for p in re.split(r"[,，;；]+", raw) if p.strip()]:
            if ":" in part or "=" in part or "：" in part:
                k, _, v = re.split(r"([:=：])", part, maxsplit=1)
                table[k.strip()] = v.strip()
            else:
                raise InputError(t("bad_table", name=spec.name, value=raw))
        raw = table
    if not isinstance(raw, dict):
        raise InputError(t("bad_table", name=spec.name, value=raw))
    out = {}
    for k, v in raw.items():
        if not isinstance(k, str) or not k.strip():
            raise InputError(t("bad_table", name=spec.name, value=raw))
        out[k.strip()] = parse_money(f"{spec.name}.{k}", v)
    return out


_PARSERS: dict[str, Callable[[FactSpec, Any], Any]] = {
    "text": lambda s, v: _parse_text(s.name, v),
    "money": lambda s, v: parse_money(s.name, v),
    "bool": lambda s, v: parse_bool(s.name, v),
    "date": lambda s, v: parse_date(s.name, v),
    "int": _parse_int,
    "choice": _parse_choice,
    "choices": _parse_choices,
    "money_table": _parse_table,
}


def coerce(spec: FactSpec, raw: Any) -> Any:
    """Validate and normalise one fact value (from TOML or from the command line)."""
    value = _PARSERS[spec.type](spec, raw)
    if spec.required and spec.type == "text" and not value:
        raise InputError(t("empty_text", name=spec.name))
    return value


def spec_for(name: str, extra: dict[str, FactSpec] | None = None) -> FactSpec:
    if extra and name in extra:
        return extra[name]
    if name in VOCABULARY:
        return VOCABULARY[name]
    known = sorted(set(VOCABULARY) | set(extra or {}))
    raise InputError(t("unknown_fact", name=name, known=", ".join(known)))


def parse_assignment(text: str) -> tuple[str, str]:
    """Split ``FACT=VALUE`` (also accepts the full-width ＝)."""
    text = text.replace("＝", "=")
    if "=" not in text:
        raise InputError(t("bad_assignment", value=text))
    name, _, value = text.partition("=")
    name = name.strip()
    if not name:
        raise InputError(t("bad_assignment", value=text))
    return name, value


def to_plain(value: Any) -> Any:
    """A fact value for JSON: Decimal → int or float text-exact number, date → ISO string."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    return value


def default_for(spec: FactSpec) -> Any:
    return False if spec.type == "bool" else None
