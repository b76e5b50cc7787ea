"""Benchmark `python main.py` against the naive app (benchmarks/naive_app.py), and the cost of extra stacks.

Every run is a fresh process in a scratch copy of the project (the user's cdktf.out/ and .keys/ are never
touched). Wall time, and the peak RSS of the whole process tree (Python plus the jsii Node process), sampled
from /proc every ~20 ms. Prints figures only; nothing here asserts a time. Linux only (/proc).

    python -m aurora_web bench [--runs 7] [--stacks 1,3,10] [--stack-runs 3] [--hook-only]
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from cdktf_fastpath import switches
from cdktf_fastpath.node_runtime import wheel_node_bin_dir

from ..paths import PROJECT_ROOT

SOURCE_PACKAGES = ("constructs_lib", "aurora_web", "employee_directory", "cdktf_fastpath")
PROJECT_FILES = ("main.py", "cdktf.json", "pyproject.toml")  # pyproject.toml: the fast path's settings
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
SAMPLE_SECONDS = 0.02

STACKS_DRIVER = """
import sys, time
started = time.perf_counter()
from pathlib import Path
import cdktf_fastpath
cdktf_fastpath.enable(Path.cwd())
from aurora_web.settings.stacks import stack_config_from_document
from aurora_web.synth import build_app
count = int(sys.argv[1])
stacks = {f"stack{i}": stack_config_from_document({"name_prefix": f"stack{i}", "web": {"key_directory": ".keys"}})
          for i in range(count)}
imported = time.perf_counter()
build_app(stacks, "cdktf.out").synth()
done = time.perf_counter()
print(f"import {imported - started:.3f} build+synth {done - imported:.3f}")
"""


class ProcessStatus(TypedDict):
    """From /proc/<pid>/status and /proc/<pid>/exe: resident and peak resident KiB, and the program's file name."""

    rss: int
    hwm: int
    program: str


@dataclass
class Run:
    """One process tree: wall seconds, peak of the summed RSS, and each part's peak (MiB)."""

    seconds: float
    peak_mib: float
    part_peak_mib: dict[str, float] = field(default_factory=dict)
    stdout: str = ""


def _read_status(pid: int) -> ProcessStatus | None:
    try:
        with open(f"/proc/{pid}/status") as handle:
            fields = dict(line.split(":", 1) for line in handle if ":" in line)
    except OSError:
        return None
    try:  # not the name in status: Node calls its main thread "MainThread"
        program = os.path.basename(os.readlink(f"/proc/{pid}/exe"))
    except OSError:
        program = "?"
    return {
        "rss": int(fields.get("VmRSS", "0 kB").split()[0]),
        "hwm": int(fields.get("VmHWM", "0 kB").split()[0]),
        "program": program,
    }


def _descendants(pid: int) -> list[int]:
    """The process and all of its descendants, via /proc/<pid>/task/<tid>/children."""
    found: list[int] = []
    queue = [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    queue.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return found


def _part(program: str) -> str:
    return "node" if program.startswith("node") else "python" if program.startswith("python") else "other"


def measure(command: list[str], cwd: Path, env: dict[str, str]) -> Run:
    """Run the command to completion, sampling the RSS of its process tree; a thread waits, for an exact end time."""
    with tempfile.TemporaryFile(mode="w+") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, text=True)
        ended: list[float] = []

        def wait() -> None:
            process.wait()
            ended.append(time.perf_counter())

        waiter = threading.Thread(target=wait)
        waiter.start()
        peak = 0
        hwm_by_pid: dict[int, int] = {}
        part_by_pid: dict[int, str] = {}
        while waiter.is_alive():
            total = 0
            for pid in _descendants(process.pid):
                status = _read_status(pid)
                if status is None:
                    continue
                total += status["rss"]
                hwm_by_pid[pid] = max(hwm_by_pid.get(pid, 0), status["hwm"])
                if status["program"] != "?":  # unreadable once the process is exiting
                    part_by_pid[pid] = _part(status["program"])
            peak = max(peak, total)
            waiter.join(SAMPLE_SECONDS)
        output.seek(0)
        text = output.read()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{text}")
    parts: dict[str, float] = {}
    for pid, hwm in hwm_by_pid.items():
        part = part_by_pid.get(pid, "other")
        parts[part] = parts.get(part, 0) + hwm / 1024
    return Run(ended[0] - started, peak / 1024, parts, text)


def project_copy(directory: Path) -> Path:
    """A user's checkout, as tests/app/test_main.py makes it: entry point, cdktf.json, the packages (symlinked)."""
    for name in PROJECT_FILES:
        shutil.copy(PROJECT_ROOT / name, directory / name)
    for package in SOURCE_PACKAGES:
        (directory / package).symlink_to(PROJECT_ROOT / package)
    return directory


