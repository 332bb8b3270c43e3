"""Personal data in free text: find it, and make a redacted version.

Client feedback is anonymous (DESIGN.md, "Feedback"), so before a text is saved it is
checked for what identifies a person:

- Estonian personal codes (isikukood): 11 digits whose last digit is the check digit
  of the standard two-pass rule (weights 1..9,1; when the remainder is 10, weights
  3..9,1,2,3; when it is 10 again, the check digit is 0);
- e-mail addresses;
- phone numbers: +372 / 00372 with 7 or 8 digits, and local numbers of 7 or 8 digits
  beginning with 5 (mobile), 6 or 7 (landline), written together or in two groups;
- names of people and providers from the provider and specialist lists (full names,
  with an Estonian case ending allowed on each word: "Mari Tammega").

`scan` is a pure function of the text and the list of names; `known_names` reads the
names from the database. Nothing here decides whether a text may be saved: the feedback
service refuses client feedback with findings, and the page offers the redacted text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session, select

from core.models import Provider, Specialist


class Kind(StrEnum):
    PERSONAL_CODE = "personal_code"
    EMAIL = "email"
    PHONE = "phone"
    NAME = "name"


# What a finding is replaced with in the stored text (the stored language is Estonian).
PLACEHOLDER: dict[Kind, str] = {
    Kind.PERSONAL_CODE: "[isikukood]",
    Kind.EMAIL: "[e-post]",
    Kind.PHONE: "[telefon]",
    Kind.NAME: "[nimi]",
}

_WEIGHTS_1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 1)
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 1, 2, 3)

_PERSONAL_CODE = re.compile(r"(?<!\d)[1-8]\d{10}(?!\d)")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
_PHONE_INTL = re.compile(r"(?<![\d+])(?:\+|00)\s?372[\s-]?(?:\d[\s-]?){6,7}\d(?!\d)")
_PHONE_LOCAL = re.compile(r"(?<![\d+])[5-7]\d{2,3}[\s-]?\d{3,4}(?![\d])")
# Legal forms are not part of how people write a provider's name in a sentence.
_LEGAL_FORM = re.compile(r"\b(OÜ|AS|MTÜ|FIE|SA|TÜ|UÜ)\b\.?", re.IGNORECASE)
CASE_ENDING = r"[^\W\d_]{0,5}"
STEM_CHANGE = r"[^\W\d_]{0,2}"


@dataclass(frozen=True)
class Finding:
    kind: Kind
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Report:
    """What `scan` found, in text order, and the text with every finding replaced."""

    findings: tuple[Finding, ...]
    redacted: str

    @property
    def clean(self) -> bool:
        return not self.findings

    def kinds(self) -> list[Kind]:
        return sorted({finding.kind for finding in self.findings}, key=list(Kind).index)


def personal_code_valid(code: str) -> bool:
    """True for 11 digits with a correct check digit (the century digit must be 1–8)."""
    if len(code) != 11 or not code.isdigit() or code[0] not in "12345678":
        return False
    digits = [int(char) for char in code]
    remainder = sum(d * w for d, w in zip(digits[:10], _WEIGHTS_1, strict=True)) % 11
    if remainder == 10:
        remainder = sum(d * w for d, w in zip(digits[:10], _WEIGHTS_2, strict=True)) % 11
        if remainder == 10:
            remainder = 0
    return remainder == digits[10]


def _digit_count(text: str) -> int:
    return sum(char.isdigit() for char in text)


def _name_pattern(name: str) -> re.Pattern[str] | None:
    words = [word for word in re.split(r"\s+", _LEGAL_FORM.sub(" ", name).strip()) if word]
    if not words or (len(words) == 1 and len(words[0]) < 4):
        return None
    # Every word of a name declines in Estonian (Jaan Tamm -> Jaani Tammega); the last
    # word carries the case ending, the others at most a stem change.
    inner = [re.escape(word) + STEM_CHANGE for word in words[:-1]]
    body = r"[\s-]+".join([*inner, re.escape(words[-1]) + CASE_ENDING])
    return re.compile(rf"(?<![^\W_]){body}(?![^\W_])", re.IGNORECASE)


def _name_patterns(names: Iterable[str]) -> list[re.Pattern[str]]:
    # Longer names first, so that "Mari Tamm-Saar" wins over "Mari Tamm".
    unique = sorted({name.strip() for name in names if name and name.strip()}, key=len)
    patterns = [_name_pattern(name) for name in reversed(unique)]
    return [pattern for pattern in patterns if pattern is not None]


def scan(text: str, names: Iterable[str] = ()) -> Report:
    """Every piece of personal data in `text`, and the text with each one replaced."""
    candidates: list[Finding] = []
    for match in _EMAIL.finditer(text):
        candidates.append(Finding(Kind.EMAIL, match.start(), match.end(), match.group()))
    for match in _PERSONAL_CODE.finditer(text):
        if personal_code_valid(match.group()):
            candidates.append(
                Finding(Kind.PERSONAL_CODE, match.start(), match.end(), match.group())
            )
    for match in _PHONE_INTL.finditer(text):
        prefix = 5 if match.group().startswith("00") else 3  # 00372 or +372
        if _digit_count(match.group()) - prefix in (7, 8):
            candidates.append(Finding(Kind.PHONE, match.start(), match.end(), match.group()))
    for match in _PHONE_LOCAL.finditer(text):
        if _digit_count(match.group()) in (7, 8):
            candidates.append(Finding(Kind.PHONE, match.start(), match.end(), match.group()))
    for pattern in _name_patterns(names):
        for match in pattern.finditer(text):
            candidates.append(Finding(Kind.NAME, match.start(), match.end(), match.group()))
    # The first (in this order of kinds) of overlapping findings wins.
    taken: list[Finding] = []
    for finding in candidates:
        if all(finding.end <= other.start or finding.start >= other.end for other in taken):
            taken.append(finding)
    taken.sort(key=lambda finding: finding.start)
    parts: list[str] = []
    position = 0
    for finding in taken:
        parts.append(text[position : finding.start])
        parts.append(PLACEHOLDER[finding.kind])
        position = finding.end
    parts.append(text[position:])
    return Report(tuple(taken), "".join(parts))


def known_names(session: Session) -> list[str]:
    """Names of people and providers the coordinator keeps: specialists, contact persons,
    and providers (a sole proprietor's business name is a person's name)."""
    names: list[str] = list(session.exec(select(Specialist.name)))
    for provider_name, contact in session.exec(select(Provider.name, Provider.contact_person)):
        names.append(provider_name)
        if contact:
            names.append(contact)
    return names
