"""fast_import.warm_up: the app's own import finds what the background thread loaded, or meets its error."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def run(tmp_path: Path, modules: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh interpreter that can import the project and the given modules."""
    for name, source in modules.items():
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=tmp_path,
        env={"PYTHONPATH": f"{tmp_path}:{PROJECT_ROOT}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_main_thread_gets_the_module_the_background_loaded_once(tmp_path):
    slow = """
        import threading, time
        LOADED_ON = threading.current_thread().name
        time.sleep(0.5)  # the main thread asks for it meanwhile
        with open("runs", "a") as handle:
            handle.write("ran\\n")
        READY = True
    """
    result = run(
        tmp_path,
        {"slow": slow},
        """
        from aurora_web.fast_import import warm_up
        warm_up.start(("slow",))
        import slow  # waits for the background import instead of running the module a second time
        print(slow.READY, slow.LOADED_ON)
        warm_up.finish()
        """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "aurora-web-warm-up"]
    assert (tmp_path / "runs").read_text() == "ran\n"


def test_a_failed_background_import_is_silent_and_the_apps_import_raises_it(tmp_path):
    result = run(
        tmp_path,
        {"broken": "raise ValueError('the settings library cannot load')\n"},
        """
        import sys
        from aurora_web.fast_import import warm_up
        warm_up.start(("broken", "json_never_reached"))
        warm_up.finish()
        print("broken" in sys.modules, "json_never_reached" in sys.modules)
        try:
            import broken
        except ValueError as error:
            print("app sees:", error)
        """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["False False", "app sees: the settings library cannot load"]
    assert result.stderr == ""  # nothing from the thread: the app reports it, once, its own way


def test_nothing_starts_for_modules_already_imported(tmp_path):
    result = run(
        tmp_path,
        {},
        """
        import json, threading
        from aurora_web.fast_import import warm_up
        warm_up.start(("json",))
        print(threading.active_count(), warm_up._threads)
        """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "[]"]
