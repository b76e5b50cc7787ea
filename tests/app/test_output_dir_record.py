"""The ownership record cannot steer a delete (issue 22): it is checked before it is believed, and a delete removes
only a regular file whose sha256 is the recorded one, reached without following a symbolic link.

Each case edits the record as a careless or hostile user would, then runs a synth that no longer has stack `old`.
"""

import hashlib
import json
from pathlib import Path

from aurora_web import output_dir
from tests.app.test_synth import synth


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def record_of(outdir: Path) -> dict:
    return json.loads((outdir / output_dir.RECORD).read_text())


def write_record(outdir: Path, data: dict, *, fix_checksum: bool) -> None:
    """Write an edited record; a hostile user recomputes its checksum the way synth does."""
    if fix_checksum:
        body = {key: value for key, value in data.items() if key != "checksum"}
        data = {**body, "checksum": output_dir._checksum(body)}
    (outdir / output_dir.RECORD).write_text(json.dumps(data))


def test_a_hand_edit_fails_the_checksum_the_record_is_ignored_with_one_line_and_nothing_is_deleted(tmp_path, capfd):
    outdir = tmp_path / "out"
    synth(outdir, ["dev", "old"])
    notes = outdir / "notes.txt"
    notes.write_text("mine\n")
    data = record_of(outdir)
    data["files"]["notes.txt"] = sha256(notes)
    write_record(outdir, data, fix_checksum=False)
    capfd.readouterr()
    synth(outdir, ["dev"])
    err = capfd.readouterr().err
    assert err.count("\n") == 1 and "ignoring" in err and "checksum" in err and "deletes nothing" in err, err
    assert notes.read_text() == "mine\n"
    assert (outdir / "stacks/old/cdk.tf.json").is_file()  # even ours: that synth deletes nothing
    assert record_of(outdir)["checksum"]  # a new, valid record
    assert "notes.txt" not in record_of(outdir)["files"]


def test_a_state_file_named_in_a_record_with_a_valid_checksum_is_still_refused(tmp_path, capfd):
    outdir = tmp_path / "out"
    synth(outdir, ["dev", "old"])
    state = outdir / "stacks/old/terraform.tfstate"
    state.write_text('{"version": 4}\n')
    data = record_of(outdir)
    data["files"]["stacks/old/terraform.tfstate"] = sha256(state)
    write_record(outdir, data, fix_checksum=True)
    capfd.readouterr()
    synth(outdir, ["dev"])
    assert "is not a path synth writes" in capfd.readouterr().err
    assert state.read_text() == '{"version": 4}\n'


def test_a_symlinked_folder_in_the_record_never_leads_a_delete_outside(tmp_path, capfd):
    outdir = tmp_path / "out"
    synth(outdir, ["dev"])
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    victim = outside / "cdk.tf.json"
    victim.write_text("a user's file outside the output directory\n")
    (outdir / "stacks/old").symlink_to(outside, target_is_directory=True)
    data = record_of(outdir)
    data["files"]["stacks/old/cdk.tf.json"] = sha256(victim)  # shaped like ours, hash right, checksum right
    data["dirs"].append("stacks/old")
    data["stacks"].append("old")
    write_record(outdir, data, fix_checksum=True)
    synth(outdir, ["dev"])
    assert victim.read_text() == "a user's file outside the output directory\n"
    assert (outdir / "stacks/old").is_symlink()


def test_a_file_of_ours_changed_since_we_wrote_it_is_not_deleted(tmp_path):
    outdir = tmp_path / "out"
    synth(outdir, ["dev", "old"])
    ours_then = outdir / "stacks/old/cdk.tf.json"
    ours_then.write_text('{"edited": "by the user"}\n')
    installed = synth(outdir, ["dev"])
    assert ours_then.read_text() == '{"edited": "by the user"}\n'
    assert "stacks/old" in installed.kept


def test_delete_if_ours_needs_the_recorded_hash_a_regular_file_and_no_link(tmp_path):
    outdir = tmp_path / "out"
    (outdir / "stacks/s").mkdir(parents=True)
    target = outdir / "stacks/s/cdk.tf.json"
    target.write_text("x")
    (outdir / "stacks/link").symlink_to(outdir / "stacks/s")
    (outdir / "stacks/s/alias.json").symlink_to(target)
    assert not output_dir.delete_if_ours(outdir, "stacks/s/cdk.tf.json", "0" * 64)  # wrong hash
    assert not output_dir.delete_if_ours(outdir, "stacks/link/cdk.tf.json", sha256(target))  # through a link
    assert not output_dir.delete_if_ours(outdir, "stacks/s/alias.json", sha256(target))  # a link itself
    assert target.exists()
    assert output_dir.delete_if_ours(outdir, "stacks/s/cdk.tf.json", sha256(target))
    assert not target.exists()


def test_a_record_of_the_previous_format_is_read_and_rewritten_with_its_checksum(tmp_path, capfd):
    outdir = tmp_path / "out"
    synth(outdir, ["dev", "old"])
    data = {key: value for key, value in record_of(outdir).items() if key != "checksum"}
    write_record(outdir, {**data, "format": 1}, fix_checksum=False)
    capfd.readouterr()
    synth(outdir, ["dev"])
    assert capfd.readouterr().err == ""
    assert not (outdir / "stacks/old").exists()  # trusted: our own files went as before
    assert record_of(outdir)["format"] == output_dir.RECORD_FORMAT
