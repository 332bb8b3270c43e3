"""Every message exists in both languages, and every key the code asks for exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.i18n import CATALOGUES, enum_label, t
from core.models import County, Language, QualificationKind, Role, ServiceForm

ROOT = Path(__file__).resolve().parents[2]
LITERAL_KEY = re.compile(r"""\b(?:tr|t)\(\s*f?["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""")


def test_both_catalogues_have_the_same_keys():
    et, en = CATALOGUES["et"], CATALOGUES["en"]
    assert sorted(set(et) - set(en)) == []
    assert sorted(set(en) - set(et)) == []


def test_no_message_is_empty():
    for lang, messages in CATALOGUES.items():
        assert [key for key, text in messages.items() if not text.strip()] == [], lang


def _keys_used_in_code() -> set[str]:
    keys = set()
    for folder in ("app.py", "pages", "ui", "core"):
        for path in [ROOT / folder] if folder.endswith(".py") else (ROOT / folder).rglob("*.py"):
            for match in LITERAL_KEY.finditer(path.read_text(encoding="utf-8")):
                if "{" not in match.group(0):
                    keys.add(match.group(1))
    return keys


def test_every_literal_key_in_the_code_exists():
    used = _keys_used_in_code()
    assert len(used) > 30
    assert sorted(used - set(CATALOGUES["et"])) == []


@pytest.mark.parametrize("enum", [Role, County, Language, ServiceForm, QualificationKind])
def test_enumerations_have_labels_in_both_languages(enum):
    for member in enum:
        for lang in CATALOGUES:
            assert enum_label(member, lang) != f"enum.{enum.__name__}.{member.value}"


def test_parameters_are_filled_in_and_missing_keys_show_themselves():
    assert t("alerts.more", "et", shown=3, total=7) == "Näidatud 3 teadet 7-st."
    assert t("no.such.key", "en") == "no.such.key"
