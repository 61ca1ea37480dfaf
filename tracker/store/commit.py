"""The one place where tracker makes git commits.

Every command that changes the store goes through :func:`commit_files`: it stages exactly the
paths the command wrote, commits them with a subject, an optional body and structured trailers,
and if anything fails puts the working tree and the index back as they were.
The commit is signed with git's signing configuration or ``--key`` (see tracker.store.signing);
a commit that cannot be signed leaves the working tree and the index exactly as before.
"""

from __future__ import annotations

import os
from pathlib import Path

from tracker.core.errors import InputError, RulesSayNo
from tracker.core.i18n import t
from tracker.store import git
from tracker.store.fsutil import FileTransaction
from tracker.store.signing import Signer, resolve_signer, signatures_required


def format_message(subject: str, body: str = "", trailers: list[tuple[str, str]] | None = None) -> str:
    subject = " ".join(subject.split())
    parts = [subject]
    body = body.strip()
    if body:
        parts.append(body)
    if trailers:
        lines = []
        for k, v in trailers:
            v = " ".join(str(v).split())
            lines.append(f"{k}: {v}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def parse_trailers(message: str) -> dict[str, str]:
    """The ``Key: value`` trailers of a commit message's last paragraph."""
    paras = message.strip().split("\n\n")
    out: dict[str, str] = {}
    for line in paras[-1].splitlines() if paras else []:
        k, sep, v = line.partition(": ")
        if sep and k and " " not in k:
            out[k] = v.strip()
    return out


def commit_files(root: Path, tx: FileTransaction, subject: str, body: str = "",
                 trailers: list[tuple[str, str]] | None = None, *, date: str | None = None,
                 allow_empty: bool = False, signer: Signer | None = None) -> str:
    """Stage the transaction's files and commit them, signed. Returns the new commit id."""
    rel = [str(p.relative_to(root)) for p in tx.paths]
    message = format_message(subject, body, trailers)
    env = {"TRACKER_INTERNAL_COMMIT": "1"}
    ident = os.environ.get("TRACKER_IDENTITY", "")  # "Name <email>": used by `tracker demo` per demo signer
    if "<" in ident and ident.endswith(">"):
        name, _, email = ident[:-1].partition("<")
        env.update(GIT_AUTHOR_NAME=name.strip(), GIT_COMMITTER_NAME=name.strip(),
                   GIT_AUTHOR_EMAIL=email.strip(), GIT_COMMITTER_EMAIL=email.strip())
    if date:
        env["GIT_AUTHOR_DATE"] = date
        env["GIT_COMMITTER_DATE"] = date
    try:
        if not git.config_get(root, "user.name") or not git.config_get(root, "user.email"):
            raise InputError(t("no_identity"))
        signer = signer or resolve_signer(root)
        if not signer.fmt and signatures_required(root):
            raise InputError(t("sign_required"))
        if rel:
            git.run(["add", "-A", "--", *rel], root)
        args = [*signer.git_args(), "commit", "-q", "-F", "-"]
        args.append("-S" if signer.fmt else "--no-gpg-sign")
        if allow_empty:
            args.append("--allow-empty")
        if rel:
            args += ["--", *rel]
        try:
            git.run(args, root, input=message.encode("utf-8"), env=env)
        except git.GitError as e:
            err = (e.stderr or "").lower()
            if "nothing to commit" in err or "nothing added to commit" in err or "no changes added" in err:
                raise InputError(t("nothing_changed")) from None
            if signer.fmt and "hook" not in err:
                # with a key, a commit that git cannot write is a signing failure (ssh-keygen's own
                # wording varies: "Couldn't load public key", "failed to write commit object", …)
                detail = " ".join(ln.strip() for ln in (e.stderr or "").strip().splitlines()[:2]) or "?"
                raise InputError(t("sign_failed", error=f"{signer.key}: {detail}")) from None
            if "hook" in err:
                raise RulesSayNo(t("git_failed", error=e.stderr.strip().splitlines()[-1] if e.stderr else "hook")) from None
            raise
        return git.run(["rev-parse", "HEAD"], root).strip()
    except BaseException:
        tx.rollback()
        if rel and git.has_commits(root):
            git.run(["reset", "-q", "HEAD", "--", *rel], root, check=False)
        elif rel:
            git.run(["rm", "-q", "--cached", "-r", "--ignore-unmatch", "--", *rel], root, check=False)
        raise
