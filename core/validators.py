"""Identifier rules from DOMAIN.md, as plain functions and Django validators.

Each `is_valid_*` answers True/False; each `validate_*` raises ValidationError with a message that
names the rule, so forms and imports can show it as it is.
"""

import re

from django.core.exceptions import ValidationError

ULN_NOT_KNOWN = "9999999999"
UCI_CHECK_LETTERS = "ABCDEFGHKLMRTVWXY"
# DOMAIN.md values digits "by value"; the only letter allowed before the check letter is the
# international marker 'B' in position 6. Pearson does not publish its value: we use 11
# (as in base-36 style numbering, B = 11). *Unverified*; only international UCIs depend on it.
UCI_LETTER_VALUES = {"B": 11}

_ULN_RE = re.compile(r"^[1-9]\d{9}$")
_UCI_RE = re.compile(r"^\d{5}[0B]\d{2}\d{4}[A-Z]$")
_CANDIDATE_RE = re.compile(r"^\d{4}$")
_CENTRE_RE = re.compile(r"^\d{5}$")
_QAN_RE = re.compile(r"^\d{3}/\d{4}/[0-9X]$")
_ACADEMIC_YEAR_RE = re.compile(r"^(\d{4})/(\d{2})$")


def uln_checksum_ok(value: str) -> bool:
    total = sum(int(d) * (11 - i) for i, d in enumerate(value, start=1))
    return total % 11 == 10


def is_valid_uln(value: str) -> bool:
    return bool(_ULN_RE.match(value or "")) and uln_checksum_ok(value)


def validate_uln(value: str) -> None:
    if value == ULN_NOT_KNOWN:
        raise ValidationError(
            "ULN 9999999999 means “not known”: tick “ULN not yet known” instead of entering it.",
            code="uln_not_known",
        )
    if not _ULN_RE.match(value or ""):
        raise ValidationError(
            "A ULN is 10 digits and does not start with 0 (you entered “%(value)s”).",
            code="uln_format",
            params={"value": value},
        )
    if not uln_checksum_ok(value):
        raise ValidationError(
            "ULN “%(value)s” fails the ULN check digit rule: it is mistyped.",
            code="uln_checksum",
            params={"value": value},
        )


def uci_check_letter(first_twelve: str) -> str:
    total = 0
    for i, ch in enumerate(first_twelve, start=1):
        total += (int(ch) if ch.isdigit() else UCI_LETTER_VALUES[ch]) * (17 - i)
    return UCI_CHECK_LETTERS[total % 17]


def is_valid_uci(value: str) -> bool:
    value = value or ""
    return bool(_UCI_RE.match(value)) and uci_check_letter(value[:12]) == value[12]


def validate_uci(value: str) -> None:
    if not _UCI_RE.match(value or ""):
        raise ValidationError(
            "A UCI is 13 characters: centre number (5 digits), 0 or B, year (2 digits), "
            "candidate number (4 digits) and a check letter (you entered “%(value)s”).",
            code="uci_format",
            params={"value": value},
        )
    if uci_check_letter(value[:12]) != value[12]:
        raise ValidationError(
            "UCI “%(value)s” has the wrong check letter (expected %(letter)s): it is mistyped.",
            code="uci_checksum",
            params={"value": value, "letter": uci_check_letter(value[:12])},
        )


def validate_candidate_number(value: str) -> None:
    if not _CANDIDATE_RE.match(value or "") or value == "0000":
        raise ValidationError(
            "A candidate number is 4 digits from 0001 to 9999 (you entered “%(value)s”).",
            code="candidate_number",
            params={"value": value},
        )


def validate_centre_number(value: str) -> None:
    if not _CENTRE_RE.match(value or ""):
        raise ValidationError(
            "A centre number is 5 digits (you entered “%(value)s”).",
            code="centre_number",
            params={"value": value},
        )


def validate_qualification_number(value: str) -> None:
    if not _QAN_RE.match(value or ""):
        raise ValidationError(
            "A qualification number looks like 601/2977/3: three digits, four digits and a digit or X, "
            "separated by slashes (you entered “%(value)s”).",
            code="qualification_number",
            params={"value": value},
        )


def validate_academic_year(value: str) -> None:
    match = _ACADEMIC_YEAR_RE.match(value or "")
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise ValidationError(
            "An academic year is written like 2026/27 (you entered “%(value)s”).",
            code="academic_year",
            params={"value": value},
        )
