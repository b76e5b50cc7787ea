"""Kill -9 at random points and concurrent synths: the output stays complete and no file is ever lost.

    python -m tests.support.stress_synth kills --count 50 --real 10        (from the project root)
    python -m tests.support.stress_synth concurrent --writers 4 --rounds 20

`kills` SIGKILLs a synth at a random moment (0 to 1.1 times an unkilled synth's duration), `count` times: a
light fake app (many stacks, ~1.6 MB, through the same output handling as the real synth:
aurora_web.output_dir.synthesize_into), then `real` times the real `python main.py` in a checkout copy. After
every kill the output must be complete (check_output), every file whole and from the old or the new synth, and
every file synth did not write (Terraform working files, state, a user's files, a `.keys/` directory)
unchanged. Every fifth synth runs unkilled and must leave it consistent (one generation) with no staging
directory left. The figures say where the kills landed: before the install (old output), between the journal
and its removal (mid-install), after it (new output), or after the synth had finished.

`concurrent` starts `writers` synths at once, `rounds` times: all must succeed (an install that overlaps
another fails on a marker file), and the result must be one writer's generation, whole.
Prints the figures as JSON; exit 1 on any failure.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from aurora_web import output_dir
from tests.support.paths import PROJECT_ROOT

FAKE_STACKS = 40
PADDING = 40_000  # bytes per fake stack JSON: enough files and bytes for kills to land mid-install


def fake_stack_names(generation: int) -> list[str]:
    """Every third generation drops the last stack, so retiring (and re-adding) a stack directory is exercised."""
    count = FAKE_STACKS - 1 if generation % 3 == 0 else FAKE_STACKS
    return [f"s{index:02d}" for index in range(count)]


def write_fake_app(staging: Path, generation: int) -> None:
    """What cdktf's App.synth() writes: stacks/<name>/cdk.tf.json for each stack, then manifest.json."""
    stacks = {}
    for name in fake_stack_names(generation):
        directory = staging / "stacks" / name
        directory.mkdir(parents=True)
        document = {"//": {"generation": generation}, "resource": {"null_resource": {name: {"x": "p" * PADDING}}}}
        (directory / "cdk.tf.json").write_text(json.dumps(document))
        stacks[name] = {
            "name": name,
            "synthesizedStackPath": f"stacks/{name}/cdk.tf.json",
            "workingDirectory": f"stacks/{name}",
        }
    (staging / "manifest.json").write_text(json.dumps({"version": "fake", "generation": generation, "stacks": stacks}))


