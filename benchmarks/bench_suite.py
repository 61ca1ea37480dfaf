"""Benchmark suite (issue 7): every command that must stay instant, beside a baseline, per store size.

Run on demand, never as part of `make test`:

    make bench                                             # default sizes (about 10 minutes on 2 cores)
    .venv/bin/python benchmarks/bench_suite.py --sizes 1000:10000,10000:100000   # the full run
    .venv/bin/python benchmarks/bench_suite.py --sizes 10000:12000 --store /tmp/b10k  # an existing store

For each size ``CASES:COMMITS`` it generates a store with ``tracker.bench.generate`` (or reuses one
kept in ``--workdir``), then measures, in this run and on this machine, each row beside its
baseline:

  row                                          baseline
  list --json, cold (no case index)            raw tomllib parse of every case file
  list --json, warm (nothing changed: replayed) raw tomllib parse of every case file
  list --json, warm, one case changed          raw tomllib parse of every case file
  show CASE --json                             raw tomllib parse of that case's files
  due --json, cold and warm                    raw tomllib parse of every case file
  pre-commit hook, one case changed            git status
  verify, full (no cache)                      git log --format=%G? over the same commits
  verify, 10 new commits                       git log --format=%G? over those 10 commits
  TUI start to usable list (warm)              raw tomllib parse of every case file
  peak memory (largest process above)          peak memory of the tomllib parse

Every row is a separate process, timed from start to exit (interpreter start-up included, as a
user sees it) with the bytecode cache warm, as an installed tool runs. Ours and the quick
baselines are the median of ``--runs`` runs; ``git log --format=%G?`` (one ssh-keygen per commit:
45 minutes for 100,000 commits here) runs once. The ratio is baseline time / our time: above 1, we
are faster than the baseline. The machine is shared: run it when nothing else does, and repeat.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

DEFAULT_SIZES = "1000:10000,10000:20000"
FULL_SIZES = "1000:10000,10000:100000"
GENERATOR = "2"  # bump when the generator changes what it makes: kept stores are made again

TOMLLIB_BASELINE = r"""
import os, sys, tomllib
root = sys.argv[1]
n = 0
for cid in sorted(os.listdir(root)):
    d = os.path.join(root, cid)
    if not os.path.isdir(d):
        continue
    files = [os.path.join(d, "case.toml"), os.path.join(d, "attachments.toml")]
    dd = os.path.join(d, "decisions")
    if os.path.isdir(dd):
        files += [os.path.join(dd, f) for f in sorted(os.listdir(dd))]
    for f in files:
        if os.path.isfile(f):
            with open(f, "rb") as fh:
                tomllib.load(fh)
            n += 1
print(n)
"""


@dataclass
class Run:
    seconds: float
    rss_mb: float
    code: int
    out: str = ""
    err: str = ""


@dataclass
class Row:
    name: str
    ours: float | None
    baseline_name: str
    baseline: float | None
    rss_mb: float | None = None
    note: str = ""
    runs: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.ours is None or self.baseline is None or self.ours <= 0:
            return None
        return self.baseline / self.ours


def env() -> dict:
    """The environment of every measured process: no git or tracker settings from outside, the
    bytecode cache on (kept out of the source tree)."""
    e = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "TRACKER_"))}
    e.pop("PYTHONDONTWRITEBYTECODE", None)
    e["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "tracker-bench-pycache")
    return e


# A small launcher times the command and reports its peak memory. Measuring from this process
# would not do: a child's peak resident size starts at its parent's size when forked (the kernel
# keeps the high-water mark across exec), and this process holds the generator's ~50 MB.
LAUNCHER = r"""
import os, sys, time
t = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, ru = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(f"{time.perf_counter() - t} {ru.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def run(args: list[str], cwd: Path, *, extra_env: dict | None = None, timeout: float | None = None) -> Run:
    """One process, timed from start to exit, with its peak resident memory (the largest process
    of its tree, as the kernel reports it to wait4)."""
    e = env()
    if extra_env:
        e.update(extra_env)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        p = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, report.name, *args], cwd=cwd, env=e,
                           stdout=out, stderr=err, stdin=subprocess.DEVNULL, timeout=timeout)
        got = report.read().split()
        out.seek(0)
        err.seek(0)
        if len(got) != 3:
            return Run(float("nan"), 0.0, p.returncode or 99, out.read().decode(errors="replace"),
                       err.read().decode(errors="replace"))
        return Run(float(got[0]), int(got[1]) / 1024, int(got[2]), out.read().decode(errors="replace"),
                   err.read().decode(errors="replace"))


