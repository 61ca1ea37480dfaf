"""Trust services shared by the CLI and the TUI: people and roles, verification, the audit trail."""

from __future__ import annotations

import re
from pathlib import Path

from tracker.core.errors import InputError, RulesSayNo
from tracker.core.i18n import MESSAGES, pick, t
from tracker.core.policy import (ADMIN, CLERK_ROLE, ROLE_RE, Need, Person, Policy, normalize_key, parse_policy,
                                 render_policy)
from tracker.store import git, sshsig
from tracker.store.commit import commit_files, parse_trailers
from tracker.store.fsutil import FileTransaction
from tracker.store.signing import POLICY_PATH, check_authorized, head_policy
from tracker.store.store import Store
from tracker.store.verify import SIGNATURE_WORDS, Report, verify_history

MESSAGES.update({
    "people_bad_key": ("公钥无效：{error}（应为 .pub 文件或 ssh-ed25519 AAAA… 这样的一行，或 openpgp:指纹）",
                       "invalid public key: {error} (a .pub file, a line like ssh-ed25519 AAAA…, or openpgp:FINGERPRINT)"),
    "people_private_key": ("这是私钥，不是公钥：请给出 .pub 文件", "that is a private key; give the .pub file"),
    "people_unknown_role": ("辖区“{jurisdiction}”没有角色“{role}”（可用：{known}）",
                            "jurisdiction {jurisdiction!r} has no role {role!r} (known: {known})"),
    "people_no_change": ("授权策略没有变化", "the policy is unchanged"),
    "people_policy_dirty": ("工作区中的 .tracker/policy.toml 有未提交的修改，请先提交或还原",
                            ".tracker/policy.toml has uncommitted changes; commit or restore it first"),
    "people_unit_without_clerk": ("--unit 只用于项目建设单位角色（辖区:unit）", "--unit applies only to the clerk role (JURISDICTION:unit)"),
})


# ---------------------------------------------------------------------------------------
# people

def read_key(value: str) -> str:
    """A public key from a ``.pub`` file or a key line; ``openpgp:FPR`` for OpenPGP."""
    v = value.strip()
    if v.lower().startswith("openpgp:"):
        k = normalize_key(v)
        if len(k) != 48 or any(ch not in "0123456789ABCDEF" for ch in k[8:]):
            raise InputError(t("people_bad_key", error=v))
        return k
    path = Path(v).expanduser()
    text = v
    if not v.startswith(("ssh-", "ecdsa-", "sk-", "key::")) and path.is_file():
        try:
            text = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(t("people_bad_key", error=f"{path}: {e}")) from None
    if "PRIVATE KEY" in text:
        raise InputError(t("people_private_key"))
    try:
        return normalize_key(sshsig.parse_public_key(text.splitlines()[0] if text else "").openssh())
    except sshsig.SshSigError as e:
        raise InputError(t("people_bad_key", error=str(e))) from None


def _check_roles(store: Store, roles: list[str]) -> list[str]:
    out = []
    for r in roles:
        r = r.strip()
        if r == ADMIN:
            out.append(r)
            continue
        if not ROLE_RE.match(r.lower()) and ":" not in r:
            raise InputError(t("policy_bad_role", role=r))
        j, _, role = r.partition(":")
        pack = store.pack(j)
        if role not in pack.roles:
            raise InputError(t("people_unknown_role", jurisdiction=pack.id, role=role, known=", ".join(pack.roles)))
        out.append(f"{pack.id}:{role}")
    return out


def _current_policy(store: Store) -> Policy:
    path = store.root / POLICY_PATH
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    head = git.run_bytes(["cat-file", "blob", f"HEAD:{POLICY_PATH}"], store.root, check=False).decode("utf-8", "replace")
    if text != head:
        raise InputError(t("people_policy_dirty"))
    return parse_policy(text, POLICY_PATH)


def _commit_policy(store: Store, policy: Policy, subject: str, trailers: list[tuple[str, str]],
                   date: str | None = None) -> str:
    signer = check_authorized(store.root, Need(ADMIN))
    tx = FileTransaction(store.root)
    tx.write_text(store.root / POLICY_PATH, render_policy(policy))
    return commit_files(store.root, tx, subject, "", [("Tracker-Action", trailers[0][1]), *trailers[1:]],
                        signer=signer, date=date)


def people_add(store: Store, name: str, email: str | None, keys: list[str], roles: list[str],
               units: list[str] | None = None, *, date: str | None = None) -> dict:
    policy = _current_policy(store)
    roles = _check_roles(store, roles)
    units = [u.strip() for u in (units or []) if u.strip()]
    if units and not any(r.endswith(f":{CLERK_ROLE}") for r in roles):
        person0 = policy.find(email or name)
        if not (person0 and any(r.endswith(f":{CLERK_ROLE}") for r in person0.roles)):
            raise InputError(t("people_unit_without_clerk"))
    new_keys = [read_key(k) for k in keys]
    person = policy.find(email) if email else policy.find(name)
    existed = person is not None
    if person is None:
        if not email:
            raise InputError(t("policy_bad_email", email=""))
        person = Person(name.strip(), email.strip())
        policy.people.append(person)
    for k in new_keys:
        owner = policy.by_key(k)
        if owner is not None and owner is not person:
            raise InputError(t("policy_dup_key", fpr=_fp(k), name=owner.name))
    before = person.as_dict()
    for k in new_keys:
        if k not in person.keys:
            person.keys.append(k)
    for r in roles:
        if r not in person.roles:
            person.roles.append(r)
    for u in units:
        if u not in person.units:
            person.units.append(u)
    if existed and person.as_dict() == before:
        raise InputError(t("people_no_change"))
    parse_policy(render_policy(policy))  # validate what will be written
    sha = _commit_policy(store, policy, f"授权：{person.name}（{'、'.join(person.roles) or '无角色'}）",
                         [("Tracker-Action", "people-add"), ("Person", person.email),
                          ("Roles", ",".join(person.roles))], date)
    refresh_allowed_signers(store.root)
    return {"commit": sha, "person": person_row(person)}


