"""files.py and keys.py: the settings file and the files it names are read safely; a private key never lands
where `git add` picks it up. Every failure is one line naming the key, never a traceback or a hang."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aurora_web.settings.files import MAX_DEPTH, SETTINGS_FILE_LIMIT
from aurora_web.settings.stacks import load_app_config, stack_config_from_document
from constructs_lib.validation import ConfigError
from tests.support.paths import PROJECT_ROOT
from tests.support.synthesized import require_program


def only_line(load) -> str:
    with pytest.raises(ConfigError) as raised:
        load()
    (problem,) = raised.value.problems
    return problem.render()


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "settings.toml"
    os.mkfifo(fifo)
    assert "is a FIFO, not a regular file" in only_line(lambda: load_app_config(str(fifo)))


def test_a_device_is_refused_without_reading_it():
    assert "is a device or socket, not a regular file" in only_line(lambda: load_app_config("/dev/zero"))


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    huge = tmp_path / "settings.toml"
    with open(huge, "wb") as handle:
        handle.truncate(SETTINGS_FILE_LIMIT + 1)
    assert f"at most {SETTINGS_FILE_LIMIT} are read" in only_line(lambda: load_app_config(str(huge)))


@pytest.mark.parametrize(
    "text", ["a = " + "[" * 5000 + "]" * 5000, "a = " + "[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2)]
)
def test_deep_nesting_is_a_clear_error_not_a_recursion_error(tmp_path, text):
    settings = tmp_path / "settings.toml"
    settings.write_text(text)
    assert "is nested too deeply" in only_line(lambda: load_app_config(str(settings)))


def test_an_empty_config_variable_is_an_error_not_ignored(monkeypatch):
    monkeypatch.setenv("AURORA_WEB_CONFIG", "")
    assert only_line(load_app_config).startswith("AURORA_WEB_CONFIG = '': is set but empty")


def test_an_unknown_users_home_is_a_clear_error():
    line = only_line(lambda: stack_config_from_document({"web": {"public_key_path": "~nosuchuser/k.pub"}}))
    assert (
        line
        == "web.public_key_path = '~nosuchuser/k.pub': names the home of an unknown user nosuchuser that does not exist"
    )


@pytest.mark.parametrize("special", ["/dev/zero", "<fifo>"])
def test_public_key_files_are_regular_files_only(tmp_path, special):
    if special == "<fifo>":
        special = str(tmp_path / "key.pub")
        os.mkfifo(special)
    line = only_line(lambda: stack_config_from_document({"web": {"public_key_path": special}}))
    assert line.startswith("web.public_key_path = ") and "not a regular file" in line


@pytest.mark.parametrize("directory", ["", "keys", "docs"])
def test_a_key_directory_git_would_add_is_refused(monkeypatch, directory):
    monkeypatch.chdir(PROJECT_ROOT)
    line = only_line(lambda: stack_config_from_document({"web": {"key_directory": directory}}))
    assert line.startswith(f"web.key_directory = {directory!r}: ")
    assert "must name a directory" in line if directory == "" else "not git-ignored" in line


def test_tilde_is_expanded_and_ignored_or_outside_directories_are_accepted(monkeypatch, tmp_path):
    monkeypatch.chdir(PROJECT_ROOT)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert stack_config_from_document({"web": {"key_directory": "~/.keys"}}).key_pair.key_directory == str(
        tmp_path / ".keys"
    )
    assert stack_config_from_document({}).key_pair.key_directory == ".keys", ".keys/ is git-ignored"


def run_main(tmp_path: Path, text: str) -> subprocess.CompletedProcess:
    settings = tmp_path / "settings.toml"
    settings.write_text(text)
    env = {**os.environ, "AURORA_WEB_CONFIG": str(settings), "CDKTF_OUTDIR": str(tmp_path / "out")}
    return subprocess.run(
        [sys.executable, "main.py"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False, timeout=300
    )


def test_main_exits_2_with_one_line_per_problem_and_no_traceback(tmp_path):
    result = run_main(tmp_path, 'name_prefix = "' + "x" * 100_000 + '"\n[database]\ncluster_identifier = "Up"\n')
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].endswith("nothing was changed:") and "Traceback" not in result.stderr
    assert [line.split(" = ")[0].strip() for line in lines[1:]] == ["name_prefix", "database.cluster_identifier"]
    assert all(len(line) < 400 for line in lines)
    assert not (tmp_path / "out").exists()


def test_a_key_directory_under_a_file_or_with_an_unusable_key_is_refused_before_building(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")
    line = only_line(lambda: stack_config_from_document({"web": {"key_directory": f"{blocker}/keys"}}))
    assert line.endswith(f"cannot be created: {blocker} is a file, not a directory")
    ssh_keygen = require_program("ssh-keygen")
    subprocess.run(
        [ssh_keygen, "-q", "-t", "ed25519", "-N", "a passphrase", "-f", str(tmp_path / "aurora-web-key.pem")],
        check=True,
    )
    line = only_line(lambda: stack_config_from_document({"web": {"key_directory": str(tmp_path)}}))
    assert line.startswith("web.key_directory = ") and "is passphrase-protected" in line


def test_nothing_was_changed_is_never_claimed_after_a_key_was_made(tmp_path, monkeypatch, capsys):
    """A failure while building (after validation) may follow a key file made for an earlier stack."""
    from aurora_web import synth_command
    from constructs_lib import key_pair

    made = []
    real = key_pair.ensure_generated_key

    def first_works_then_fails(path):
        if made:
            raise OSError(28, "No space left on device")
        made.append(path)
        return real(path)

    monkeypatch.setattr(key_pair, "ensure_generated_key", first_works_then_fails)
    settings_file = tmp_path / "settings.toml"
    settings_file.write_text(f'[web]\nkey_directory = "{tmp_path / "keys"}"\n[environments.dev]\n[environments.prod]\n')
    monkeypatch.setenv("AURORA_WEB_CONFIG", str(settings_file))
    monkeypatch.setenv("CDKTF_OUTDIR", str(tmp_path / "out"))
    assert synth_command.main([], "main.py", project_root=PROJECT_ROOT) == 2
    stderr = capsys.readouterr().err
    assert made and made[0].exists(), "the first stack's key was made"
    assert "nothing was changed" not in stderr and "synth stopped; earlier output was kept:" in stderr


def test_loose_modes_are_warned_about_once(tmp_path, monkeypatch, capsys):
    from aurora_web import synth_command

    keys = tmp_path / "keys"
    keys.mkdir(mode=0o755)
    keys.chmod(0o755)
    settings_file = tmp_path / "settings.toml"
    settings_file.write_text(f'[web]\nkey_directory = "{keys}"\n[environments.dev]\n[environments.prod]\n')
    monkeypatch.setenv("AURORA_WEB_CONFIG", str(settings_file))
    monkeypatch.setenv("CDKTF_OUTDIR", str(tmp_path / "out"))
    assert synth_command.main([], "main.py", project_root=PROJECT_ROOT) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert warnings == [f"aurora-web: warning: {keys} has mode 0755: other users may read it; chmod 700 {keys}"]
