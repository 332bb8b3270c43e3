"""The page list: key, file, label, permission and icon. The sidebar shows what a role may open."""

from __future__ import annotations

from dataclasses import dataclass

from core.permissions import Actor, Permission


@dataclass(frozen=True)
class PageSpec:
    key: str
    path: str
    label_key: str
    permission: Permission | None
    icon: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "overview", "app.py", "nav.overview", Permission.VIEW_OVERVIEW, ":material/dashboard:"
    ),
    PageSpec(
        "providers",
        "pages/1_Providers.py",
        "nav.providers",
        Permission.VIEW_RECORDS,
        ":material/groups:",
    ),
    PageSpec(
        "account",
        "pages/8_Account.py",
        "nav.account",
        Permission.CHANGE_OWN_PASSWORD,
        ":material/person:",
    ),
    PageSpec(
        "admin",
        "pages/9_Admin.py",
        "nav.admin",
        Permission.MANAGE_USERS,
        ":material/admin_panel_settings:",
    ),
)
BY_KEY = {spec.key: spec for spec in PAGES}


def allowed_pages(actor: Actor) -> list[PageSpec]:
    return [spec for spec in PAGES if spec.permission is None or actor.can(spec.permission)]


def page_for(actor: Actor, key: str | None) -> PageSpec | None:
    """The page behind a key, when it exists and this actor may open it."""
    spec = BY_KEY.get(key or "")
    if spec is None or (spec.permission is not None and not actor.can(spec.permission)):
        return None
    return spec


def url_path(spec: PageSpec) -> str:
    """The browser path Streamlit gives a page file: "pages/1_Providers.py" -> "/Providers"."""
    if spec.path == "app.py":
        return "/"
    stem = spec.path.rsplit("/", 1)[-1].removesuffix(".py")
    return "/" + stem.split("_", 1)[-1]
