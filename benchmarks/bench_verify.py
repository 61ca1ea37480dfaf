"""Benchmark: `tracker verify` against `git log --format=%G?` on the same SSH-signed commits.

Run on demand (never part of `make test`): `make bench-verify` or
`.venv/bin/python benchmarks/bench_verify.py [--commits 10000] [--cases 1000] [--store DIR]`.

It generates a store (or reuses one made earlier by this script at --store), then measures in
this run, on this machine:
  1. baseline: `git log --format=%G?` over every commit, with git's allowed-signers file listing
     every key of the policy (so git really checks each signature: one ssh-keygen per commit);
  2. `tracker verify --json`, cold (no verification cache), three runs, the median kept;
  3. `tracker verify --json` again with nothing new (the cache), three runs, the median kept;
  4. `tracker verify` after 10 new signed commits (incremental);
and prints each time beside the baseline with the ratio, and whether the two agree commit by
commit (git's G ⇔ a valid signature by a key of the policy).

Targets (issue 3): cold verify at least 50× faster than the baseline; a re-run with nothing new
under 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def sh(args, cwd, **kw):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env, **kw)


def timed(args, cwd):
    t = time.perf_counter()
    proc = sh(args, cwd)
    return time.perf_counter() - t, proc


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commits", type=int, default=10000)
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--store", type=Path, help="where to keep the generated store (default: a temp dir)")
    args = ap.parse_args(argv)

    from benchmarks.bench_suite import generate_fresh, machine

    tmp = None
    if args.store:
        store = args.store.resolve()
    else:
        tmp = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
        store = tmp / "store"
    tracker = [sys.executable, "-m", "tracker"]
    marker = store / ".git" / "tracker-bench"
    want = f"{args.cases} {args.commits}"
    if not (marker.exists() and marker.read_text() == want):
        generate_fresh(store, args.cases, args.commits)
        marker.write_text(want)
    commits = int(sh(["git", "rev-list", "--count", "HEAD"], store).stdout)
    cache = store / ".git" / "tracker-cache"
    for f in cache.glob("verify-*"):
        f.unlink()

    print(f"machine: {machine()}")
    print(f"store: {store} ({commits} commits)")
    base_t, base = timed(["git", "log", "--format=%H %G?"], store)
    # ours is measured three times and the median kept (the baseline takes minutes, so it runs once)
    colds = []
    for _ in range(3):
        for f in cache.glob("verify-*"):
            f.unlink()
        colds.append(timed([*tracker, "verify", "--json"], store))
    cold_t, cold = sorted(colds, key=lambda x: x[0])[1]
    warm_t = sorted(timed([*tracker, "verify", "--json"], store)[0] for _ in range(3))[1]
    report = json.loads(cold.stdout)

    # 10 new commits, signed by the tool itself (real `tracker set` commits, one ssh-keygen each)
    cid = sorted(p.name for p in (store / "cases").iterdir() if p.is_dir())[0]
    key = store.parent / f".{store.name}-keys" / "admin"
    jur = json.loads(sh([*tracker, "show", cid, "--json"], store).stdout)["jurisdiction"]
    # the generator's per-role keys live only in memory: give the admin the clerk role (1 commit)
    sh([*tracker, "people", "add", "基准管理员", "--email", "bench-admin@tracker.invalid", "--role", f"{jur}:unit",
        "--signing-key", str(key)], store)
    sh([*tracker, "verify"], store)  # the role grant above is not one of the 10
    stamp = int(time.time()) % 1000
    for i in range(10):
        sh([*tracker, "--key", str(key), "set", cid, f"software_cost_wan={stamp}.{i + 1}"], store)
    inc_t, inc = timed([*tracker, "verify", "--json"], store)
    inc_report = json.loads(inc.stdout)

    # agreement: git says G exactly for the commits whose signature is valid and known
    from tracker.store.verify import verify_history

    statuses = {oid: r.signature for oid, r in verify_history(store).results.items()}
    agree = disagree = 0
    for line in base.stdout.split("\n"):
        if not line.strip():
            continue
        oid, g = line.split()
        ours = statuses.get(oid)
        if ours is None:
            continue
        if (g == "G") == (ours in ("good", "unauthorized")):
            agree += 1
        else:
            disagree += 1

    def row(name, t, n):
        ratio = base_t / t if t else float("inf")
        return f"{name:<42} {t:9.2f} s  {n:>7}  {ratio:8.1f}×"

    print()
    print(f"{'measurement':<42} {'time':>11}  {'commits':>7}  {'vs %G?':>9}")
    print(f"{'git log --format=%G? (baseline)':<42} {base_t:9.2f} s  {commits:>7}  {1.0:8.1f}×")
    print(f"{'  (cold runs: ' + ', '.join(f'{t:.2f}' for t, _ in colds) + ' s)':<42}")
    print(row("tracker verify, cold (median of 3)", cold_t, report["checked"]))
    print(row("tracker verify, nothing new (median of 3)", warm_t, report["checked"]))
    print(row("tracker verify, 10 new commits", inc_t, inc_report["new"]))
    print()
    print(f"verify ok: {report['ok']} ({len(report['problems'])} problems); agreement with git on signatures: "
          f"{agree} agree, {disagree} disagree")
    ok_cold = base_t / cold_t >= 50
    ok_warm = warm_t < 0.5
    print(f"target cold ≥ 50× faster: {'met' if ok_cold else 'NOT met'} ({base_t / cold_t:.1f}×); "
          f"re-run < 0.5 s: {'met' if ok_warm else 'NOT met'} ({warm_t:.2f} s)")
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