def median_of(n: int, fn) -> tuple[float, float, list[float], Run]:
    runs = [fn() for _ in range(n)]
    times = [r.seconds for r in runs]
    return statistics.median(times), max(r.rss_mb for r in runs), times, runs[-1]


def sh(args: list[str], cwd: Path, check: bool = True) -> str:
    p = subprocess.run(args, cwd=cwd, env=env(), capture_output=True, text=True)
    if check and p.returncode:
        raise RuntimeError(f"{' '.join(args)}: {p.stderr.strip()}")
    return p.stdout


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    ssh = subprocess.run(["ssh", "-V"], capture_output=True, text=True).stderr.strip()
    load = ""
    try:
        load = f"; load average {os.getloadavg()[0]:.2f} at start"
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} CPUs{mem}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, {git}, {ssh}{load}")


# ---------------------------------------------------------------------------------------

def get_store(cases: int, commits: int, workdir: Path, given: Path | None) -> Path:
    """The store for one size: given, or kept from an earlier run, or generated now."""
    if given is not None:
        return given.resolve()
    store = workdir / f"store-{cases}-{commits}"
    marker = store / ".git" / "tracker-bench-suite"
    want = f"{cases} {commits} {GENERATOR}"
    if marker.exists() and marker.read_text().split("\n")[0] == want:
        head = marker.read_text().split("\n")[1]
        # back to the generated history (the incremental row adds commits)
        sh(["git", "reset", "-q", "--hard", head], store)
        time.sleep(2.1)  # the files it rewrote: older than the index's racy window, as in a store in use
        return store
    generate_fresh(store, cases, commits)
    marker.write_text(want + "\n" + sh(["git", "rev-parse", "HEAD"], store).strip())
    time.sleep(2.1)  # files younger than the index's racy window are not indexed: let them settle
    return store


def generate_fresh(store: Path, cases: int, commits: int):
    """Generate a store at ``store`` (replacing one there and its keys), progress on stderr."""
    from tracker.bench.generate import generate

    if store.exists():
        shutil.rmtree(store)
        shutil.rmtree(store.parent / f".{store.name}-keys", ignore_errors=True)
    print(f"generating {cases:,} cases / {commits:,} signed commits in {store} …", flush=True)

    def progress(done, total):
        print(f"\r  {done:,}/{total:,} commits", end="", file=sys.stderr, flush=True)

    def note(text):
        print(f"\n  {text}", end="", file=sys.stderr, flush=True)

    g = generate(store, cases, commits, progress=progress, note=note)
    print(f"\r  generated {g.commits:,} commits in {g.seconds:.0f} s" + " " * 20, file=sys.stderr)
    return g


def clear(store: Path, pattern: str) -> None:
    for f in (store / ".git" / "tracker-cache").glob(pattern):
        f.unlink()


def pick_case(store: Path) -> str:
    """A case with decisions and attachments (a realistic `show`)."""
    best, most = None, -1
    for d in sorted((store / "cases").iterdir())[:2000]:
        n = len(list((d / "decisions").glob("*.toml"))) if (d / "decisions").is_dir() else 0
        if n > most:
            best, most = d.name, n
    assert best
    return best


