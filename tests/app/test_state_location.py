"""Where local state really lands, and two output directories never sharing it (issue 22, aurora_web/state_location.py).

The state of stack <s> synthesized into <parent>/<outdir> is <parent>/terraform.<s>.tfstate, <parent> taken after
symbolic links are followed: Terraform itself is asked below. A second output directory under the same parent would
use the same file, so its synth is refused; one under another parent gets its own.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from aurora_web.output_dir import OutputDirError
from aurora_web.state_location import local_state_file, refuse_shared_state
from constructs_lib.state_backend_config import LOCAL_STATE_PATH
from tests.app.test_main import project_copy
from tests.support.paths import PROJECT_ROOT

STACK = "aurora-web"  # the default settings' one stack


def run_synth(project: Path, outdir: Path, *arguments: str) -> subprocess.CompletedProcess:
    """main.py (or `-m aurora_web synth --check`) of a user's checkout with the default settings, into outdir."""
    env = {key: value for key, value in os.environ.items() if key != "AURORA_WEB_CONFIG"}
    env["CDKTF_OUTDIR"] = str(outdir)
    command = [sys.executable, "main.py"] if not arguments else [sys.executable, "-m", "aurora_web", *arguments]
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False, timeout=600)


def backend_state(outdir: Path, stack: str = STACK) -> Path:
    """The state file the synthesized JSON's local backend names, resolved from the real stack directory."""
    stack_dir = Path(os.path.realpath(outdir / "stacks" / stack))
    path = json.loads((stack_dir / "cdk.tf.json").read_text())["terraform"]["backend"]["local"]["path"]
    return Path(os.path.normpath(stack_dir / path))


def digests(directory: Path) -> dict[str, str]:
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def project(tmp_path):
    (tmp_path / "project").mkdir()
    return project_copy(tmp_path / "project")


def test_a_second_output_directory_under_the_same_parent_is_refused(project, tmp_path):
    builds = tmp_path / "builds"
    builds.mkdir()
    # A state from earlier deploys sits where Terraform has been using it: it is used, never moved or rewritten.
    state = builds / f"terraform.{STACK}.tfstate"
    state.write_text('{"version": 4, "serial": 7}\n')
    first = run_synth(project, builds / "a")
    assert first.returncode == 0, first.stderr
    assert backend_state(builds / "a") == local_state_file(builds / "a", STACK) == state
    before = digests(builds)

    for arguments in ((), ("synth", "--check")):
        refused = run_synth(project, builds / "b", *arguments)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "Traceback" not in refused.stderr
        [line] = refused.stderr.strip().splitlines()
        assert line == (
            f"aurora-web: stack '{STACK}' keeps its local state in {state}, and output directory {builds / 'a'} "
            f"uses that file too (stacks/{STACK}/cdk.tf.json): two output directories must not share a state file; "
            f"set CDKTF_OUTDIR (or cdktf synth --output) to a directory in another folder, or remove {builds / 'a'} "
            "if it is no longer used; nothing was changed"
        )
        assert not (builds / "b").exists()
        assert digests(builds) == before

    again = run_synth(project, builds / "a")  # the output directory that holds the state goes on as before
    assert again.returncode == 0, again.stderr
    assert state.read_text() == '{"version": 4, "serial": 7}\n'


def test_output_directories_in_different_folders_each_have_their_own_state(project, tmp_path):
    outdirs = [tmp_path / "one" / "out", tmp_path / "two" / "out"]
    for outdir in outdirs:
        outdir.parent.mkdir()
        result = run_synth(project, outdir)
        assert result.returncode == 0, result.stderr
    assert [backend_state(outdir) for outdir in outdirs] == [
        tmp_path / "one" / f"terraform.{STACK}.tfstate",
        tmp_path / "two" / f"terraform.{STACK}.tfstate",
    ]


