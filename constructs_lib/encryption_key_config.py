"""The KMS key's settings: a frozen, validated config, kept apart from the construct so that
reading or checking them never loads provider classes (constructs_lib/encryption_key.py builds from it)."""

from __future__ import annotations

from dataclasses import dataclass

from .limits import KEY_DELETION_WINDOW_DAYS
from .validation import ProblemList, is_int


@dataclass(frozen=True)
class EncryptionKeyConfig:
    """name: the key's alias is alias/<name>. deletion_window_days: 7 to 30, default 30 (the safest).
    prevent_destroy: Terraform's lifecycle.prevent_destroy on the key (data under it is unreadable without it).
    Default False."""

    name: str = "aurora-web"
    deletion_window_days: int = KEY_DELETION_WINDOW_DAYS.high
    prevent_destroy: bool = False

    def __post_init__(self) -> None:
        problems = ProblemList()
        problems.check(
            is_int(self.deletion_window_days) and KEY_DELETION_WINDOW_DAYS.holds(self.deletion_window_days),
            "deletion_window_days",
            self.deletion_window_days,
            f"must be an integer {KEY_DELETION_WINDOW_DAYS.text}",
        )
        problems.check_booleans(self, "prevent_destroy")
        problems.raise_if_any()
