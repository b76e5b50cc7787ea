"""Import pure-Python libraries on a background thread while the main thread waits for the jsii kernel.

Most of a synth's first second is Node: starting the jsii kernel, then loading the constructs, cdktf and
provider assemblies (cdktf's own JavaScript alone takes about a fifth of a second). The main thread waits for
those replies without holding the GIL, so another thread can meanwhile import what the settings path needs
next (pydantic and friends). Only libraries that never touch jsii may be warmed this way: the kernel's pipe is
not safe for two threads. Nothing else changes: the app's own `import` then finds the module loaded, or, if
the background import failed, runs it again and meets the same error where the app handles errors.
"""

from __future__ import annotations

import importlib
import sys
import threading

_threads: list[threading.Thread] = []


def start(modules: tuple[str, ...]) -> None:
    """Import `modules` in order on one daemon thread (those not imported yet)."""
    missing = [module for module in modules if module not in sys.modules]
    if not missing:
        return

    def load() -> None:
        for module in missing:
            try:
                importlib.import_module(module)
            except BaseException:  # the app's own import of it raises this again, where it is handled
                return

    thread = threading.Thread(target=load, name="aurora-web-warm-up", daemon=True)
    _threads.append(thread)
    thread.start()


def finish() -> None:
    """Wait for the background imports, so the process never exits in the middle of one."""
    while _threads:
        _threads.pop().join()
