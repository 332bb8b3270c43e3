"""Small-cell suppression: a count below k is never shown as a number.

DOMAIN.md: Statistics Estonia never publishes cells of 1 or 2; for victim data the
threshold k is a setting (default 5) and a hidden cell is shown as "<k". Zero is not a
disclosure (no person is behind it) and is shown as it is.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Count:
    """A count as a reader may see it: `value` is None when the cell is suppressed."""

    value: int | None
    k: int

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def display(self) -> str:
        return f"<{self.k}" if self.value is None else str(self.value)


def suppress(count: int, k: int) -> Count:
    return Count(None if 0 < count < k else count, k)
