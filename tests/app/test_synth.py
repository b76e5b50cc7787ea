"""Synth's output directory: it writes only its own files, in place, refuses a directory that is not its own,
serializes concurrent runs, and survives kill -9 (aurora_web/synth.py, aurora_web/output_dir.py)."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aurora_web import output_dir
from aurora_web.output_dir import OutputDirError, check_output, synthesize_into
from tests.app.test_main import cdktf_cli, project_copy, run_cdktf_synth  # noqa: F401 - cdktf_cli is a fixture
from tests.support.paths import PROJECT_ROOT


def fake_app(stacks: list[str], generation: int = 1):
    """A writer laid out as cdktf's App.synth() writes: stacks/<name>/cdk.tf.json, then manifest.json."""

    def write(staging: Path) -> None:
        manifest = {"version": "test", "stacks": {}}
        for name in stacks:
            (staging / "stacks" / name).mkdir(parents=True)
            (staging / "stacks" / name / "cdk.tf.json").write_text(json.dumps({"//": {"generation": generation}}))
            manifest["stacks"][name] = {"name": name, "synthesizedStackPath": f"stacks/{name}/cdk.tf.json"}
        (staging / "manifest.json").write_text(json.dumps(manifest))

    return write


def synth(outdir: Path, stacks: list[str], generation: int = 1) -> output_dir.Installed:
    return synthesize_into(outdir, stacks, fake_app(stacks, generation))


def tree(directory: Path) -> dict[str, str]:
    """Every file under directory with a hash of its content, and every directory."""
    found = {}
    for path in sorted(directory.rglob("*")):
        relative = str(path.relative_to(directory))
        found[relative] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return found


def user_files(outdir: Path, stack: str) -> dict[str, str]:
    files = {
        "notes.txt": "mine\n",
        ".keys/secret.pem": "-----BEGIN OPENSSH PRIVATE KEY-----\n",
        f"stacks/{stack}/.terraform/providers/marker": "provider\n",
        f"stacks/{stack}/.terraform.lock.hcl": "# lock\n",
        f"stacks/{stack}/terraform.tfstate": '{"version": 4}\n',
    }
    for relative, text in files.items():
        (outdir / relative).parent.mkdir(parents=True, exist_ok=True)
        (outdir / relative).write_text(text)
    return files


def test_first_synth_into_a_missing_directory_records_what_it_wrote(tmp_path):
    outdir = tmp_path / "cdktf.out"
    synth(outdir, ["dev", "prod"])
    record = json.loads((outdir / output_dir.RECORD).read_text())
    assert sorted(record["files"]) == ["manifest.json", "stacks/dev/cdk.tf.json", "stacks/prod/cdk.tf.json"]
    assert record["dirs"] == ["stacks", "stacks/dev", "stacks/prod"]
    assert check_output(outdir).consistent
    assert not [entry for entry in outdir.iterdir() if entry.name.startswith(output_dir.STAGING_PREFIX)]


def test_resynthesis_keeps_terraform_working_files_state_and_a_users_files(tmp_path):
    outdir = tmp_path / "cdktf.out"
    synth(outdir, ["dev"], generation=1)
    files = user_files(outdir, "dev")
    synth(outdir, ["dev"], generation=2)
    for relative, text in files.items():
        assert (outdir / relative).read_text() == text, relative
    assert json.loads((outdir / "stacks/dev/cdk.tf.json").read_text()) == {"//": {"generation": 2}}
    assert check_output(outdir).consistent


def test_a_removed_stacks_directory_holding_only_our_files_is_removed(tmp_path):
    outdir = tmp_path / "cdktf.out"
    synth(outdir, ["dev", "old"])
    installed = synth(outdir, ["dev"])
    assert not (outdir / "stacks" / "old").exists()
    assert installed.kept == {}
    assert check_output(outdir).consistent


def test_a_removed_stacks_directory_with_a_users_file_is_kept_and_named(tmp_path):
    outdir = tmp_path / "cdktf.out"
    synth(outdir, ["dev", "old"])
    (outdir / "stacks" / "old" / "terraform.tfstate").write_text("state\n")
    installed = synth(outdir, ["dev"])
    assert installed.kept == {"stacks/old": ["terraform.tfstate"]}
    assert (outdir / "stacks" / "old" / "terraform.tfstate").read_text() == "state\n"
    assert check_output(outdir).consistent
    # Once the user has removed their file, the next synth removes what is left (ours).
    (outdir / "stacks" / "old" / "terraform.tfstate").unlink()
    synth(outdir, ["dev"])
    assert not (outdir / "stacks" / "old").exists()


