"""Data import of cases, sessions and outcome measures: mapping, preview, row problems."""

from core.permissions import Permission
from ui import case_import, guard

actor = guard.page(Permission.IMPORT_DATA, title_key="import.title")
case_import.import_page(actor)
