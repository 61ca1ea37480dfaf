"""The authorization policy kept in the store (``.tracker/policy.toml``).

Who may sign what: people, their public keys and their roles. A role is ``admin`` (may change the
policy, the rule packs and the hooks) or ``JURISDICTION:ROLE`` with ROLE one of the rule pack's
roles (``heyuan:finance``). The project unit's clerk role (``unit`` in every pack) may be bound to
named units; a clerk bound to units acts only for cases whose ``unit`` fact is one of them.

A commit is always checked against the policy *in its parent* (as GNU Guix's ``git authenticate``
does), so no commit can authorize itself and removing a person affects only later commits.

This module is pure: it parses text and answers questions; keys are compared by their OpenSSH
text (``algo base64``) or, for OpenPGP, ``openpgp:FINGERPRINT``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field

import tomli_w

from tracker.core.errors import InputError
from tracker.core.i18n import MESSAGES, Text, t

ADMIN = "admin"
CLERK_ROLE = "unit"  # the project unit (项目建设单位) in every rule pack
ROLE_RE = re.compile(r"^[a-z][a-z0-9_-]*:[a-z][a-z0-9_]*$")
EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")
OPENPGP_RE = re.compile(r"^openpgp:[0-9A-F]{40}$")

MESSAGES.update({
    "policy_bad": ("授权策略文件有误：{error}", "malformed policy file: {error}"),
    "policy_bad_role": ("角色“{role}”格式不对（应为 admin 或 辖区:角色，如 heyuan:finance）",
                        "role {role!r} is malformed (admin or JURISDICTION:ROLE, e.g. heyuan:finance)"),
    "policy_bad_email": ("电子邮箱“{email}”格式不对", "email {email!r} is malformed"),
    "policy_dup_key": ("公钥 {fpr} 已属于“{name}”，一把密钥只能属于一个人",
                       "key {fpr} already belongs to {name!r}; a key belongs to one person"),
    "policy_bad_key": ("“{text}”不是有效的公钥（应为 ssh-ed25519 AAAA… 这样的 OpenSSH 公钥，或 openpgp:40位指纹）",
                       "{text!r} is not a valid public key (an OpenSSH key such as ssh-ed25519 AAAA…, or openpgp:FINGERPRINT)"),
    "policy_dup_person": ("人员“{name}”（{email}）已在授权策略中；要增加角色或密钥请再次执行并使用相同的名字和邮箱",
                          "{name!r} ({email}) is already in the policy"),
    "policy_no_person": ("授权策略中没有“{who}”", "no {who!r} in the policy"),
    "policy_last_admin": ("不能移除最后一位管理员", "cannot remove the last admin"),
})


@dataclass
class Person:
    name: str
    email: str
    keys: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    line: int | None = None

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    def holds(self, jurisdiction: str, role: str) -> bool:
        return f"{jurisdiction}:{role}" in self.roles

    def as_dict(self) -> dict:
        d = {"name": self.name, "email": self.email, "keys": list(self.keys), "roles": list(self.roles)}
        if self.units:
            d["units"] = list(self.units)
        return d


@dataclass
class Policy:
    people: list[Person] = field(default_factory=list)

    def by_key(self, key: str) -> Person | None:
        for p in self.people:
            if key in p.keys:
                return p
        return None

    def find(self, who: str) -> Person | None:
        """A person by name, email or one of their keys' text."""
        for p in self.people:
            if who in (p.name, p.email) or who in p.keys:
                return p
        return None

    def admins(self) -> list[Person]:
        return [p for p in self.people if p.is_admin]

    def all_keys(self) -> list[str]:
        return [k for p in self.people for k in p.keys]


def normalize_key(text: str) -> str:
    """``algo base64`` of an OpenSSH key line (comment dropped), or ``openpgp:FPR``."""
    text = text.strip()
    if text.startswith("key::"):
        text = text[5:]
    if text.lower().startswith("openpgp:"):
        fpr = text.split(":", 1)[1].replace(" ", "").upper()
        return f"openpgp:{fpr}"
    parts = text.split()
    return " ".join(parts[:2]) if len(parts) >= 2 else text


SSH_KEY_TYPES = {"ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
                 "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"}


def valid_key(key: str) -> bool:
    """A normalized key that can be a real key: ``openpgp:`` + 40 hex digits, or an OpenSSH key
    whose base64 blob decodes and starts with its own type name (the crypto is checked on use)."""
    import base64
    import binascii
    import struct

    if key.startswith("openpgp:"):
        return bool(OPENPGP_RE.match(key))
    parts = key.split()
    if len(parts) != 2 or parts[0] not in SSH_KEY_TYPES:
        return False
    try:
        blob = base64.b64decode(parts[1], validate=True)
        (n,) = struct.unpack(">I", blob[:4])
        return blob[4:4 + n].decode("ascii") == parts[0] and len(blob) > 4 + n
    except (binascii.Error, struct.error, UnicodeDecodeError, ValueError):
        return False


