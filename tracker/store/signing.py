"""Which key signs tracker's commits, and whether the policy lets it.

tracker signs with git's own signing configuration (``user.signingkey``, ``gpg.format``), so the
users' SSH keys, agents and GPG setups keep working; ``--key PATH`` (or ``TRACKER_SIGNING_KEY``)
overrides the key for one command. SSH is the default format when the key looks like an SSH key
(a key file, ``ssh-…`` or ``key::…``); anything else is taken as an OpenPGP key id, as git does.
"""

from __future__ import annotations

import os
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

from tracker.core.errors import InputError, RulesSayNo
from tracker.core.i18n import MESSAGES, t
from tracker.core.policy import Need, Policy, authorize, normalize_key, parse_policy
from tracker.store import git

ENV_KEY = "TRACKER_SIGNING_KEY"
POLICY_PATH = ".tracker/policy.toml"
CONFIG_PATH = ".tracker/config.toml"

MESSAGES.update({
    "sign_key_missing": ("签名密钥文件不存在：{path}", "signing key file not found: {path}"),
    "sign_required": ("本案件库要求每个提交都签名，但没有配置签名密钥。请设置 git config user.signingkey "
                      "（SSH 私钥或公钥路径，并设 gpg.format=ssh），或在命令中加 --key 私钥路径",
                      "this store requires signed commits but no signing key is configured: set "
                      "git config user.signingkey (and gpg.format=ssh) or pass --key PATH"),
    "nothing_changed": ("没有需要提交的改动", "nothing to commit: no change"),
    "sign_failed": ("签名失败，未做任何修改：{error}", "signing failed; nothing was changed: {error}"),
    "not_authorized": ("授权策略不允许本次提交：{reason}（所需角色：{need}；密钥 {fingerprint}）",
                       "the policy does not allow this commit: {reason} (needs {need}; key {fingerprint})"),
    "policy_unreadable": ("无法读取授权策略：{error}", "cannot read the policy: {error}"),
    "init_no_public_key": ("找不到签名密钥 {path} 的公钥（{path}.pub），无法把它登记为第一位管理员的密钥",
                           "cannot find the public half of signing key {path} ({path}.pub) to register the first admin"),
    "init_unsigned": ("提示：没有配置签名密钥，本案件库的提交将不签名，tracker verify 会逐一报告。"
                      "要启用签名：git config --global gpg.format ssh；git config --global user.signingkey ~/.ssh/id_ed25519",
                      "note: no signing key is configured, so this store's commits are unsigned and tracker verify "
                      "reports each. To sign: git config --global gpg.format ssh; git config --global user.signingkey "
                      "~/.ssh/id_ed25519"),
    "trust_root_mismatch": ("信任根不符：期望 {expected}，历史的起点是 {found}",
                            "trust root mismatch: expected {expected}, the history starts at {found}"),
    "trust_root_ambiguous": ("历史有多个起点（{found}），无法确定信任根；请用 --trust-root 指定",
                             "the history has several roots ({found}); name the trust root with --trust-root"),
})


@dataclass
class Signer:
    fmt: str | None           # "ssh", "openpgp", or None: no key, commits are unsigned
    key: str | None           # the user.signingkey value handed to git
    public: str | None        # normalized public key ("algo base64" or "openpgp:FPR") when known
    source: str = ""          # "--key" or "git config"

    def git_args(self) -> list[str]:
        if not self.fmt:
            return []
        return ["-c", f"gpg.format={self.fmt}", "-c", f"user.signingkey={self.key}"]

    @property
    def fingerprint(self) -> str:
        if self.public and self.public.startswith("openpgp:"):
            return self.public
        if self.public:
            from tracker.store.sshsig import parse_public_key
            try:
                return parse_public_key(self.public).fingerprint
            except Exception:  # pragma: no cover - normalized keys parse
                return self.public[:30]
        return "?"


def _looks_ssh(value: str) -> bool:
    v = value.strip()
    if v.startswith(("key::", "ssh-", "ecdsa-", "sk-")):
        return True
    return Path(os.path.expanduser(v)).is_file()


