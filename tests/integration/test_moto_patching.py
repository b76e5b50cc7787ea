"""tests/support/moto_patching.py: an install() that runs again does not wrap moto's method twice."""

from __future__ import annotations

from tests.support.moto_patching import wrap_once


def test_a_method_is_wrapped_once_however_often_install_runs():
    class Backend:
        def answer(self) -> list[str]:
            return ["moto"]

    def tagged(method):
        return lambda self: [*method(self), "ours"]

    wrap_once(Backend, "answer", tagged)
    wrap_once(Backend, "answer", tagged)
    assert Backend().answer() == ["moto", "ours"]
