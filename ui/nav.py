"""The page list: file, label, permission and icon. The sidebar shows what a role may open."""

from __future__ import annotations

from dataclasses import dataclass

from core.permissions import Actor, Permission


@dataclass(frozen=True)
class PageSpec:
    path: str
    label_key: str
    permission: Permission | None
    icon: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("app.py", "nav.overview", Permission.VIEW_OVERVIEW, ":material/dashboard:"),
    PageSpec(
        "pages/8_Account.py", "nav.account", Permission.CHANGE_OWN_PASSWORD, ":material/person:"
    ),
    PageSpec(
        "pages/9_Admin.py", "nav.admin", Permission.MANAGE_USERS, ":material/admin_panel_settings:"
    ),
)


def allowed_pages(actor: Actor) -> list[PageSpec]:
    return [spec for spec in PAGES if spec.permission is None or actor.can(spec.permission)]