def bench_env() -> dict[str, str]:
    env = {**os.environ, "JSII_NODE": os.environ.get("JSII_NODE") or str(wheel_node_bin_dir() / "node")}
    for name in ("AURORA_WEB_CONFIG", "CDKTF_OUTDIR", *switches.VARIABLES):
        env.pop(name, None)
    return env


def summary(label: str, runs: list[Run]) -> str:
    times = [run.seconds for run in runs]
    parts = {part: max(run.part_peak_mib.get(part, 0) for run in runs) for part in ("python", "node")}
    return (
        f"{label:<22} median {statistics.median(times):6.2f} s   min {min(times):6.2f}   max {max(times):6.2f}   "
        f"peak RSS {max(run.peak_mib for run in runs):6.0f} MiB (python {parts['python']:.0f} + node "
        f"{parts['node']:.0f}, per-process peaks)"
    )


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    ram = (
        next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        / 1024
        / 1024
    )

    def version(command: list[str]) -> str:
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
            return result.stdout.splitlines()[0].strip()
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "not found"

    env = bench_env()
    from importlib.metadata import version as package_version

    return "\n".join(
        [
            f"machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu}, {ram:.1f} GiB RAM, "
            f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
            f"python {platform.python_version()}, node {version([env['JSII_NODE'], '--version'])}, "
            f"{version(['terraform', 'version'])}, jsii {package_version('jsii')}, cdktf {package_version('cdktf')}, "
            f"provider-aws {package_version('cdktf-cdktf-provider-aws')}",
        ]
    )


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each app; the first is a warm-up (default 7)")
    parser.add_argument("--stacks", default="1,3,10", help="stack counts for the scaling runs (default 1,3,10)")
    parser.add_argument("--stack-runs", type=int, default=3, help="runs per stack count, after one warm-up")
    parser.add_argument(
        "--hook-only",
        action="store_true",
        help="also run main.py with only the Python-side hook (the full assembly in Node)",
    )
    parser.add_argument("--skip-naive", action="store_true", help="skip the naive app (it takes ~10x longer)")
    args = parser.parse_args(argv)
    python, env = sys.executable, bench_env()
    print(machine(), flush=True)

    with tempfile.TemporaryDirectory(prefix="aurora-web-bench-") as scratch_name:
        scratch = Path(scratch_name)
        variants = {"ours (python main.py)": ([python, "main.py"], project_copy(_mkdir(scratch / "ours")), env)}
        if args.hook_only:
            variants["ours, full assembly"] = (
                [python, "main.py"],
                project_copy(_mkdir(scratch / "hook-only")),
                {**env, "CDKTF_FASTPATH_LEAN_ASSEMBLY": "0"},
            )
        if not args.skip_naive:
            variants["naive app"] = (
                [python, str(PROJECT_ROOT / "benchmarks" / "naive_app.py")],
                _mkdir(scratch / "naive"),
                env,
            )
        results: dict[str, list[Run]] = {label: [] for label in variants}
        for index in range(args.runs):  # interleaved, so load changes on the machine hit every variant alike
            for label, (command, cwd, run_env) in variants.items():
                run = measure(command, cwd, run_env)
                if index > 0:
                    results[label].append(run)
            print(f"  round {index + 1}/{args.runs}{' (warm-up)' if index == 0 else ''} done", flush=True)

        print(f"\nsynth of the default stack, {args.runs - 1} runs each after one warm-up:")
        for label, runs in results.items():
            print("  " + summary(label, runs))
        if "naive app" in results:
            ours = statistics.median(run.seconds for run in results["ours (python main.py)"])
            naive = statistics.median(run.seconds for run in results["naive app"])
            ours_peak = max(run.peak_mib for run in results["ours (python main.py)"])
            naive_peak = max(run.peak_mib for run in results["naive app"])
            print(f"  ours / naive: time {ours / naive:.3f} (median), peak RSS {ours_peak / naive_peak:.3f}")

        print(f"\nstacks in one app (fresh process each; median of {args.stack_runs} after one warm-up):")
        driver = _mkdir(scratch / "stacks") / "driver.py"
        driver.write_text(STACKS_DRIVER)
        shutil.copy(PROJECT_ROOT / "pyproject.toml", driver.parent / "pyproject.toml")
        for package in SOURCE_PACKAGES:
            (driver.parent / package).symlink_to(PROJECT_ROOT / package)
        medians: dict[int, float] = {}
        for count in (int(value) for value in args.stacks.split(",")):
            runs = [measure([python, "driver.py", str(count)], driver.parent, env) for _ in range(args.stack_runs + 1)][
                1:
            ]
            medians[count] = statistics.median(run.seconds for run in runs)
            inner = runs[len(runs) // 2].stdout.strip().splitlines()[-1]
            print(f"  {count:>3} stacks: {summary('', runs).strip()}   [{inner}]")
        counts = sorted(medians)
        for low, high in itertools.pairwise(counts):
            print(f"  {low} -> {high} stacks: +{(medians[high] - medians[low]) / (high - low):.3f} s per extra stack")
        print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path