def parse_policy(text: str, display: str = ".tracker/policy.toml") -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+)", str(e))
        raise InputError(t("policy_bad", error=re.sub(r"\s*\(at line.*\)", "", str(e))), file=display,
                         line=int(m.group(1)) if m else None) from None
    people = data.get("person", [])
    if not isinstance(people, list):
        raise InputError(t("policy_bad", error="[[person]]"), file=display, line=1)
    lines = [i + 1 for i, ln in enumerate(text.splitlines()) if ln.strip() == "[[person]]"]
    out = Policy()
    seen: dict[str, tuple[int, str]] = {}
    for i, raw in enumerate(people):
        line = lines[i] if i < len(lines) else None

        def bad(msg: str) -> InputError:
            return InputError(t("policy_bad", error=msg), file=display, line=line)

        if not isinstance(raw, dict):
            raise bad("[[person]]")
        name, email = raw.get("name"), raw.get("email")
        if not isinstance(name, str) or not name.strip():
            raise bad("name")
        if not isinstance(email, str) or not EMAIL_RE.match(email):
            raise bad(f"email ({name})")
        lists = {}
        for k in ("keys", "roles", "units"):
            v = raw.get(k, [])
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise bad(f"{k} ({name})")
            lists[k] = v
        for r in lists["roles"]:
            if r != ADMIN and not ROLE_RE.match(r):
                raise bad(t("policy_bad_role", role=r))
        keys = [normalize_key(k) for k in lists["keys"]]
        for k in keys:
            if not valid_key(k):
                raise bad(t("policy_bad_key", text=k[:60]))
            if k in seen and seen[k][0] != i:
                raise bad(t("policy_dup_key", fpr=k[:40], name=seen[k][1]))
            seen[k] = (i, name)
        out.people.append(Person(name.strip(), email, keys, list(lists["roles"]), list(lists["units"]), line))
    return out


HEADER = ("# 授权策略：人员、公钥与角色。只有管理员（admin）可以修改；每次修改都是一个签名提交。\n"
          "# Authorization policy: people, their public keys and roles. Only admins may change it;\n"
          "# every change is one signed commit. Roles: admin, or JURISDICTION:ROLE (heyuan:finance);\n"
          "# `units` binds the clerk role (JURISDICTION:unit) to named project units.\n")


def render_policy(policy: Policy) -> str:
    return HEADER + tomli_w.dumps({"person": [p.as_dict() for p in policy.people]})


# ---------------------------------------------------------------------------------------
# authorization

@dataclass(frozen=True)
class Need:
    """What a commit needs from its signer."""

    kind: str                      # "admin" | "decision" | "case" | "member" (anyone in the policy)
    jurisdiction: str | None = None
    role: str | None = None        # for decisions
    units: tuple[str, ...] = ()    # the case's unit (before and after the commit)

    def describe(self) -> Text:
        if self.kind == ADMIN:
            return Text("管理员（admin）", "admin")
        if self.kind == "decision":
            return Text(f"{self.jurisdiction}:{self.role}", f"{self.jurisdiction}:{self.role}")
        if self.kind == "member":
            return Text("授权策略中的任一人员", "anyone in the policy")
        return Text(f"{self.jurisdiction} 辖区的任一角色", f"any role in {self.jurisdiction}")


@dataclass(frozen=True)
class Verdict:
    status: str                    # "good" | "unknown_key" | "unauthorized"
    person: Person | None
    reason: Text | None = None


def _unit_ok(person: Person, units: tuple[str, ...]) -> bool:
    return not person.units or all(u in person.units for u in units if u)


def authorize(policy: Policy, key: str, need: Need) -> Verdict:
    """May the holder of ``key`` (normalized) do what ``need`` says, under ``policy``?"""
    person = policy.by_key(key)
    if person is None:
        return Verdict("unknown_key", None, Text("签名密钥不在授权策略中", "the signing key is not in the policy"))
    who = f"{person.name} <{person.email}>"
    if need.kind == "member":
        return Verdict("good", person)
    if need.kind == ADMIN:
        if person.is_admin:
            return Verdict("good", person)
        return Verdict("unauthorized", person,
                       Text(f"{who} 不是管理员，只有管理员可以修改授权策略、规则包和钩子",
                            f"{who} is not an admin; only admins change the policy, rule packs and hooks"))
    j = need.jurisdiction or ""
    if need.kind == "decision":
        role = need.role or ""
        if not person.holds(j, role):
            return Verdict("unauthorized", person,
                           Text(f"{who} 未被授予角色 {j}:{role}", f"{who} does not hold the role {j}:{role}"))
        if role == CLERK_ROLE and not _unit_ok(person, need.units):
            return Verdict("unauthorized", person,
                           Text(f"{who} 只能代表 {'、'.join(person.units)}，本案件属于 {'、'.join(u for u in need.units if u)}",
                                f"{who} acts only for {', '.join(person.units)}; the case belongs to "
                                f"{', '.join(u for u in need.units if u)}"))
        return Verdict("good", person)
    # changes to a case's facts and documents: any role in its jurisdiction; a clerk only for its unit
    roles = [r.split(":", 1)[1] for r in person.roles if r.startswith(f"{j}:")]
    if not roles:
        return Verdict("unauthorized", person,
                       Text(f"{who} 在 {j} 辖区没有任何角色，不能修改该辖区的案件",
                            f"{who} holds no role in {j} and cannot change its cases"))
    if roles == [CLERK_ROLE] and not _unit_ok(person, need.units):
        return Verdict("unauthorized", person,
                       Text(f"{who} 只能代表 {'、'.join(person.units)}，本案件属于 {'、'.join(u for u in need.units if u)}",
                            f"{who} acts only for {', '.join(person.units)}; the case belongs to "
                            f"{', '.join(u for u in need.units if u)}"))
    return Verdict("good", person)
