"""Data import: cases, sessions and outcome measures from the case system's CSV or XLSX
export, with templates, column mapping, preview, row-level problems and progress."""

from core.permissions import Permission
from ui import case_import, guard

actor = guard.page(Permission.IMPORT_DATA, title_key="import.title")
case_import.import_page(actor)
