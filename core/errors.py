"""Domain errors. Each carries a message key and parameters; pages translate them."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class: `key` names a message in core.i18n, `params` fill it in."""

    key = "error.generic"

    def __init__(self, key: str | None = None, **params: Any) -> None:
        self.key = key or self.key
        self.params = params
        super().__init__(f"{self.key} {params}" if params else self.key)


class PermissionDenied(DomainError):
    key = "error.permission_denied"


class NotFound(DomainError):
    key = "error.not_found"


class ConflictError(DomainError):
    """Someone else saved the record after it was loaded; nothing was written."""

    key = "error.conflict"


class ValidationFailed(DomainError):
    """Input was refused. `problems` lists (field or row, message key, params)."""

    key = "error.validation"

    def __init__(self, problems: list[tuple[str, str, dict[str, Any]]]) -> None:
        self.problems = problems
        super().__init__(self.key, count=len(problems))

    @classmethod
    def from_pydantic(cls, error: Any, *, prefix: str = "") -> ValidationFailed:
        """One problem per offending field, keyed `invalid.<field>` (first error wins)."""
        problems: list[tuple[str, str, dict[str, Any]]] = []
        for item in error.errors():
            field = str(item["loc"][0]) if item["loc"] else "value"
            if all(existing[0] != prefix + field for existing in problems):
                problems.append((prefix + field, f"invalid.{field}", {}))
        return cls(problems)
