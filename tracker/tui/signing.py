"""Who will sign, and whether signing may need the terminal (a passphrase prompt)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tracker.core.errors import TrackerError
from tracker.core.i18n import pick
from tracker.core.policy import Need, Person, Policy, authorize
from tracker.store.signing import Signer, head_policy, resolve_signer, signer_for_key
from tracker.store.store import Store


@dataclass
class Identity:
    signer: Signer | None
    person: Person | None
    error: str | None = None
    policy: Policy | None = None
    policy_empty: bool = True

    def describe(self) -> str:
        if self.error:
            return self.error
        s = self.signer
        if s is None or not s.fmt:
            return pick("未配置签名密钥：提交将不签名（tracker verify 会报告）",
                        "no signing key configured: commits will be unsigned (tracker verify reports them)")
        who = self.person.name if self.person else pick("（不在授权策略中）", "(not in the policy)")
        return f"{who}  {s.fmt.upper()} {s.fingerprint}  ({pick('来源', 'from')} {s.source or 'git config'})"

    def may_decide(self, jurisdiction: str, role: str | None, unit: str) -> str | None:
        """Why this identity may not take a decision in this role, or None when it may (or when
        that cannot be known before signing: no key, no keys in the policy)."""
        if not self.signer or not self.signer.public or self.policy is None or self.policy_empty:
            return None
        verdict = authorize(self.policy, self.signer.public, Need("decision", jurisdiction, role, (unit,)))
        return None if verdict.status == "good" else str(verdict.reason)


DEMO_MARK, DEMO_KEYS = "tracker-demo", "tracker-demo-keys"  # see tracker.demo


def signer_for(store: Store, role: str | None = None) -> Signer | None:
    """In a demo store, the demo key of the role that acts (``unit``, the clerk, for facts and
    documents), so every demo decision is signed by its role's key; elsewhere None: the user's
    own key from git config or TRACKER_SIGNING_KEY."""
    git_dir = store.root / ".git"
    if not (git_dir / DEMO_MARK).is_file() or os.environ.get("TRACKER_SIGNING_KEY"):
        return None
    key = git_dir / DEMO_KEYS / (role or "unit")
    if not key.is_file():
        return None
    return signer_for_key(str(key), pick("演示密钥", "demo key"))


def identity(store: Store, role: str | None = None) -> Identity:
    try:
        signer = signer_for(store, role) or resolve_signer(store.root)
        policy = head_policy(store.root)
    except TrackerError as e:
        return Identity(None, None, e.one_line())
    person = policy.by_key(signer.public) if signer.public else None
    return Identity(signer, person, None, policy, not policy.all_keys())


def may_prompt(signer: Signer | None) -> bool:
    """Whether signing with this key may ask for a passphrase on the terminal: OpenPGP (pinentry),
    or an SSH key file that is encrypted when no ssh-agent is running."""
    if signer is None or not signer.fmt:
        return False
    if signer.fmt == "openpgp":
        return True
    key = signer.key or ""
    if key.startswith(("key::", "ssh-")):
        return False  # a literal public key: the private half is in an agent
    path = Path(os.path.expanduser(key))
    if path.suffix == ".pub":
        if os.environ.get("SSH_AUTH_SOCK"):
            return False
        path = path.with_suffix("")
    try:
        blob = path.read_bytes()
    except OSError:
        return False
    return _encrypted_openssh(blob)


def _encrypted_openssh(blob: bytes) -> bool:
    from cryptography.hazmat.primitives.serialization import load_ssh_private_key

    try:
        load_ssh_private_key(blob, password=None)
    except TypeError:  # "Password was not given but private key is encrypted"
        return True
    except Exception:
        return False
    return False
