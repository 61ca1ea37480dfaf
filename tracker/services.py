"""Application services: the operations the CLI and the TUI share.

Each function that changes the store writes through a FileTransaction and makes exactly one
commit (tracker.store.commit), so a failure leaves the store as it was.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterator
from typing import Any

import tomli_w

from tracker.core import engine
from tracker.core.casefile import (decision_filename, render_attachments, render_case, render_decision, safe_name)
from tracker.core.errors import InputError, TrackerError
from tracker.core.facts import parse_assignment, to_plain
from tracker.core.i18n import pick, t
from tracker.core.models import Attachment, Case, Finding, malformed_finding
from tracker.core.pack import builtin_packs_dir
from tracker.store import git
from tracker.core.policy import ADMIN, Need, Person, Policy, render_policy
from tracker.core.errors import RulesSayNo
from tracker.store.commit import commit_files, format_message
from tracker.store.signing import POLICY_PATH, Signer, check_authorized, resolve_signer
from tracker.store.fsutil import FileTransaction
from tracker.store.store import MARKER, Store, today

DATA_DIRS = ("jurisdictions", "hooks")


def data_dir(name: str) -> Path:
    base = builtin_packs_dir().parent
    p = base / name
    if not p.is_dir():
        raise InputError(f"installation is missing {name}/")  # pragma: no cover
    return p


def commit_date(on: _dt.date | None) -> str | None:
    """Historical entries (demo, --on) are committed at 10:00 Beijing time of that day."""
    return f"{on.isoformat()}T10:00:00+08:00" if on else None


# ---------------------------------------------------------------------------------------
# init

def init_store(path: Path, name: str | None = None, email: str | None = None, *, date: _dt.date | None = None) -> Store:
    path = path.resolve()
    if path.exists() and not path.is_dir():
        raise InputError(t("path_not_empty", path=path))
    if (path / MARKER).exists():
        raise InputError(t("store_exists", path=path))
    if path.exists() and any(p.name != ".git" for p in path.iterdir()):
        raise InputError(t("path_not_empty", path=path))
    probe = path if path.exists() else next(p for p in path.parents if p.exists())
    uname = name or git.config_get(probe, "user.name")
    uemail = email or git.config_get(probe, "user.email")
    if not uname or not uemail:
        raise InputError(t("no_identity"))
    signer = resolve_signer(probe)
    if signer.fmt and signer.public is None:
        raise InputError(t("init_no_public_key", path=signer.key))
    path.mkdir(parents=True, exist_ok=True)
    if not git.is_repo(path):
        git.run(["init", "-q", "-b", "main"], path)
    if name:
        git.run(["config", "user.name", name], path)
    if email:
        git.run(["config", "user.email", email], path)
    tx = FileTransaction(path)
    for d in DATA_DIRS:
        src = data_dir(d)
        for f in sorted(src.rglob("*")):
            if f.is_file() and "__pycache__" not in f.parts:
                tx.write_bytes(path / d / f.relative_to(src), f.read_bytes())
    created = date or today()
    tx.write_text(path / MARKER / "config.toml",
                  "# tracker 案件库配置 / store settings\n" + tomli_w.dumps({
                      "format": 1, "created_on": created, "language": "zh",
                      "signing": {"required": bool(signer.fmt)}}))
    admin = Person(uname, uemail, [signer.public] if signer.public else [], [ADMIN])
    tx.write_text(path / POLICY_PATH, render_policy(Policy([admin])))
    tx.write_text(path / "cases" / ".keep", "")
    for hook in (path / "hooks").glob("*"):
        if hook.is_file() and not hook.suffix:
            hook.chmod(0o755)
    commit_files(path, tx, "初始化案件库 / Initialize case store", "",
                 [("Tracker-Action", "init")], date=commit_date(date), signer=signer)
    # only once the first commit exists: hooks, the interpreter they call, the pinned trust root
    git.run(["config", "core.hooksPath", "hooks"], path)
    git.run(["config", "tracker.python", sys.executable], path)
    root = git.run(["rev-list", "--max-parents=0", "HEAD"], path).split()[-1]
    git.run(["config", "tracker.trustRoot", root], path)
    git.run(["config", "fetch.writeCommitGraph", "true"], path)  # fast history walks for verify
    from tracker.trust import refresh_allowed_signers

    refresh_allowed_signers(path)
    return Store(path)


def pin_clone(path: Path, trust_root: str | None = None) -> str:
    """Make a clone a working store: hooks active, interpreter recorded, trust root pinned.

    The trust root is the history's first commit; when the office was given the id out of band
    (``--trust-root``), the clone must contain exactly that commit as its root."""
    roots = git.run(["rev-list", "--max-parents=0", "HEAD"], path).split()
    if trust_root:
        full = git.run(["rev-parse", "--verify", "-q", f"{trust_root}^{{commit}}"], path, check=False).strip()
        if not full or full not in roots:
            raise RulesSayNo(t("trust_root_mismatch", expected=trust_root, found=", ".join(r[:12] for r in roots)))
        root = full
    else:
        if len(roots) != 1:
            raise RulesSayNo(t("trust_root_ambiguous", found=", ".join(r[:12] for r in roots)))
        root = roots[0]
    git.run(["config", "core.hooksPath", "hooks"], path)
    git.run(["config", "tracker.python", sys.executable], path)
    git.run(["config", "tracker.trustRoot", root], path)
    git.run(["config", "fetch.fsckObjects", "true"], path)  # malformed objects never enter a clone
    git.run(["config", "fetch.writeCommitGraph", "true"], path)  # fast history walks for verify
    from tracker.trust import refresh_allowed_signers

    refresh_allowed_signers(path)
    return root


# ---------------------------------------------------------------------------------------
# reading

def parse_assignments(pairs: list[str] | None) -> list[tuple[str, str]]:
    return [parse_assignment(p) for p in (pairs or [])]


@dataclass
class Loaded:
    case: Case
    view: engine.CaseView


def load(store: Store, case_id: str, on: _dt.date | None = None) -> Loaded:
    case = store.load_case(case_id)
    return Loaded(case, store.view(case, on))


def case_row(store: Store, view: engine.CaseView) -> dict:
    case, pack = view.case, view.pack
    nd = engine.next_due(view)
    return {
        "id": case.id,
        "jurisdiction": pack.id,
        "jurisdiction_name": pick(pack.jurisdiction, pack.jurisdiction_en),
        "title": case.title,
        "unit": case.unit,
        "budget_wan": to_plain(case.facts.get("budget_wan")),
        "track": view.track.kind,
        "track_id": view.track_id,
        "track_name": pick(view.track.name, view.track.name_en),
        "track_certain": view.track_certain,
        "stage": view.stage_ref(),
        "next_due": nd.due.isoformat() if nd else None,
        "next_due_what": str(nd.what) if nd else None,
        "next_due_status": nd.status if nd else None,
        "next_due_estimated": nd.estimated if nd else False,
        "overdue": any(i.status == "overdue" for i in engine.deadlines(view) if i.kind != "regulation_validity"),
        # who must act next (the current stage's role), for the 待办 dashboard; None once ended
        "waiting_role": None if view.ended else engine.stage_role(pack, view.env, view.stage)[0],
    }


def iter_case_rows(store: Store, on: _dt.date | None = None, stats=None
                   ) -> Iterator[tuple[int, int, dict | TrackerError]]:
    """Every case's list row, one at a time, as ``(done, total, row-or-error)``: the terminal UI
    loads a large store in a worker with progress, and ``list_cases`` filters the same rows.
    A case that cannot be read yields its error (shown as a finding), never stops the others.
    Rows of unchanged cases come from the case index (tracker.store.index), exactly as computed.
    """
    from tracker.store import index

    store.packs, store.calendar  # broken shared files: one error (exit 2), not one per case
    yield from index.entries(store, on or today(), "row", stats)


def list_cases(store: Store, *, jurisdiction: str | None = None, stage: str | None = None,
               track: str | None = None, overdue: bool = False, stats=None) -> tuple[list[dict], list[TrackerError]]:
    """The rows of the cases that pass the filters, and the cases that cannot be read. ``stats``
    (tracker.store.index.Stats) receives what the case index did."""
    packs = store.packs  # a broken rule pack or calendar is bad input even in an empty store
    store.calendar
    pack_id = store.pack(jurisdiction).id if jurisdiction else None
    from tracker.core import vocab

    if stage:
        known = set(vocab.STAGE_KINDS) | {s for p in packs.values() for s in p.stages}
        if stage not in known:
            raise InputError(t("unknown_filter", what=pick("阶段", "stage"), value=stage,
                               known=", ".join(vocab.STAGE_KINDS)))
    if track:
        known = set(vocab.TRACK_KINDS) | {k for p in packs.values() for k in p.tracks}
        if track not in known:
            raise InputError(t("unknown_filter", what=pick("办理类型", "track"), value=track, known=", ".join(vocab.TRACK_KINDS)))
    rows, errors = [], []
    for _, _, row in iter_case_rows(store, stats=stats):
        if isinstance(row, TrackerError):
            errors.append(row)
            continue
        if pack_id and row["jurisdiction"] != pack_id:
            continue
        if stage and stage not in (row["stage"]["kind"], row["stage"]["id"]):
            continue
        if track and track not in (row["track"], row["track_id"]):
            continue
        if overdue and not row["overdue"]:
            continue
        rows.append(row)
    return rows, errors


def show_case(store: Store, case_id: str) -> dict:
    ld = load(store, case_id)
    view, case, pack = ld.view, ld.case, ld.view.pack
    row = case_row(store, view)
    facts = {k: to_plain(v) for k, v in case.facts.items()}
    return {
        **row,
        "jurisdiction_document": pack.document,
        "created_on": case.created_on.isoformat(),
        "facts": facts,
        "track_reason": ({"text": pick(view.track_reason.reason, view.track_reason.reason_en),
                          "cite": view.track_reason.cite} if view.track_reason else None),
        "track_missing": sorted(view.track_missing),
        "plan": [{**p.as_dict(), "role_name": pack.role_label(p.role)} for p in engine.plan(view)],
        "obligations": [o.as_dict() for o in engine.obligations(view)],
        "checklist": engine.checklist(view),
        "decisions": [{**d.as_dict(), "from_name": _stage_name(pack, d.from_stage),
                       "to_name": _stage_name(pack, d.to_stage)} for d in sorted(case.decisions, key=lambda d: d.seq)],
        "attachments": [a.as_dict() for a in case.attachments],
        "findings": [f.as_dict() for f in engine.findings(view)],
        "deadlines": [i.as_dict() for i in engine.deadlines(view)],
        "actions": [a.as_dict() for a in engine.list_actions(view)],
    }


def _stage_name(pack, sid: str) -> str:
    st = pack.stages.get(sid)
    return pick(st.name, st.name_en) if st else sid


def check_cases(store: Store, case_ids: list[str] | None) -> list[Finding]:
    out: list[Finding] = []
    on = today()
    try:
        store.packs, store.calendar  # a broken rule pack or calendar: one finding, not one per case
    except TrackerError as e:
        return [malformed_finding(None, e)]
    ids = case_ids if case_ids else store.case_ids()
    for cid in ids:
        try:
            case = store.load_case(cid)
            view = store.view(case, on)
        except TrackerError as e:
            if case_ids and not (store.cases_dir / cid.strip().upper()).is_dir():
                raise
            out.append(malformed_finding(cid, e))
            continue
        out.extend(engine.findings(view))
    return out



def due_items(store: Store, on: _dt.date, stats=None) -> tuple[list[engine.DueItem], list[TrackerError]]:
    items: list[engine.DueItem] = []
    errors: list[TrackerError] = []
    seen_validity: set[str] = set()
    store.packs, store.calendar  # broken shared files: one error (exit 2), not one per case
    from tracker.store import index

    for _, _, got in index.entries(store, on, "due", stats):  # unchanged cases: from the case index
        if isinstance(got, TrackerError):
            errors.append(got)
            continue
        jurisdiction, deadlines = got
        for item in deadlines:
            if item.kind == "regulation_validity":
                if jurisdiction in seen_validity:
                    continue
                seen_validity.add(jurisdiction)
                item.case = None
            items.append(item)
    items.sort(key=lambda i: (i.due, i.case or ""))
    return items, errors


# ---------------------------------------------------------------------------------------
# writing

@dataclass
class PlannedCommit:
    """One change, worked out but not yet written: the files, the commit message and the signer.
    The terminal UI shows it on its confirmation screen; :func:`commit_planned` then writes
    exactly this, so what the user confirmed is what is committed and signed."""

    files: list[tuple[Path, bytes | None]]  # absolute path and new content (None: delete)
    subject: str
    body: str
    trailers: list[tuple[str, str]]
    signer: Signer
    head: str | None                          # HEAD when planned: a commit in between refuses
    date: str | None = None
    result: Any = None                        # what the change makes (case id, decision, attachment)

    @property
    def message(self) -> str:
        return format_message(self.subject, self.body, self.trailers)

    def rel_paths(self, root: Path) -> list[str]:
        return [p.relative_to(root).as_posix() for p, _ in self.files]


def _head(store: Store) -> str | None:
    return git.run(["rev-parse", "-q", "--verify", "HEAD"], store.root, check=False).strip() or None


def commit_planned(store: Store, plan: PlannedCommit) -> str:
    """Write and commit a planned change (signed); on any failure the tree is left as it was."""
    if _head(store) != plan.head:
        raise InputError(t("store_moved"))
    tx = FileTransaction(store.root)
    for path, data in plan.files:
        if data is None:
            tx.delete(path)
        else:
            tx.write_bytes(path, data)
    return commit_files(store.root, tx, plan.subject, plan.body, plan.trailers, date=plan.date, signer=plan.signer)


def plan_new_case(store: Store, jurisdiction: str, title: str, unit: str, assignments: list[str] | None,
                  *, on: _dt.date | None = None, case_id: str | None = None, signer: Signer | None = None) -> PlannedCommit:
    pack = store.pack(jurisdiction)
    created = on or today()
    extra = parse_assignments(assignments)
    for name, _ in extra:
        if name in ("title", "unit"):
            raise InputError(t("read_only_fact", name=name) + f"（--{name}）")
    values = engine.validate_set(pack, [("title", title), ("unit", unit), *extra])
    facts = {k: v for k, v in values.items() if v is not None}
    cid = case_id or store.next_case_id(pack.case_prefix, created.year)
    if store.case_dir(cid).exists():
        raise InputError(t("bad_case_file", error=pick(f"{cid} 已存在", f"{cid} already exists")))
    case = Case(id=cid, jurisdiction=pack.id, created_on=created, facts=facts)
    signer = check_authorized(store.root, Need("case", pack.id, None, (facts["unit"],)), signer)
    return PlannedCommit([(store.case_dir(cid) / "case.toml", render_case(case).encode("utf-8"))],
                         f"{cid} 新建案件：{facts['title']}", "",
                         [("Case", cid), ("Action", "new"), ("Jurisdiction", pack.id)], signer, _head(store),
                         commit_date(on), result=cid)


def new_case(store: Store, jurisdiction: str, title: str, unit: str, assignments: list[str] | None,
             *, on: _dt.date | None = None, case_id: str | None = None) -> str:
    plan = plan_new_case(store, jurisdiction, title, unit, assignments, on=on, case_id=case_id)
    commit_planned(store, plan)
    return plan.result


def plan_set_facts(store: Store, case_id: str, assignments: list[str], *, on: _dt.date | None = None,
                   signer: Signer | None = None) -> PlannedCommit | None:
    """The commit that sets these facts, or None when nothing would change."""
    case = store.load_case(case_id, check_files=False)
    pack = store.pack(case.jurisdiction)
    pairs = parse_assignments(assignments)
    if not pairs:
        raise InputError(t("nothing_to_set"))
    values = engine.validate_set(pack, pairs)
    old_unit = case.unit
    case.facts = engine.apply_facts(case.facts, values)
    for req in ("title", "unit"):
        if not case.facts.get(req):
            raise InputError(t("empty_text", name=req))
    path = store.case_dir(case.id) / "case.toml"
    rendered = render_case(case)
    if path.read_text(encoding="utf-8") == rendered:
        return None
    signer = check_authorized(store.root, Need("case", pack.id, None, tuple(sorted({old_unit, case.unit}))), signer)
    summary = "，".join(f"{k}={_fmt(v)}" for k, v in values.items())
    return PlannedCommit([(path, rendered.encode("utf-8"))], f"{case.id} 修改事实：{summary}", "",
                         [("Case", case.id), ("Action", "set-facts"), ("Facts", ",".join(values))], signer,
                         _head(store), commit_date(on), result=values)


def set_facts(store: Store, case_id: str, assignments: list[str], *, on: _dt.date | None = None) -> dict:
    plan = plan_set_facts(store, case_id, assignments, on=on)
    if plan is None:
        return {}
    commit_planned(store, plan)
    return plan.result


def renumber_case(store: Store, old: str, new: str | None = None, *, taken: set[str] | None = None) -> str:
    """Give a case a new id in one commit: every file moves unchanged, only ``id`` in case.toml
    changes. Used by ``tracker sync`` when two offices opened cases with the same number; the
    verifier accepts such a commit only if nothing but the id changed."""
    case = store.load_case(old, check_files=False)
    pack = store.pack(case.jurisdiction)
    if new is None:
        year = int(case.id.split("-")[1])
        new = store.next_case_id(pack.case_prefix, year, (taken or set()) | {case.id})
    if store.case_dir(new).exists():
        raise InputError(t("bad_case_file", error=pick(f"{new} 已存在", f"{new} already exists")))
    signer = check_authorized(store.root, Need("case", pack.id, None, (case.unit,)))
    src, dst = store.case_dir(case.id), store.case_dir(new)
    tx = FileTransaction(store.root)
    for f in sorted(p for p in src.rglob("*") if p.is_file()):
        rel = f.relative_to(src)
        if rel.as_posix() == "case.toml":
            case.id = new
            tx.write_text(dst / rel, render_case(case))
        else:
            tx.write_bytes(dst / rel, f.read_bytes())
        tx.delete(f)
    commit_files(store.root, tx, f"{new} 案件重新编号（原 {old}）", "",
                 [("Case", new), ("Action", "renumber"), ("Renumbered-From", old)], signer=signer)
    for d in sorted((p for p in src.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True) + [src]:
        try:
            d.rmdir()
        except OSError:
            pass
    return new


def _fmt(v: Any) -> str:
    if v is None:
        return "（清除）"
    p = to_plain(v)
    if isinstance(p, bool):
        return "是" if p else "否"
    if isinstance(p, list):
        return "、".join(map(str, p))
    return str(p)


def plan_attach(store: Store, case_id: str, file: Path, kind: str, name: str | None = None,
                *, on: _dt.date | None = None, signer: Signer | None = None) -> PlannedCommit:
    case = store.load_case(case_id)
    pack = store.pack(case.jurisdiction)
    resolved = pack.resolve_doc_kind(kind) or ("other" if kind == "other" else None)
    if resolved is None:
        raise InputError(t("unknown_doc_kind", kind=kind, jurisdiction=pack.id, known=", ".join(pack.documents) + ", other"))
    target_name = name if name is not None else file.name
    if not safe_name(target_name):
        raise InputError(t("bad_attachment_name", name=target_name))
    if file.is_dir():
        raise InputError(t("not_a_file", path=file))
    if not file.is_file():
        raise InputError(t("file_missing", path=file))
    dest = store.case_dir(case.id) / "attachments" / target_name
    if dest.exists() or any(a.name == target_name for a in case.attachments):
        raise InputError(t("attachment_exists", name=target_name))
    attdir = dest.parent
    if attdir.is_symlink() or (attdir.exists() and not attdir.resolve().is_relative_to(store.root)):
        raise InputError(t("bad_attachment_name", name=str(attdir)))
    try:
        data = file.read_bytes()
    except OSError as e:
        raise InputError(t("unreadable_file", path=file, error=e.strerror or e)) from None
    signer = check_authorized(store.root, Need("case", pack.id, None, (case.unit,)), signer)
    att = Attachment(name=target_name, kind=resolved, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                     added_on=on or today())
    case.attachments.append(att)
    listing = render_attachments(case.attachments).encode("utf-8")
    return PlannedCommit([(dest, data), (store.case_dir(case.id) / "attachments.toml", listing)],
                         f"{case.id} 添加材料：{pack.doc_label(resolved)}（{target_name}）", "",
                         [("Case", case.id), ("Action", "attach"), ("Document", resolved), ("Sha256", att.sha256)],
                         signer, _head(store), commit_date(on), result=att)


def attach(store: Store, case_id: str, file: Path, kind: str, name: str | None = None,
           *, on: _dt.date | None = None) -> Attachment:
    plan = plan_attach(store, case_id, file, kind, name, on=on)
    commit_planned(store, plan)
    return plan.result


def plan_advance(store: Store, case_id: str, action: str, *, opinion: str = "", on: _dt.date | None = None,
                 role: str | None = None, assignments: list[str] | None = None, by: str | None = None,
                 historical: bool = False, signer: Signer | None = None) -> PlannedCommit:
    """The decision commit for ``action`` on the case: refused (RulesSayNo) when the rules say no."""
    case = store.load_case(case_id)
    pack = store.pack(case.jurisdiction)
    day = today()
    decided = on or day
    if decided > day and not historical:
        raise InputError(t("date_in_future", on=decided, today=day))
    values = engine.validate_set(pack, parse_assignments(assignments)) if assignments else {}
    view = engine.evaluate(pack, case, decided, store.calendar)
    who = by or _identity(store)
    recorded = commit_date(on) if historical and on else now_iso()
    decision = engine.decide(view, action, role=role, on=decided, opinion=opinion.strip(), set_facts=values,
                             recorded_at=recorded, by=who)
    signer = check_authorized(store.root, Need("decision", pack.id, decision.role, (case.unit,)), signer)
    case.facts = engine.apply_facts(case.facts, values)
    ddir = store.case_dir(case.id) / "decisions"
    fname = decision_filename(decision.seq, decision.action)
    if (ddir / fname).exists():
        raise InputError(t("bad_decision_file", error=pick(f"{fname} 已存在", f"{fname} already exists")))
    files: list[tuple[Path, bytes | None]] = [(ddir / fname, render_decision(decision).encode("utf-8"))]
    if values:
        files.append((store.case_dir(case.id) / "case.toml", render_case(case).encode("utf-8")))
    act_name = engine._kind_name(decision.kind)[0]
    trailers = [("Case", case.id), ("Action", decision.action), ("Kind", decision.kind),
                ("From", decision.from_stage), ("To", decision.to_stage), ("Role", decision.role),
                ("Track", decision.track or ""), ("Decided-On", decision.decided_on.isoformat())]
    subject = f"{case.id} {pack.stages[decision.from_stage].name} → {pack.stages[decision.to_stage].name}（{act_name}）"
    return PlannedCommit(files, subject, decision.opinion, trailers, signer, _head(store),
                         commit_date(on) if historical else None, result=decision)


def advance(store: Store, case_id: str, action: str, *, opinion: str = "", on: _dt.date | None = None,
            role: str | None = None, assignments: list[str] | None = None, by: str | None = None,
            historical: bool = False) -> tuple[str, Any]:
    plan = plan_advance(store, case_id, action, opinion=opinion, on=on, role=role, assignments=assignments, by=by,
                        historical=historical)
    return commit_planned(store, plan), plan.result


def now_iso() -> str:
    """The moment a decision is recorded (local time with offset); tests replace it."""
    return _dt.datetime.now(_dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def _identity(store: Store) -> str:
    name = git.config_get(store.root, "user.name") or ""
    email = git.config_get(store.root, "user.email") or ""
    return f"{name} <{email}>" if email else name