def measure(store: Path, runs: int, label: str) -> tuple[list[Row], dict]:
    py = sys.executable
    tracker = [py, "-m", "tracker", "--store", str(store)]
    rows: list[Row] = []
    info: dict = {}
    n_cases = len([d for d in (store / "cases").iterdir() if d.is_dir()])
    n_commits = int(sh(["git", "rev-list", "--count", "HEAD"], store))
    info.update(cases=n_cases, commits=n_commits)
    print(f"\n== {label}: {n_cases:,} cases, {n_commits:,} commits ({store})", flush=True)

    def say(row: Row, unit: str = "s") -> Row:
        rows.append(row)
        fmt = (lambda v: f"{v:.3f} s") if unit == "s" else (lambda v: f"{v:.0f} MB")
        ours = "n/a" if row.ours is None else fmt(row.ours)
        ratio = f"{row.ratio:.1f}×" if row.ratio is not None else "-"
        mem = f"  [{row.rss_mb:.0f} MB]" if row.rss_mb and unit == "s" else ""
        print(f"  {row.name:<38} {ours:>10}   {row.baseline_name}: "
              f"{'-' if row.baseline is None else fmt(row.baseline)}  ratio {ratio}{mem}"
              f"{'  ' + row.note if row.note else ''}", flush=True)
        return row

    run([*tracker, "--help"], store)  # bytecode cache warm, as an installed tool runs
    run([*tracker, "jurisdictions"], store)
    # baselines of the case files
    parse_t, parse_rss, _, parse = median_of(runs, lambda: run([py, "-c", TOMLLIB_BASELINE, str(store / "cases")],
                                                               store))
    info["case_files"] = int(parse.out.strip() or 0)
    parse_name = f"tomllib, {info['case_files']:,} files"

    # list, cold then warm
    def cold_list() -> Run:
        clear(store, "index-*-row-*")
        clear(store, "answer-*")
        return run([*tracker, "list", "--json"], store)

    t, rss, times, r = median_of(runs, cold_list)
    assert r.code == 0, r.err
    say(Row("list --json, cold (no case index)", t, parse_name, parse_t, rss, runs=times))
    listed = json.loads(r.out)["cases"]
    info["stages"] = sorted({c["stage"]["kind"] for c in listed})
    run([*tracker, "list", "--json"], store)
    t, rss, times, r = median_of(runs, lambda: run([*tracker, "list", "--json"], store))
    warm_list = say(Row("list --json, warm", t, parse_name, parse_t, rss, runs=times))
    # warm, but one case changed since the last run (a new change each time): the index gives the
    # other rows, the changed case is evaluated, and the kept answer cannot be replayed
    changed = store / "cases" / listed[0]["id"] / "case.toml"
    original = changed.read_bytes()
    edits = iter(range(1, 1000))

    def one_changed() -> Run:
        changed.write_bytes(original + b"\n" * next(edits))
        return run([*tracker, "list", "--json"], store)

    try:
        t, rss, times, r = median_of(runs, one_changed)
        assert r.code == 0, r.err
        say(Row("list --json, warm, one case changed", t, parse_name, parse_t, rss, runs=times))
    finally:
        changed.write_bytes(original)
        time.sleep(2.1)  # let it age past the racy window, as the rest of the store has

    # show one case
    cid = pick_case(store)
    one = (r"import tomllib,sys,pathlib; d=pathlib.Path(sys.argv[1]); "
           r"[tomllib.loads(f.read_text()) for f in [d/'case.toml', d/'attachments.toml', "
           r"*sorted((d/'decisions').glob('*.toml'))] if f.is_file()]")
    one_t, _, _, _ = median_of(runs, lambda: run([py, "-c", one, str(store / "cases" / cid)], store))
    t, rss, times, r = median_of(runs, lambda: run([*tracker, "show", cid, "--json"], store))
    assert r.code == 0, r.err
    say(Row(f"show {cid} --json", t, "tomllib, that case's files", one_t, rss, runs=times))

    # due, cold then warm
    def cold_due() -> Run:
        clear(store, "index-*-due-*")
        clear(store, "answer-*")
        return run([*tracker, "due", "--json"], store)

    t, rss, times, r = median_of(runs, cold_due)
    say(Row("due --json, cold (no case index)", t, parse_name, parse_t, rss, runs=times))
    run([*tracker, "due", "--json"], store)
    t, rss, times, r = median_of(runs, lambda: run([*tracker, "due", "--json"], store))
    say(Row("due --json, warm", t, parse_name, parse_t, rss, runs=times))

    # the pre-commit hook on a one-case change, as git runs it
    path = store / "cases" / cid / "case.toml"
    original = path.read_bytes()
    text = original.decode()
    path.write_text(text.replace('title = "', 'title = "（修订）', 1), encoding="utf-8")
    sh(["git", "add", str(path)], store)
    try:
        hook = [str(store / "hooks" / "pre-commit")]
        t, rss, times, r = median_of(runs, lambda: run(hook, store))
        assert r.code == 0, r.err
        st_t, _, _, _ = median_of(runs, lambda: run(["git", "status"], store))
        hook_row = say(Row("pre-commit hook, one case changed", t, "git status", st_t, rss, runs=times))
    finally:
        path.write_bytes(original)
        sh(["git", "add", str(path)], store)

    # verify: full (no cache), nothing new, 10 new commits
    def cold_verify() -> Run:
        clear(store, "verify-*")
        return run([*tracker, "verify", "--json"], store)

    print(f"  (baseline: git log --format=%G? over {n_commits:,} commits, one ssh-keygen each …)", flush=True)
    base = run(["git", "log", "--format=%H %G?"], store)
    t, rss, times, r = median_of(runs, cold_verify)
    report = json.loads(r.out)
    info["verify_ok"] = report["ok"]
    info["verify_problems"] = len(report["problems"])
    full = say(Row("verify, full (no cache)", t, "git log %G?", base.seconds, rss, runs=times,
                   note="" if report["ok"] else f"{len(report['problems'])} problems"))
    goods = sum(1 for line in base.out.split("\n") if line.endswith(" G"))
    info["git_good_signatures"] = goods
    t, rss, times, r = median_of(runs, lambda: run([*tracker, "verify", "--json"], store))
    say(Row("verify, nothing new", t, "git log %G?", base.seconds, rss, runs=times))
    inc = incremental(store, tracker, runs)
    if inc is not None:
        t, rss, times, base10 = inc
        say(Row("verify, 10 new commits", t, "git log %G?, those 10", base10, rss, runs=times))

    # the terminal UI, from start to a usable list (index warm, as on any later start)
    run([*tracker, "list", "--json"], store)
    probe = run([*tracker, "tui", "--exit-when-ready"], store, timeout=120)
    if probe.code != 0:
        reason = (probe.err.strip().splitlines() or [f"exit {probe.code}"])[-1][:70]
        tui = say(Row("TUI start to usable list", None, parse_name, parse_t, note=f"n/a ({reason})"))
    else:
        t, rss, times, r = median_of(runs, lambda: run([*tracker, "tui", "--exit-when-ready"], store,
                                                      timeout=120))
        tui = say(Row("TUI start to usable list", t, parse_name, parse_t, rss, runs=times))
    peak = max((r.rss_mb or 0) for r in rows)
    info["peak_row"] = max(rows, key=lambda r: r.rss_mb or 0).name
    say(Row("peak memory (largest process above)", peak, "tomllib parse", parse_rss), unit="MB")
    info["rows"] = {"warm_list": warm_list.ours, "hook": hook_row.ours, "full_verify_ratio": full.ratio,
                    "tui": tui.ours, "peak_mb": peak}
    return rows, info