def _ssh_public(value: str) -> str | None:
    from tracker.store import sshsig

    v = value.strip()
    if v.startswith("key::"):
        v = v[5:]
    if v.startswith(("ssh-", "ecdsa-", "sk-")):
        return normalize_key(v)
    path = Path(os.path.expanduser(v))
    cands = [path] if path.suffix == ".pub" else [Path(str(path) + ".pub")]
    for c in cands:
        if c.is_file():
            try:
                return normalize_key(sshsig.load_public_key_file(c).openssh())
            except (sshsig.SshSigError, OSError, UnicodeDecodeError):
                return None
    try:
        return normalize_key(sshsig.public_key_of(sshsig.load_private_key(path)).openssh())
    except Exception:  # encrypted or unreadable: git (ssh-keygen) will ask; verification tells later
        return None


def _openpgp_fpr(keyid: str) -> str | None:
    try:
        out = subprocess.run(["gpg", "--batch", "--with-colons", "--fingerprint", keyid], capture_output=True,
                             text=True, timeout=10, env=git.git_env()).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.splitlines():
        if line.startswith("fpr:"):
            return "openpgp:" + line.split(":")[9].upper()
    return None


def signer_for_key(value: str, source: str = "--key") -> Signer:
    """The signer for an explicit key: a key file, ``key::``/``ssh-`` literal, or an OpenPGP key id."""
    path = Path(os.path.expanduser(value))
    if not value.startswith(("key::", "ssh-")) and ("/" in value or value.endswith(".pub")) and not path.is_file():
        raise InputError(t("sign_key_missing", path=value))
    fmt = "ssh" if _looks_ssh(value) else "openpgp"
    if path.is_file():
        value = str(path.resolve())
    public = _ssh_public(value) if fmt == "ssh" else _openpgp_fpr(value)
    return Signer(fmt, value, public, source)


def resolve_signer(root: Path) -> Signer:
    override = os.environ.get(ENV_KEY)
    if override:
        return signer_for_key(override)
    else:
        value = git.config_get(root, "user.signingkey")
        source = "git config"
        if not value:
            return Signer(None, None, None, "")
        fmt = git.config_get(root, "gpg.format") or ("ssh" if _looks_ssh(value) else "openpgp")
        if fmt == "ssh" and not value.startswith(("key::", "ssh-")):
            value = os.path.expanduser(value)
    public = _ssh_public(value) if fmt == "ssh" else _openpgp_fpr(value)
    return Signer(fmt, value, public, source)


# ---------------------------------------------------------------------------------------
# the store's own settings and the policy at HEAD

def store_config(root: Path) -> dict:
    try:
        return tomllib.loads((root / CONFIG_PATH).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def signatures_required(root: Path) -> bool:
    sign = store_config(root).get("signing", {})
    return bool(sign.get("required")) if isinstance(sign, dict) else False


def head_policy(root: Path) -> Policy:
    """The policy of the last commit: the one the next commit is checked against."""
    if not git.has_commits(root):
        return Policy()
    raw = git.run_bytes(["cat-file", "blob", f"HEAD:{POLICY_PATH}"], root, check=False)
    try:
        return parse_policy(raw.decode("utf-8"), POLICY_PATH)
    except UnicodeDecodeError as e:
        raise InputError(t("policy_unreadable", error=e.reason), file=POLICY_PATH) from None


def check_authorized(root: Path, need: Need, signer: Signer | None = None) -> Signer:
    """Refuse before committing what verification would refuse after: fast feedback.

    Skipped when the key's public half is unknown (an encrypted key file) or nobody in the policy
    has a key yet (a store used without signatures); ``tracker verify`` still checks everything.
    """
    signer = signer or resolve_signer(root)
    if not signer.fmt:
        if signatures_required(root):
            raise InputError(t("sign_required"))
        return signer
    policy = head_policy(root)
    if signer.public is None or not policy.all_keys():
        return signer
    verdict = authorize(policy, signer.public, need)
    if verdict.status != "good":
        raise RulesSayNo(t("not_authorized", reason=str(verdict.reason), need=str(need.describe()),
                           fingerprint=signer.fingerprint))
    return signer