def test_a_stack_directory_we_never_made_is_left_alone(tmp_path):
    outdir = tmp_path / "cdktf.out"
    synth(outdir, ["dev"])
    (outdir / "stacks" / "handmade").mkdir()
    (outdir / "stacks" / "handmade" / "main.tf").write_text("# mine\n")
    assert synth(outdir, ["dev"]).kept == {"stacks/handmade": ["main.tf"]}
    assert (outdir / "stacks" / "handmade" / "main.tf").read_text() == "# mine\n"


def test_under_the_cdktf_cli_a_directory_it_would_delete_is_refused(tmp_path, monkeypatch):
    """cdktf synth deletes every stacks/ directory its manifest does not name, so we refuse before it can."""
    outdir = tmp_path / "cdktf.out"
    synth(outdir, ["dev", "old"])
    (outdir / "stacks" / "old" / "terraform.tfstate").write_text("state\n")
    before = tree(outdir)
    monkeypatch.setenv(output_dir.CDKTF_CLI_MARKER, "true")
    with pytest.raises(OutputDirError, match=r"`cdktf synth` would delete it"):
        synth(outdir, ["dev"])
    assert tree(outdir) == before


def test_under_the_cdktf_cli_a_removed_stack_of_only_our_files_is_left_for_the_cli_to_delete(tmp_path, monkeypatch):
    """The CLI deletes it after the app exits, and fails (ENOENT) if the app already did."""
    outdir = tmp_path / "cdktf.out"
    synth(outdir, ["dev", "old"])
    monkeypatch.setenv(output_dir.CDKTF_CLI_MARKER, "true")
    synth(outdir, ["dev"])
    assert (outdir / "stacks" / "old" / "cdk.tf.json").is_file()
    assert check_output(outdir).consistent
    shutil.rmtree(outdir / "stacks" / "old")  # what the CLI does next
    assert check_output(outdir).consistent
    monkeypatch.delenv(output_dir.CDKTF_CLI_MARKER)
    synth(outdir, ["dev"])
    assert "stacks/old/cdk.tf.json" not in json.loads((outdir / output_dir.RECORD).read_text())["files"]


def test_a_directory_that_is_not_ours_is_refused_and_left_untouched(tmp_path):
    outdir = tmp_path / "mine"
    outdir.mkdir()
    (outdir / ".keys").mkdir()
    (outdir / ".keys" / "secret.pem").write_text("secret\n")
    (outdir / "notes.txt").write_text("notes\n")
    before = tree(outdir)
    with pytest.raises(OutputDirError, match=r"is not empty and was not written by aurora-web synth"):
        synth(outdir, ["dev"])
    assert tree(outdir) == before


def test_an_empty_directory_is_used(tmp_path):
    outdir = tmp_path / "empty"
    outdir.mkdir()
    synth(outdir, ["dev"])
    assert check_output(outdir).consistent


def test_a_cdktf_out_of_an_older_version_is_adopted_with_its_terraform_files(tmp_path):
    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks" / "dev" / ".terraform").mkdir(parents=True)
    (outdir / "stacks" / "dev" / "cdk.tf.json").write_text("{}")
    (outdir / "stacks" / "dev" / "terraform.tfstate").write_text("state\n")
    (outdir / "stacks" / "gone").mkdir()
    (outdir / "stacks" / "gone" / "cdk.tf.json").write_text("{}")
    (outdir / "manifest.json").write_text(json.dumps({"version": "0.21.0", "stacks": {"dev": {}, "gone": {}}}))
    synth(outdir, ["dev"])
    assert (outdir / "stacks" / "dev" / "terraform.tfstate").read_text() == "state\n"
    assert (outdir / "stacks" / "dev" / ".terraform").is_dir()
    assert not (outdir / "stacks" / "gone").exists()
    assert check_output(outdir).consistent


def test_an_older_cdktf_out_with_anything_else_in_it_is_refused(tmp_path):
    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks" / "dev").mkdir(parents=True)
    (outdir / "stacks" / "dev" / "cdk.tf.json").write_text("{}")
    (outdir / "stacks" / "dev" / "notes.txt").write_text("mine\n")
    (outdir / "manifest.json").write_text(json.dumps({"version": "0.21.0", "stacks": {"dev": {}}}))
    before = tree(outdir)
    with pytest.raises(OutputDirError):
        synth(outdir, ["dev"])
    assert tree(outdir) == before