def incremental(store: Path, tracker: list[str], runs: int):
    """10 new signed commits made by the tool itself, then verify with the earlier results cached."""
    key = store.parent / f".{store.name}-keys" / "admin"
    if not key.exists():
        print("  (no generator key beside the store: the incremental row is skipped)")
        return None
    cid = sorted(d.name for d in (store / "cases").iterdir() if d.is_dir())[0]
    jur = json.loads(run([*tracker, "show", cid, "--json"], store).out)["jurisdiction"]
    # the generator's per-role keys live only in memory: give the admin the clerk role (1 commit)
    run([*tracker, "people", "add", "基准管理员", "--email", "bench-admin@tracker.invalid", "--role",
         f"{jur}:unit", "--signing-key", str(key)], store)
    run([*tracker, "verify"], store)  # the role grant is not one of the 10
    caches = list((store / ".git" / "tracker-cache").glob("verify-*"))
    saved = {c: c.read_bytes() for c in caches}
    stamp = int(time.time()) % 1000
    for i in range(10):
        r = run([*tracker, "--key", str(key), "set", cid, f"software_cost_wan={stamp}.{i + 1}"], store)
        if r.code:
            print(f"  (could not commit: {r.err.strip()[:100]})")
            return None

    def once() -> Run:
        for c in (store / ".git" / "tracker-cache").glob("verify-*"):
            c.unlink()
        for c, data in saved.items():
            c.write_bytes(data)
        return run([*tracker, "verify", "--json"], store)

    t, rss, times, r = median_of(runs, once)
    assert json.loads(r.out)["new"] == 10, r.out[:300]
    base10 = run(["git", "log", "--format=%H %G?", "HEAD~10..HEAD"], store).seconds
    return t, rss, times, base10