def test_terraform_writes_the_state_beside_the_real_output_directory(tmp_path):
    """Through a symbolic link to the output directory, and with the shell's PWD naming the link, Terraform still
    resolves the relative path from the real stack directory: local_state_file follows links for that reason."""
    real = tmp_path / "real" / "out"
    stack_dir = real / "stacks" / "s"
    stack_dir.mkdir(parents=True)
    (tmp_path / "link").symlink_to(real)
    backend = {"local": {"path": LOCAL_STATE_PATH.format(stack="s")}}
    (stack_dir / "cdk.tf.json").write_text(
        json.dumps({"terraform": {"backend": backend}, "output": {"x": {"value": 1}}})
    )
    logical = tmp_path / "link" / "stacks" / "s"
    env = {**os.environ, "PWD": str(logical), "CHECKPOINT_DISABLE": "1"}
    for command in (["terraform", "init", "-input=false"], ["terraform", "apply", "-auto-approve", "-input=false"]):
        result = subprocess.run(command, cwd=logical, env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
    expected = local_state_file(tmp_path / "link", "s")
    assert expected == tmp_path / "real" / "terraform.s.tfstate"
    assert json.loads(expected.read_text())["outputs"]["x"]["value"] == 1
    assert not (tmp_path / "terraform.s.tfstate").exists()


def synthesized(outdir: Path, stack: str, backend: dict) -> Path:
    """A stack JSON as synth writes it, reduced to its backend block."""
    (outdir / "stacks" / stack).mkdir(parents=True)
    (outdir / "stacks" / stack / "cdk.tf.json").write_text(json.dumps({"terraform": {"backend": backend}}))
    return outdir


LOCAL = {"local": {"path": LOCAL_STATE_PATH.format(stack=STACK)}}


def test_a_sibling_with_the_same_local_state_is_refused_and_others_are_not(tmp_path):
    ours = tmp_path / "ours"
    synthesized(tmp_path / "other", STACK, LOCAL)
    with pytest.raises(OutputDirError, match=re.escape(f"output directory {tmp_path / 'other'} uses that file too")):
        refuse_shared_state(ours, [STACK])
    refuse_shared_state(ours, [])  # every stack in S3: no local state to share
    refuse_shared_state(ours, ["dev"])  # another stack's state file


def test_siblings_that_do_not_share_the_state_file_are_accepted(tmp_path):
    ours = synthesized(tmp_path / "ours", STACK, LOCAL)
    synthesized(tmp_path / "in-s3", STACK, {"s3": {"bucket": "team-state", "key": f"aurora-web/{STACK}.tfstate"}})
    synthesized(tmp_path / "elsewhere", STACK, {"local": {"path": f"/srv/state/terraform.{STACK}.tfstate"}})
    synthesized(tmp_path / "torn", STACK, LOCAL)
    (tmp_path / "torn" / "stacks" / STACK / "cdk.tf.json").write_text('{"terraform": ')
    (tmp_path / "link-to-ours").symlink_to(ours)  # the same directory under a second name
    synthesized(tmp_path / ".ours.synth-abc123", STACK, LOCAL)  # an older version's leftover: synth names it
    (tmp_path / f"terraform.{STACK}.tfstate").write_text("{}\n")  # the state itself, and any other file
    refuse_shared_state(ours, [STACK])
    refuse_shared_state(tmp_path / "link-to-ours", [STACK])


def test_a_sibling_reached_through_a_link_is_judged_where_it_points(tmp_path):
    (tmp_path / "builds").mkdir()
    synthesized(tmp_path / "elsewhere" / "out", STACK, LOCAL)
    (tmp_path / "builds" / "linked").symlink_to(tmp_path / "elsewhere" / "out")
    refuse_shared_state(tmp_path / "builds" / "ours", [STACK])  # its state is elsewhere/terraform.<stack>.tfstate
    synthesized(tmp_path / "elsewhere" / "ours", STACK, LOCAL)
    (tmp_path / "builds" / "ours").symlink_to(tmp_path / "elsewhere" / "ours")
    with pytest.raises(
        OutputDirError,
        match=re.escape(
            f"in {tmp_path}/elsewhere/terraform.{STACK}.tfstate, and output directory {tmp_path}/elsewhere/out"
        ),
    ):
        refuse_shared_state(tmp_path / "builds" / "ours", [STACK])  # really under elsewhere/, beside out


def test_the_bad_input_doc_shows_the_real_refusal(tmp_path):
    """docs/bad-input.md's row for this refusal is the message as it is (paths shown as …)."""
    synthesized(tmp_path / "a", "dev", {"local": {"path": LOCAL_STATE_PATH.format(stack="dev")}})
    with pytest.raises(OutputDirError) as raised:
        refuse_shared_state(tmp_path / "b", ["dev"])
    message = str(raised.value).replace(str(tmp_path), "…")
    row = (
        "| a second output directory under the same parent, with a stack of the same name on the local backend "
        f"| 2 | `{message}` |"
    )
    assert row in (PROJECT_ROOT / "docs" / "bad-input.md").read_text()
