"""tracker bench generate PATH --cases N --commits M — a realistic signed store for benchmarks."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tracker.cli.output import emit_json, out
from tracker.core.errors import InputError
from tracker.core.i18n import pick


def register(sub, parent):
    p = sub.add_parser("bench", parents=[parent], help=pick("性能测试工具", "benchmark tools"))
    bsub = p.add_subparsers(dest="bench_command", metavar="generate")
    g = bsub.add_parser("generate", parents=[parent],
                        help=pick("生成用于性能测试的案件库（五个辖区、各个阶段、SSH 签名的决定）",
                                  "generate a store for benchmarks (five jurisdictions, every stage, SSH-signed decisions)"))
    g.add_argument("path", help=pick("新案件库的路径（不存在或为空）", "path of the new store (absent or empty)"))
    g.add_argument("--cases", type=int, default=1000, help=pick("案件数（默认 1000）", "number of cases (default 1000)"))
    g.add_argument("--commits", type=int, default=10000,
                   help=pick("提交数（默认 10000）", "number of commits (default 10000)"))
    g.add_argument("--seed", type=int, default=20251124, help=pick("随机种子", "random seed"))
    g.add_argument("--no-gc", action="store_true",
                   help=pick("不运行 git gc（更快；只写 commit-graph）", "skip git gc (faster; only a commit-graph)"))
    return p


def run(args) -> int:
    if getattr(args, "bench_command", None) != "generate":
        raise InputError(pick("用法：tracker bench generate PATH --cases N --commits M",
                              "usage: tracker bench generate PATH --cases N --commits M"))
    if args.cases < 1 or args.commits < args.cases + 1:
        raise InputError(pick("需要 --cases ≥ 1 且 --commits ≥ --cases + 1（每个案件至少一次提交）",
                              "need --cases ≥ 1 and --commits ≥ --cases + 1 (each case takes a commit)"))
    from tracker.bench.generate import generate

    started = time.perf_counter()
    tty = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        rate = done / max(time.perf_counter() - started, 1e-9)
        line = pick(f"已生成 {done}/{total} 个提交（每秒 {rate:.0f} 个）",
                    f"{done}/{total} commits ({rate:.0f}/s)")
        sys.stderr.write(("\r" + line) if tty else line + "\n")
        sys.stderr.flush()

    def note(text: str) -> None:
        words = {"indexing the pack (git index-pack)": "建立包索引（git index-pack）",
                 "checking out the working tree": "检出工作区",
                 "housekeeping (git gc)": "整理仓库（git gc）"}
        sys.stderr.write(("\n" if tty else "") + pick(words.get(text, text), text) + "\n")
        sys.stderr.flush()

    g = generate(Path(args.path), args.cases, args.commits, seed=args.seed, progress=progress, note=note,
                 repack=not args.no_gc)
    missing = {j: s for j, s in g.extra["stages_missing"].items() if s}
    if args.json:
        emit_json({"path": str(g.path), "cases": g.cases, "commits": g.commits, "signers": g.signers,
                   "seconds": round(g.seconds, 1), "keys": g.extra["keys"], "stages": g.extra["stages"],
                   "stages_missing": missing})
        return 0
    out(pick(f"已生成 {g.path}：{g.cases} 个案件，{g.commits} 个提交，{g.signers} 名签名人，用时 {g.seconds:.1f} 秒",
             f"generated {g.path}: {g.cases} cases, {g.commits} commits, {g.signers} signers in {g.seconds:.1f} s"))
    out(pick(f"签名密钥（管理员）：{g.extra['keys']}", f"signing keys (admin): {g.extra['keys']}"))
    if missing:
        out(pick("未出现的阶段（提交数较少时常见）：", "stages not reached (usual with few commits): ") +
            "; ".join(f"{j}: {', '.join(s)}" for j, s in sorted(missing.items())))
    return 0
