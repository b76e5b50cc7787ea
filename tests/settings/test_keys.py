"""Issue 22: a generated key never lands in a repository through a symlink, and a key another user could have made
or read is never adopted. The bad-input table shows each message; these tests cover what a table row cannot."""

import os

import pytest

from aurora_web.settings.stacks import stack_config_from_document
from tests.settings.test_files import only_line
from tests.support.key_files import (
    ANOTHER_USER,
    KEY_NAME,
    git_repository,
    planted_key,
    world_writable,
    write_key_pair,
)
from tests.support.paths import PROJECT_ROOT


def test_a_symlink_is_judged_by_where_it_points(tmp_path):
    """The same directory is refused whether written directly or through a link; a link to an ignored one works."""
    repo = git_repository(tmp_path / "repo")
    (repo / ".gitignore").write_text("ignored/\n")
    for name in ("keys", "ignored"):
        (repo / name).mkdir(mode=0o700)
        (tmp_path / f"link-to-{name}").symlink_to(repo / name)
    direct = only_line(lambda: stack_config_from_document({"web": {"key_directory": str(repo / "keys")}}))
    linked = only_line(lambda: stack_config_from_document({"web": {"key_directory": str(tmp_path / "link-to-keys")}}))
    why = (
        f"inside the git work tree {repo} and not git-ignored: git add would pick up the private key; "
        "add the directory to .gitignore, or choose one outside the project (e.g. ~/.ssh/aurora-web)"
    )
    assert direct == f"web.key_directory = '{repo / 'keys'}': is {why}"
    assert linked == f"web.key_directory = '{tmp_path / 'link-to-keys'}': resolves to {repo / 'keys'}, which is {why}"
    config = stack_config_from_document({"web": {"key_directory": str(tmp_path / "link-to-ignored")}})
    assert config.key_pair.key_directory == str(tmp_path / "link-to-ignored")


def test_a_symlink_into_this_project_is_refused_before_any_key_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keys").symlink_to(PROJECT_ROOT / "docs")
    line = only_line(lambda: stack_config_from_document({"web": {"key_directory": "keys"}}))
    assert line.startswith(f"web.key_directory = 'keys': resolves to {PROJECT_ROOT / 'docs'}, which is inside")
    assert not (PROJECT_ROOT / "docs" / f"{KEY_NAME}.pem").exists()


@pytest.mark.parametrize("sticky", [False, True], ids=["0777", "1777"])
def test_a_planted_key_in_a_shared_directory_is_refused_not_adopted(tmp_path, monkeypatch, capsys, sticky):
    """The issue's case: synth used to warn about the mode, then register the planted key. The sticky bit does not
    help: it stops others removing our files, not placing theirs under the key's name before we write it."""
    from aurora_web import synth_command

    shared = tmp_path / "shared"
    world_writable(shared, sticky=sticky)
    planted_key(shared)
    settings = tmp_path / "settings.toml"
    settings.write_text(f'[web]\nkey_directory = "{shared}"\n')
    monkeypatch.setenv("AURORA_WEB_CONFIG", str(settings))
    monkeypatch.setenv("CDKTF_OUTDIR", str(tmp_path / "out"))
    assert synth_command.main([], "main.py", project_root=PROJECT_ROOT) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[1:] == [
        f"  web.key_directory = '{shared}': is writable by other users (mode {0o1777 if sticky else 0o777:04o}), "
        f"who could plant or swap the key in it; chmod 700 {shared}, or choose a directory of your own"
    ]
    assert not (tmp_path / "out").exists(), "nothing was synthesized, so no planted key was registered"


@pytest.mark.parametrize("which", ["pem", "pub"])
def test_either_file_of_the_pair_owned_by_another_user_is_refused(tmp_path, which):
    files = dict(zip(["pem", "pub"], write_key_pair(tmp_path / "keys"), strict=True))
    os.chown(files[which], ANOTHER_USER, ANOTHER_USER)
    line = only_line(lambda: stack_config_from_document({"web": {"key_directory": str(tmp_path / "keys")}}))
    assert line == (
        f"web.key_directory = '{tmp_path / 'keys'}': holds {files[which]}, owned by another user (uid {ANOTHER_USER}): "
        "synth would register a key they may hold; remove the key pair's files, or choose a directory of your own"
    )


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o400])
def test_a_private_key_only_its_owner_can_read_is_required(tmp_path, mode):
    private, _ = write_key_pair(tmp_path / "keys", mode=mode)
    load = lambda: stack_config_from_document({"web": {"key_directory": str(tmp_path / "keys")}})  # noqa: E731
    if mode & 0o077:
        assert only_line(load).endswith(
            f"holds {private} with mode {mode:04o}: other users can read the private key; chmod 600 it"
        )
    else:
        assert load().key_pair.key_directory == str(tmp_path / "keys"), "0400 is as private as 0600"


def test_a_matching_pair_made_elsewhere_is_reused_whatever_its_comment(tmp_path):
    write_key_pair(tmp_path / "keys")  # its .pub carries a comment, as ssh-keygen's does
    assert stack_config_from_document({"web": {"key_directory": str(tmp_path / "keys")}}).key_pair is not None


def test_a_group_writable_key_directory_is_refused(tmp_path):
    keys = tmp_path / "keys"
    keys.mkdir()
    keys.chmod(0o770)
    line = only_line(lambda: stack_config_from_document({"web": {"key_directory": str(keys)}}))
    assert "is writable by other users (mode 0770)" in line
