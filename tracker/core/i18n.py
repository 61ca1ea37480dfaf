"""Bilingual text: Chinese by default, English on request.

Every message a user reads exists in both languages. Rule packs carry their own pairs
(``message`` / ``message_en``); this module holds the tool's own messages.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

_LANG = "zh"


def set_language(lang: str | None) -> str:
    """Set the UI language from an explicit choice, else the environment. Returns it."""
    global _LANG
    if not lang:
        lang = os.environ.get("TRACKER_LANG") or ""
        if not lang:
            loc = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
            lang = "en" if loc.lower().startswith("en") else "zh"
    lang = lang.lower()
    _LANG = "en" if lang.startswith("en") else "zh"
    return _LANG


def language() -> str:
    return _LANG


@dataclass(frozen=True)
class Text:
    """A message in both languages."""

    zh: str
    en: str

    def __str__(self) -> str:
        return self.en if _LANG == "en" else self.zh

    def __add__(self, other: "Text") -> "Text":
        return Text(self.zh + other.zh, self.en + other.en)

    def format(self, **kw) -> "Text":
        return Text(self.zh.format(**kw), self.en.format(**kw))

    def as_dict(self) -> dict:
        return {"zh": self.zh, "en": self.en}


def pick(zh: str, en: str | None) -> str:
    return (en or zh) if _LANG == "en" else zh


# The tool's own messages. Keys are stable; tests may refer to them.
MESSAGES: dict[str, tuple[str, str]] = {
    "unknown_fact": ("未知的事实字段“{name}”（可用：{known}）", "unknown fact '{name}' (known: {known})"),
    "bad_money": ("“{name}”的金额无效：{value!r}（应为不小于0的数字，单位万元）",
                  "invalid amount for '{name}': {value!r} (a number ≥ 0, in 万元)"),
    "negative_money": ("“{name}”的金额不能为负数：{value}", "'{name}' cannot be negative: {value}"),
    "bad_bool": ("“{name}”应为是/否（true/false）：{value!r}", "'{name}' must be true or false: {value!r}"),
    "bad_date": ("“{name}”不是有效日期（YYYY-MM-DD）：{value!r}", "'{name}' is not a valid date (YYYY-MM-DD): {value!r}"),
    "bad_int": ("“{name}”应为整数：{value!r}", "'{name}' must be an integer: {value!r}"),
    "bad_range": ("“{name}”应在 {lo} 至 {hi} 之间：{value!r}", "'{name}' must be between {lo} and {hi}: {value!r}"),
    "bad_choice": ("“{name}”的取值无效：{value!r}（可选：{choices}）", "invalid value for '{name}': {value!r} (choose: {choices})"),
    "bad_text": ("“{name}”应为文字：{value!r}", "'{name}' must be text: {value!r}"),
    "empty_text": ("“{name}”不能为空", "'{name}' cannot be empty"),
    "bad_table": ("“{name}”应为“来源=金额”的表：{value!r}", "'{name}' must be a table of source = amount: {value!r}"),
    "bad_assignment": ("应为 事实=值 的形式：{value!r}", "expected FACT=VALUE: {value!r}"),
    "unknown_case": ("找不到案件“{case}”", "no such case '{case}'"),
    "unknown_jurisdiction": ("未知的辖区“{name}”（已安装：{known}）", "unknown jurisdiction '{name}' (installed: {known})"),
    "unknown_action": ("案件 {case} 当前阶段“{stage}”没有动作“{action}”（可用：{known}）",
                       "case {case} at stage '{stage}' has no action '{action}' (available: {known})"),
    "ambiguous_action": ("动作“{action}”不明确，请使用其中之一：{known}", "action '{action}' is ambiguous; use one of: {known}"),
    "unknown_role": ("动作“{action}”应由“{role}”作出，而不是“{given}”", "action '{action}' is taken by '{role}', not '{given}'"),
    "unknown_role_id": ("未知的角色“{role}”（可用：{known}）", "unknown role '{role}' (known: {known})"),
    "unknown_filter": ("未知的{what}“{value}”（可用：{known}）", "unknown {what} '{value}' (known: {known})"),
    "no_change": ("事实未改变，未提交", "facts unchanged; nothing committed"),
    "unreadable_file": ("无法读取文件：{path}（{error}）", "cannot read file: {path} ({error})"),
    "action_blocked": ("不能执行“{action}”：", "cannot take '{action}':"),
    "no_store": ("找不到案件库：当前目录及其上级目录都没有 .tracker/（可用 --store 指定）",
                 "no case store: no .tracker/ here or above (use --store)"),
    "not_a_store": ("{path} 不是案件库（没有 .tracker/）", "{path} is not a case store (no .tracker/)"),
    "store_exists": ("{path} 已经是案件库", "{path} is already a case store"),
    "path_not_empty": ("{path} 不是空目录", "{path} is not an empty directory"),
    "bad_toml": ("TOML 格式错误：{error}", "malformed TOML: {error}"),
    "bad_yaml": ("YAML 格式错误：{error}", "malformed YAML: {error}"),
    "bad_pack": ("规则包无效：{error}", "invalid rule pack: {error}"),
    "bad_case_file": ("案件文件无效：{error}", "invalid case file: {error}"),
    "bad_decision_file": ("决定文件无效：{error}", "invalid decision file: {error}"),
    "file_missing": ("文件不存在：{path}", "file not found: {path}"),
    "bad_attachment_name": ("附件名称不安全：{name!r}（不能含路径、“..”或控制字符）",
                            "unsafe attachment name: {name!r} (no paths, '..' or control characters)"),
    "attachment_exists": ("附件“{name}”已存在；如要另存，请用 --name 指定新名称",
                          "attachment '{name}' already exists; use --name to store it under another name"),
    "unknown_doc_kind": ("未知的材料类型“{kind}”（{jurisdiction} 可用：{known}）",
                         "unknown document kind '{kind}' ({jurisdiction} knows: {known})"),
    "bad_today": ("TRACKER_TODAY 不是有效日期：{value!r}", "TRACKER_TODAY is not a valid date: {value!r}"),
    "date_before_previous": ("决定日期 {on} 早于上一项决定的日期 {prev}", "decision date {on} is before the previous decision's date {prev}"),
    "not_a_file": ("{path} 是目录，不是文件", "{path} is a directory, not a file"),
    "exclusive": ("{a} 与 {b} 不能同时使用", "{a} and {b} cannot be used together"),
    "date_before_created": ("决定日期 {on} 早于案件建立日期 {created}", "decision date {on} is before the case was opened ({created})"),
    "history_broken": ("案件 {case} 的历史记录有错误，须先修复后才能作出新决定：", "case {case} has errors in its history; fix them before taking a decision:"),
    "bad_opinion": ("意见中含有控制字符", "the opinion contains control characters"),
    "date_out_of_range": ("“{name}”的日期超出范围（{lo}–{hi} 年）：{value}", "'{name}' is out of range (years {lo}–{hi}): {value}"),
    "empty_jurisdiction": ("辖区不能为空", "jurisdiction cannot be empty"),
    "date_in_future": ("决定日期 {on} 晚于今天 {today}", "decision date {on} is after today {today}"),
    "git_failed": ("git 执行失败：{error}", "git failed: {error}"),
    "no_identity": ("git 未设置提交人身份：请用 --name/--email，或 git config user.name / user.email",
                    "git has no committer identity: pass --name/--email or set git config user.name / user.email"),
    "case_closed": ("案件已结束（{stage}），没有可执行的动作", "the case has ended ({stage}); no actions remain"),
    "id_exhausted": ("编号已用尽：{prefix}-{year}", "case numbers exhausted for {prefix}-{year}"),
    "nothing_to_set": ("没有要修改的事实", "no facts to change"),
    "store_moved": ("案件库在确认期间已有新的提交（可能来自同步或其他程序），请重新查看后再操作",
                    "the store has a new commit since this change was prepared (a sync or another program); "
                    "review the case again and retry"),
    "read_only_fact": ("“{name}”不能修改", "'{name}' cannot be changed"),
    # working-day calendar (jurisdictions/calendars/<year>.yaml)
    "bad_calendar": ("工作日日历无效：{error}", "invalid working-day calendar: {error}"),
    "cal_bad_file_name": ("文件名应为“<年份>.yaml”（如 2025.yaml）：{name}", "the file must be named <year>.yaml (e.g. 2025.yaml): {name}"),
    "cal_top": ("顶层应为映射（year、notice、holidays、workdays）", "the top level must be a mapping (year, notice, holidays, workdays)"),
    "cal_unknown_key": ("未知的键“{name}”（可用：{known}）", "unknown key '{name}' (known: {known})"),
    "cal_missing_key": ("缺少“{name}”", "'{name}' is missing"),
    "cal_expected": ("“{name}”应为{what_zh}", "'{name}' must be {what_en}"),
    "cal_year_mismatch": ("year 为 {year}，与文件名的年份 {expected} 不符", "year is {year} but the file name says {expected}"),
    "cal_outside_year": ("日期 {date} 不在 {year} 年内（每个文件只列本年度的日期）",
                         "{date} is not in {year} (a file lists the days of its own year only)"),
    "cal_range_order": ("起止日期颠倒：{start} 晚于 {end}", "the range is reversed: {start} is after {end}"),
    "cal_duplicate": ("日期 {date} 重复列出", "{date} is listed twice"),
    "cal_both": ("{date} 同时列为放假日和调休上班日", "{date} is listed both as a holiday and as a working day"),
    "cal_not_weekend": ("调休上班日 {date} 是{weekday_zh}，不是周六或周日", "make-up working day {date} is a {weekday_en}, not a Saturday or Sunday"),
    "cal_unknown_notice": ("“by”引用的通知“{ref}”不在 other_notices 中", "'by' names a notice not listed in other_notices: {ref}"),
    "calendar_missing": ("日期为估算：缺少 {files}，已按周一至周五计算；请依国务院办公厅当年的节假日安排通知添加该文件（方法见 jurisdictions/calendars/README.md）",
                         "estimated date: {files} is missing, so Monday to Friday were counted; add it from the State Council's holiday notice of that year (see jurisdictions/calendars/README.md)"),
    "possibly_overdue": ("可能已逾期（日期为估算，缺少 {files}）：{what}（约 {due}）",
                         "possibly overdue (estimated date, {files} missing): {what} (about {due})"),
    "estimated_lapse": ("可能已过期限（日期为估算，缺少 {files}）：{what}（约 {due} 届满）",
                        "possibly lapsed (estimated date, {files} missing): {what} (about {due})"),
}


def t(key: str, /, **kw) -> str:  # positional-only: a message may use {key} itself
    zh, en = MESSAGES[key]
    return (en if _LANG == "en" else zh).format(**kw)


def text(key: str, /, **kw) -> Text:
    zh, en = MESSAGES[key]
    return Text(zh.format(**kw), en.format(**kw))
