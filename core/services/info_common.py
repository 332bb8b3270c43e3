"""Small helpers shared by the information-management services (materials, partners, tasks).

Validation problems name fields with an area prefix (`material_title`, `task_due_on`), so
that their labels and messages live in core/i18n/areas/information.py and never collide
with another area's keys.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from core.dates import local_today
from core.errors import ValidationFailed

Problem = tuple[str, str, dict[str, Any]]


tallinn_today = local_today


def problems_from(error: ValidationError, prefix: str) -> list[Problem]:
    """One problem per offending field: (`<prefix>_<field>`, `invalid.<prefix>_<field>`)."""
    problems: list[Problem] = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "value"
        name = f"{prefix}_{field}"
        if all(existing[0] != name for existing in problems):
            problems.append((name, f"invalid.{name}", {}))
    return problems


def validated(model: type[BaseModel], data: dict[str, Any], prefix: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed(problems_from(error, prefix)) from error


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value