def _guard_against_interleaving(marker: Path) -> None:
    """Concurrent mode: two installs at once (the lock failing) make the second one fail on this marker."""
    install = output_dir.install

    def guarded(*args: object, **kwargs: object) -> output_dir.Installed:
        descriptor = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)  # FileExistsError: interleaved
        try:
            return install(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            os.close(descriptor)
            os.unlink(marker)

    output_dir.install = guarded  # type: ignore[assignment]


def fake_synth(outdir: Path, generation: int) -> int:
    names = fake_stack_names(generation)
    if os.environ.get("STRESS_GUARD_MARKER"):
        _guard_against_interleaving(Path(os.environ["STRESS_GUARD_MARKER"]))
    try:
        output_dir.synthesize_into(outdir, names, lambda staging: write_fake_app(staging, generation))
    except output_dir.OutputDirError as error:
        print(f"aurora-web: {error}", file=sys.stderr)
        return 2
    return 0


def snapshot(paths: list[Path]) -> dict[str, str]:
    return {str(path): hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}


def stack_generations(outdir: Path) -> set[object]:
    """The generations of the manifest and of every stack file it names ({"unreadable: ..."} if one is not)."""
    try:
        manifest = json.loads((outdir / "manifest.json").read_text())
        generations = {manifest.get("generation")}
        for stack in manifest["stacks"].values():
            generations.add(json.loads((outdir / stack["synthesizedStackPath"]).read_text())["//"].get("generation"))
    except (OSError, ValueError, KeyError) as error:
        return {f"unreadable: {error}"}
    return generations


def leftovers(outdir: Path) -> list[str]:
    return sorted(entry.name for entry in outdir.iterdir() if entry.name.startswith(output_dir.STAGING_PREFIX))


class Failures(list[str]):
    def check(self, condition: bool, message: str) -> None:
        if not condition:
            self.append(message)
            print(f"FAIL: {message}", file=sys.stderr)


def _fake_command(outdir: Path, generation: int) -> list[str]:
    return [sys.executable, "-m", "tests.support.stress_synth", "fake-synth", str(outdir), str(generation)]


def _user_files(outdir: Path, stack: str) -> list[Path]:
    """Files synth did not write, where a user or Terraform would put them."""
    files = {
        outdir / "notes.txt": "my notes\n",
        outdir / ".keys" / "secret.pem": "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n",
        outdir / "stacks" / stack / ".terraform" / "providers" / "marker": "provider\n",
        outdir / "stacks" / stack / ".terraform.lock.hcl": "# lock\n",
        outdir / "stacks" / stack / "terraform.tfstate": '{"version": 4, "serial": 3}\n',
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return list(files)


def _timed(command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> float:
    started = time.monotonic()
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"an unkilled synth failed: {result.stderr}")
    return time.monotonic() - started


def kill_loop(
    label: str,
    outdir: Path,
    *,
    count: int,
    start: Path,
    command_for: Callable[[int], tuple[list[str], dict[str, str] | None]],
    sentinels: list[Path],
    failures: Failures,
    rng: random.Random,
    check_generation: bool,
) -> dict[str, int]:
    """Kill `count` synths at random moments; after each, the output must be complete and the sentinels intact."""
    figures = {
        "kills": 0,
        "finished_before_kill": 0,
        "old_output": 0,
        "mid_install": 0,
        "new_output": 0,
        "clean_synths": 0,
    }
    duration = 0.0
    iteration = -1
    while figures["kills"] < count:
        iteration += 1
        command, env = command_for(iteration)
        if iteration % 5 == 0:
            figures["clean_synths"] += 1
            # An unkilled synth every few rounds: consistent (one generation), no staging left, sentinels kept.
            duration = _timed(command, env, start)
            verdict = output_dir.check_output(outdir)
            failures.check(verdict.consistent, f"{label} {iteration}: unkilled synth not consistent {verdict.problems}")
            failures.check(not leftovers(outdir), f"{label} {iteration}: staging left after a clean synth")
            if check_generation:
                failures.check(
                    len(stack_generations(outdir)) == 1, f"{label} {iteration}: mixed generations after a clean synth"
                )
            failures.check(snapshot(sentinels) == SENTINELS[label], f"{label} {iteration}: a user file changed")
            continue
        before = (outdir / output_dir.RECORD).read_bytes() if (outdir / output_dir.RECORD).exists() else b""
        process = subprocess.Popen(command, env=env, cwd=start, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, duration * 1.1))
        process.send_signal(signal.SIGKILL)
        process.wait()
        figures["kills"] += 1
        if process.returncode == 0:
            figures["finished_before_kill"] += 1
        verdict = output_dir.check_output(outdir)
        failures.check(verdict.complete, f"{label} kill {iteration}: output incomplete {verdict.problems}")
        failures.check(snapshot(sentinels) == SENTINELS[label], f"{label} kill {iteration}: a user file changed")
        if (outdir / output_dir.JOURNAL).exists():
            figures["mid_install"] += 1
            continue
        which = "old_output" if (outdir / output_dir.RECORD).read_bytes() == before else "new_output"
        figures[which] += 1
        failures.check(verdict.consistent, f"{label} kill {iteration}: {which} not consistent {verdict.problems}")
    return figures


SENTINELS: dict[str, dict[str, str]] = {}


def run_kills(count: int, real: int, seed: int) -> tuple[dict[str, object], Failures]:
    failures = Failures()
    rng = random.Random(seed)
    results: dict[str, object] = {"seed": seed}
    with tempfile.TemporaryDirectory(prefix="aurora-web-stress-") as scratch:
        outdir = Path(scratch) / "out"
        first = subprocess.run(_fake_command(outdir, 1), capture_output=True, text=True, check=False)
        failures.check(first.returncode == 0, f"first fake synth failed: {first.stderr}")
        # The last fake stack comes and goes: give it Terraform state too, so it is kept, never deleted.
        sentinels = _user_files(outdir, "s00") + _user_files(outdir, f"s{FAKE_STACKS - 1:02d}")[2:]
        SENTINELS["fake"] = snapshot(sentinels)
        results["fake"] = kill_loop(
            "fake",
            outdir,
            count=count,
            start=Path(scratch),
            command_for=lambda iteration: (_fake_command(outdir, iteration + 2), None),
            sentinels=sentinels,
            failures=failures,
            rng=rng,
            check_generation=True,
        )
        if real:
            results["real"] = _real_kills(Path(scratch) / "project", real, failures, rng)
    return results, failures


def _real_kills(project: Path, count: int, failures: Failures, rng: random.Random) -> dict[str, int]:
    project.mkdir()
    for name in ("main.py", "cdktf.json", "pyproject.toml"):
        shutil.copy(PROJECT_ROOT / name, project / name)
    for package in ("constructs_lib", "aurora_web", "employee_directory", "cdktf_fastpath"):
        (project / package).symlink_to(PROJECT_ROOT / package)
    environments = project / "environments.toml"
    environments.write_text("[environments.dev]\n[environments.prod]\n")
    base_env = {key: value for key, value in os.environ.items() if key not in ("CDKTF_OUTDIR", "AURORA_WEB_CONFIG")}
    outdir = project / "cdktf.out"
    subprocess.run([sys.executable, "main.py"], cwd=project, env=base_env, capture_output=True, check=True)
    sentinels = _user_files(outdir, "aurora-web")
    SENTINELS["real"] = snapshot(sentinels)

    def command(iteration: int) -> tuple[list[str], dict[str, str]]:
        # Alternate one stack and two environments: stack directories come and go.
        env = dict(base_env)
        if iteration % 2:
            env["AURORA_WEB_CONFIG"] = str(environments)
        return [sys.executable, "main.py"], env

    return kill_loop(
        "real",
        outdir,
        count=count,
        start=project,
        command_for=command,
        sentinels=sentinels,
        failures=failures,
        rng=rng,
        check_generation=False,
    )


def run_concurrent(writers: int, rounds: int) -> tuple[dict[str, object], Failures]:
    failures = Failures()
    with tempfile.TemporaryDirectory(prefix="aurora-web-stress-") as scratch:
        outdir = Path(scratch) / "out"
        generation = 1
        durations = []
        for round_number in range(rounds):
            generations = list(range(generation, generation + writers))
            generation += writers
            started = time.monotonic()
            env = {**os.environ, "STRESS_GUARD_MARKER": str(Path(scratch) / "installing")}
            processes = [
                subprocess.Popen(
                    _fake_command(outdir, g), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
                )
                for g in generations
            ]
            for process in processes:
                _out, err = process.communicate()
                failures.check(process.returncode == 0, f"round {round_number}: a synth failed: {err.strip()}")
            durations.append(time.monotonic() - started)
            if round_number == 0:
                sentinels = _user_files(outdir, "s00")
                SENTINELS["concurrent"] = snapshot(sentinels)
            verdict = output_dir.check_output(outdir)
            failures.check(verdict.consistent, f"round {round_number}: not consistent {verdict.problems}")
            found = stack_generations(outdir)
            failures.check(len(found) == 1 and found <= set(generations), f"round {round_number}: generations {found}")
            failures.check(not leftovers(outdir), f"round {round_number}: staging left behind")
            failures.check(snapshot(sentinels) == SENTINELS["concurrent"], f"round {round_number}: a user file changed")
        return {
            "writers": writers,
            "rounds": rounds,
            "synths": writers * rounds,
            "seconds_per_round": round(sum(durations) / len(durations), 2),
        }, failures


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    kills = commands.add_parser("kills")
    kills.add_argument("--count", type=int, default=50)
    kills.add_argument("--real", type=int, default=10, help="kills of the real python main.py (slower)")
    kills.add_argument("--seed", type=int, default=int(time.time()))
    concurrent = commands.add_parser("concurrent")
    concurrent.add_argument("--writers", type=int, default=4)
    concurrent.add_argument("--rounds", type=int, default=20)
    fake = commands.add_parser("fake-synth")
    fake.add_argument("outdir", type=Path)
    fake.add_argument("generation", type=int)
    args = parser.parse_args(argv)
    # Children run `-m tests.support.stress_synth` from scratch directories: the checkout is their import path.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")]))
    if args.command == "fake-synth":
        return fake_synth(args.outdir, args.generation)
    if args.command == "kills":
        figures, failures = run_kills(args.count, args.real, args.seed)
    else:
        figures, failures = run_concurrent(args.writers, args.rounds)
    figures["failures"] = len(failures)
    print(json.dumps(figures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
