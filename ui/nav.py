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
        "calendar",
        "pages/2_Calendar.py",
        "nav.calendar",
        Permission.VIEW_RECORDS,
        ":material/calendar_month:",
    ),
    PageSpec(
        "feedback",
        "pages/3_Feedback.py",
        "nav.feedback",
        Permission.VIEW_STATISTICS,
        ":material/forum:",
    ),
    PageSpec(
        "proposals",
        "pages/11_Proposals.py",
        "nav.proposals",
        Permission.VIEW_RECORDS,
        ":material/lightbulb:",
    ),
    PageSpec("due", "pages/4_Due.py", "nav.due", Permission.VIEW_RECORDS, ":material/checklist:"),
    PageSpec(
        "materials",
        "pages/5_Materials.py",
        "nav.materials",
        Permission.VIEW_RECORDS,
        ":material/menu_book:",
    ),
    PageSpec(
        "partners",
        "pages/6_Partners.py",
        "nav.partners",
        Permission.VIEW_RECORDS,
        ":material/handshake:",
    ),
    PageSpec("tasks", "pages/7_Tasks.py", "nav.tasks", Permission.VIEW_RECORDS, ":material/task:"),
    PageSpec(
        "contracts",
        "pages/12_Contracts.py",
        "nav.contracts",
        Permission.VIEW_RECORDS,
        ":material/contract:",
    ),
    PageSpec(
        "statistics",
        "pages/10_Statistics.py",
        "nav.statistics",
        Permission.VIEW_STATISTICS,
        ":material/insights:",
    ),
    PageSpec(
        "meeting",
        "pages/14_Meeting.py",
        "nav.meeting",
        Permission.VIEW_STATISTICS,
        ":material/co_present:",
    ),
    PageSpec(
        "reports",
        "pages/13_Reports.py",
        "nav.reports",
        Permission.VIEW_STATISTICS,
        ":material/summarize:",
    ),
    PageSpec(
        "import",
        "pages/15_Import.py",
        "nav.import",
        Permission.IMPORT_DATA,
        ":material/upload_file:",
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