def test_the_directory_itself_is_never_renamed_so_a_mount_point_works(tmp_path, monkeypatch):
    """A bind mount (or an immutable mount point) cannot be renamed: renaming it fails with EBUSY."""
    outdir = tmp_path / "cdktf.out"
    synth(outdir, ["dev"])
    (outdir / "stacks" / "dev" / "terraform.tfstate").write_text("state\n")
    real_rename, real_replace = os.rename, os.replace

    def no_renaming_the_mount(source, target, *args, **kwargs):
        if Path(source) == outdir or Path(target) == outdir:
            raise OSError(16, "Device or resource busy", str(source))
        return (real_replace if kwargs.pop("_replace", False) else real_rename)(source, target)

    monkeypatch.setattr(os, "rename", no_renaming_the_mount)
    monkeypatch.setattr(os, "replace", lambda s, t: no_renaming_the_mount(s, t, _replace=True))
    synth(outdir, ["dev"], generation=2)
    assert (outdir / "stacks" / "dev" / "terraform.tfstate").read_text() == "state\n"
    assert check_output(outdir).consistent


def test_a_failed_synth_leaves_the_old_output_and_no_staging(tmp_path):
    outdir = tmp_path / "cdktf.out"
    synth(outdir, ["dev"])
    before = tree(outdir)

    def failing(staging: Path) -> None:
        (staging / "stacks").mkdir()
        raise RuntimeError("bad settings found while building")

    with pytest.raises(RuntimeError):
        synthesize_into(outdir, ["dev"], failing)
    assert tree(outdir) == before


def test_a_failed_first_synth_leaves_no_directory(tmp_path):
    outdir = tmp_path / "cdktf.out"
    with pytest.raises(RuntimeError):
        synthesize_into(outdir, ["dev"], lambda staging: (_ for _ in ()).throw(RuntimeError("bad")))
    assert not outdir.exists()


def test_a_killed_synths_staging_directory_is_cleaned_up_but_not_someone_elses(tmp_path):
    outdir = tmp_path / "cdktf.out"
    synth(outdir, ["dev"])
    ours = outdir / f"{output_dir.STAGING_PREFIX}abc"
    (ours / "stacks").mkdir(parents=True)
    (ours / output_dir.STAGING_MARKER).write_text("{}")
    theirs = outdir / f"{output_dir.STAGING_PREFIX}xyz"
    theirs.mkdir()
    (theirs / "file").write_text("not ours\n")
    synth(outdir, ["dev"])
    assert not ours.exists()
    assert (theirs / "file").read_text() == "not ours\n"


def test_a_killed_synths_temporary_record_file_does_not_make_a_new_directory_foreign(tmp_path):
    outdir = tmp_path / "cdktf.out"
    outdir.mkdir()
    (outdir / f".{output_dir.JOURNAL}.tmp-abc").write_text('{"half')
    synth(outdir, ["dev"])
    assert not list(outdir.glob(".*.tmp-*"))
    assert check_output(outdir).consistent


def test_a_kill_mid_install_is_complete_and_the_next_synth_makes_it_consistent(tmp_path, monkeypatch):
    outdir = tmp_path / "cdktf.out"
    synth(outdir, ["dev", "prod"], generation=1)
    real_replace = os.replace
    moved = []

    def killed_after_the_first_file(source, target):
        if moved and ".aurora-web-staging-" in str(source):
            raise KeyboardInterrupt  # stands for the kill: nothing after this point runs
        moved.append(target)
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", killed_after_the_first_file)
    with pytest.raises(KeyboardInterrupt):
        synth(outdir, ["dev", "prod"], generation=2)
    monkeypatch.setattr(os, "replace", real_replace)
    # The staging directory is removed on the way out here; a real kill leaves it for the next synth.
    verdict = check_output(outdir)
    assert verdict.complete and not verdict.consistent, verdict
    assert (outdir / output_dir.JOURNAL).exists()
    synth(outdir, ["dev", "prod"], generation=3)
    assert check_output(outdir).consistent
    assert not (outdir / output_dir.JOURNAL).exists()


def test_check_output_finds_a_torn_or_missing_stack_file(tmp_path):
    outdir = tmp_path / "cdktf.out"
    synth(outdir, ["dev", "prod"])
    (outdir / "stacks" / "dev" / "cdk.tf.json").write_text('{"half": ')
    (outdir / "stacks" / "prod" / "cdk.tf.json").unlink()
    verdict = check_output(outdir)
    assert not verdict.complete
    assert len([problem for problem in verdict.problems if problem.startswith("stacks/")]) >= 2


def run_main(directory: Path, outdir: Path | None = None, config: Path | None = None):
    env = {key: value for key, value in os.environ.items() if key not in ("CDKTF_OUTDIR", "AURORA_WEB_CONFIG")}
    if outdir is not None:
        env["CDKTF_OUTDIR"] = str(outdir)
    if config is not None:
        env["AURORA_WEB_CONFIG"] = str(config)
    return subprocess.run(
        [sys.executable, "main.py"], cwd=directory, env=env, capture_output=True, text=True, check=False
    )