def people_remove(store: Store, who: str, roles: list[str] | None = None, keys: list[str] | None = None) -> dict:
    policy = _current_policy(store)
    person = policy.find(who) or next((p for p in policy.people if any(_fp(k) == who for k in p.keys)), None)
    if person is None:
        raise InputError(t("policy_no_person", who=who))
    if roles or keys:
        drop_roles = set(_check_roles(store, roles or []))
        drop_keys = {read_key(k) if not k.startswith("SHA256:") else next((x for x in person.keys if _fp(x) == k), k)
                     for k in (keys or [])}
        person.roles = [r for r in person.roles if r not in drop_roles]
        person.keys = [k for k in person.keys if k not in drop_keys]
        what = "、".join(sorted(drop_roles) + [_fp(k) for k in drop_keys])
        removed = False
    else:
        policy.people = [p for p in policy.people if p is not person]
        what, removed = pick("全部角色与密钥", "all roles and keys"), True
    if render_policy(policy) == render_policy(_current_policy(store)):
        raise InputError(t("people_no_change"))
    if not any(p.keys for p in policy.admins()) and any(p.keys for p in head_policy(store.root).admins()):
        raise RulesSayNo(t("policy_last_admin"))
    sha = _commit_policy(store, policy, f"撤销授权：{person.name}（{what}）",
                         [("Tracker-Action", "people-remove"), ("Person", person.email)])
    refresh_allowed_signers(store.root)
    return {"commit": sha, "removed": removed, "person": person_row(person)}


def _fp(key: str) -> str:
    if key.startswith("openpgp:"):
        return key
    try:
        return sshsig.parse_public_key(key).fingerprint
    except sshsig.SshSigError:
        return key[:30]


def person_row(p: Person) -> dict:
    return {"name": p.name, "email": p.email, "fingerprints": [_fp(k) for k in p.keys], "roles": list(p.roles),
            "units": list(p.units), "keys": list(p.keys)}


def people_list(store: Store) -> list[dict]:
    path = store.root / POLICY_PATH
    return [person_row(p) for p in parse_policy(path.read_text(encoding="utf-8"), POLICY_PATH).people]


def allowed_signers(policy: Policy) -> str:
    """An ssh ``allowed_signers`` file of every SSH key in the policy (for git verify-commit)."""
    lines = [f'{p.email} namespaces="git" {k}' for p in policy.people for k in p.keys if not k.startswith("openpgp:")]
    return "\n".join(lines) + ("\n" if lines else "")


def refresh_allowed_signers(root: Path) -> None:
    """Keep ``.git/tracker/allowed_signers`` (git's gpg.ssh.allowedSignersFile) in step with the
    policy, so that auditors' own ``git log --show-signature`` / ``%G?`` recognise the keys.
    It is a convenience for plain git; tracker's verification reads the policy itself."""
    try:
        gitdir = Path(git.run(["rev-parse", "--absolute-git-dir"], root).strip())
        f = gitdir / "tracker" / "allowed_signers"
        f.parent.mkdir(exist_ok=True)
        f.write_text(allowed_signers(head_policy(root)), encoding="utf-8")
        if git.config_get(root, "gpg.ssh.allowedSignersFile") != str(f):
            git.run(["config", "gpg.ssh.allowedSignersFile", str(f)], root)
    except (OSError, InputError):
        pass


# ---------------------------------------------------------------------------------------
# verification and the audit trail

def verify(store_root: Path, since: str | None = None, progress=None) -> Report:
    return verify_history(store_root, since=since, progress=progress)


def log_entries(store: Store, case_id: str) -> list[dict]:
    cid = store.resolve_case_id(case_id)
    fmt = "%H%x1f%cI%x1f%an <%ae>%x1f%B"
    paths = [f"cases/{cid}"]
    while True:  # a renumbered case: its history under the earlier id belongs to it too
        out = git.run(["log", "-z", f"--format={fmt}", "--", *paths], store.root)
        older = {v for v in re.findall(r"^Renumbered-From: (\S+)$", out, re.M) if f"cases/{v}" not in paths}
        if not older:
            break
        paths += [f"cases/{v}" for v in sorted(older)]
    report = verify_history(store.root)
    entries = []
    for rec in out.split("\0"):
        rec = rec.strip("\n")
        if not rec or rec.count("\x1f") < 3:
            continue
        sha, cdate, author, body = rec.split("\x1f", 3)
        trailers = parse_trailers(body)
        lines = body.strip().splitlines()
        paragraphs = body.strip().split("\n\n")
        opinion = ""
        if trailers.get("Kind") and len(paragraphs) >= 3:
            opinion = "\n\n".join(paragraphs[1:-1]).strip()
        r = report.results.get(sha)
        status = r.signature if r else "unsigned"
        entries.append({
            "commit": sha, "committed_at": cdate, "decided_on": trailers.get("Decided-On"),
            "signer": (r.signer or r.fingerprint) if r and status != "unsigned" else None,
            "fingerprint": r.fingerprint if r else None,
            "author": author, "role": trailers.get("Role"),
            "signature": status, "signature_text": str(SIGNATURE_WORDS[status]),
            "action": trailers.get("Action"), "kind": trailers.get("Kind"),
            "from": trailers.get("From"), "to": trailers.get("To"),
            "opinion": opinion, "subject": lines[0] if lines else "",
            "problems": [p.as_dict() for p in (r.problems if r else [])],
        })
    return entries