# ---------------------------------------------------------------------------------------

def targets(results: list[dict]) -> list[str]:
    """The issue's targets, judged on the largest size measured (and the hook across sizes)."""
    big = results[-1]["info"]
    r = big["rows"]
    lines = [f"targets, at {big['cases']:,} cases / {big['commits']:,} commits:"]

    def judge(name: str, ok: bool | None, text: str) -> None:
        lines.append(f"  {name:<44} {'n/a' if ok is None else 'met' if ok else 'MISSED'}  ({text})")

    judge("warm list ≤ 0.3 s", r["warm_list"] <= 0.3, f"{r['warm_list']:.3f} s")
    judge("pre-commit hook ≤ 0.3 s", r["hook"] <= 0.3, f"{r['hook']:.3f} s")
    if len(results) > 1:
        small = results[0]["info"]["rows"]["hook"]
        judge(f"hook flat from {results[0]['info']['cases']:,} to {big['cases']:,} cases", r["hook"] <= small * 1.25,
              f"{small:.3f} s → {r['hook']:.3f} s, ×{r['hook'] / small:.2f}")
    ratio = r["full_verify_ratio"]
    judge("full verify ≥ 50× faster than git log %G?", None if ratio is None else ratio >= 50,
          "-" if ratio is None else f"{ratio:.1f}×")
    inc = next((row["ours"] for row in results[-1]["rows"] if row["name"] == "verify, 10 new commits"), None)
    judge("incremental verify of 10 commits ≤ 0.5 s", None if inc is None else inc <= 0.5,
          "-" if inc is None else f"{inc:.3f} s")
    judge("TUI usable ≤ 1.5 s", None if r["tui"] is None else r["tui"] <= 1.5,
          "n/a" if r["tui"] is None else f"{r['tui']:.3f} s")
    judge("peak memory ≤ 500 MB", r["peak_mb"] <= 500, f"{r['peak_mb']:.0f} MB")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=DEFAULT_SIZES,
                    help=f"CASES:COMMITS,… (default {DEFAULT_SIZES}; the full run: {FULL_SIZES})")
    ap.add_argument("--runs", type=int, default=3, help="runs per row, the median kept (default 3)")
    ap.add_argument("--workdir", type=Path, help="keep the generated stores here and reuse them next time")
    ap.add_argument("--store", type=Path, action="append", default=[],
                    help="measure this existing store instead of generating one (once per size, in order)")
    ap.add_argument("--json", type=Path, help="also write the results to this file")
    args = ap.parse_args(argv)

    sizes = [tuple(int(x) for x in s.split(":")) for s in args.sizes.split(",") if s]
    if args.store:
        sizes = sizes[:len(args.store)] if len(sizes) >= len(args.store) else [(0, 0)] * len(args.store)
    tmp = None
    workdir = args.workdir
    if workdir is None:
        tmp = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
        workdir = tmp
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    print(f"started: {time.strftime('%Y-%m-%d %H:%M')}; {args.runs} runs per row (median); "
          "ratio = baseline time / ours (above 1: faster than the baseline)")
    results = []
    try:
        for i, (cases, commits) in enumerate(sizes):
            given = args.store[i] if i < len(args.store) else None
            store = get_store(cases, commits, workdir, given)
            label = f"{cases:,} cases / {commits:,} commits" if not given else f"store {given}"
            rows, info = measure(store, args.runs, label)
            results.append({"size": label, "store": str(store), "info": info, "rows": [asdict(r) for r in rows]})
        print()
        for line in targets(results):
            print(line)
        if args.json:
            args.json.write_text(json.dumps({"machine": machine(), "results": results}, ensure_ascii=False,
                                            indent=2))
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