def test_cdktf_outdir_with_a_users_files_is_refused_with_exit_2_and_one_line(tmp_path):
    directory = project_copy(tmp_path)
    outdir = tmp_path / "shared"
    (outdir / ".keys").mkdir(parents=True)
    (outdir / ".keys" / "secret.pem").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    (outdir / "report.txt").write_text("mine\n")
    before = tree(outdir)
    result = run_main(directory, outdir=outdir)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"aurora-web: {outdir} is not empty and was not written by aurora-web synth")
    assert tree(outdir) == before


def test_main_keeps_a_removed_stacks_terraform_files_and_says_so_once(tmp_path):
    directory = project_copy(tmp_path)
    environments = tmp_path / "environments.toml"
    environments.write_text("[environments.dev]\n[environments.prod]\n")
    assert run_main(directory, config=environments).returncode == 0
    prod = directory / "cdktf.out" / "stacks" / "prod"
    (prod / "terraform.tfstate").write_text("state\n")
    environments.write_text("[environments.dev]\n")
    result = run_main(directory, config=environments)
    assert result.returncode == 0, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("aurora-web: kept cdktf.out/stacks/prod: its stack is no longer in the settings")
    assert (prod / "terraform.tfstate").read_text() == "state\n"
    assert check_output(directory / "cdktf.out").consistent


def test_an_older_versions_stranded_staging_directory_is_named_not_deleted(tmp_path):
    directory = project_copy(tmp_path)
    stranded = directory / ".cdktf.out.synth-abc123" / "stacks" / "aurora-web"
    stranded.mkdir(parents=True)
    (stranded / "terraform.tfstate").write_text("state\n")
    result = run_main(directory)
    assert result.returncode == 0, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "left beside cdktf.out by an older aurora-web synth (.cdktf.out.synth-abc123)" in line
    assert (stranded / "terraform.tfstate").read_text() == "state\n"


@pytest.mark.integration
def test_kill_9_and_concurrent_synths_never_lose_a_file(tmp_path):
    """tests/support/stress_synth.py with CI-sized counts (the full run: 50 kills, 4 writers x 20 rounds; README)."""
    for arguments in (["kills", "--count", "12", "--real", "2", "--seed", "7"], ["concurrent", "--rounds", "3"]):
        result = subprocess.run(
            [sys.executable, "-m", "tests.support.stress_synth", *arguments],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert json.loads(result.stdout.strip().splitlines()[-1])["failures"] == 0


@pytest.mark.integration
def test_cdktf_cli_synth_never_deletes_a_removed_stacks_state(cdktf_cli, tmp_path):  # noqa: F811
    """cdktf synth deletes stack directories its manifest no longer names: refused while one holds state."""
    (tmp_path / "project").mkdir()
    directory = project_copy(tmp_path / "project")
    environments = tmp_path / "environments.toml"
    environments.write_text("[environments.dev]\n[environments.prod]\n")
    assert run_cdktf_synth(cdktf_cli, directory, environments).returncode == 0
    prod = directory / "cdktf.out" / "stacks" / "prod"
    (prod / "terraform.tfstate").write_text("state\n")
    environments.write_text("[environments.dev]\n")
    refused = run_cdktf_synth(cdktf_cli, directory, environments)
    assert refused.returncode != 0
    assert "`cdktf synth` would delete it" in refused.stdout + refused.stderr
    assert (prod / "terraform.tfstate").read_text() == "state\n"
    (prod / "terraform.tfstate").unlink()
    result = run_cdktf_synth(cdktf_cli, directory, environments)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not prod.exists()
    assert check_output(directory / "cdktf.out").consistent


def test_synth_check_reports_bad_input_in_one_line_each_and_writes_nothing(tmp_path):
    """`make cdktf-synth` runs this before the cdktf CLI, which prints an app's errors twice and exits 1."""
    directory = project_copy(tmp_path)
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "report.txt").write_text("mine\n")
    env = {key: value for key, value in os.environ.items() if key not in ("CDKTF_OUTDIR", "AURORA_WEB_CONFIG")}
    command = [sys.executable, "-m", "aurora_web", "synth", "--check"]
    refused = subprocess.run(
        command, cwd=directory, env={**env, "CDKTF_OUTDIR": str(shared)}, capture_output=True, text=True, check=False
    )
    assert refused.returncode == 2
    assert len(refused.stderr.strip().splitlines()) == 1
    fine = subprocess.run(command, cwd=directory, env=env, capture_output=True, text=True, check=False)
    assert fine.returncode == 0, fine.stderr
    assert not (directory / "cdktf.out").exists()
    assert (shared / "report.txt").read_text() == "mine\n"
