"""Pearson's data rules for a registration row (DOMAIN.md), as plain functions.

Names go to Pearson upper-cased, using only A–Z ' . : ( ) / - and spaces; first names ≤ 20
characters, last names ≤ 30. Accented letters are transliterated (Zoë → ZOE) only with the
officer's confirmation: `pearson_name` says when a transliteration was needed.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from core.validators import is_valid_uln

FIRST_NAMES_MAX = 20
LAST_NAMES_MAX = 30
_ALLOWED = re.compile(r"^[A-Z'.:()/\- ]*$")
# Letters that do not decompose into a base letter plus an accent.
_SPECIAL = {"ß": "SS", "Æ": "AE", "æ": "AE", "Ø": "O", "ø": "O", "Œ": "OE", "œ": "OE", "Ł": "L", "ł": "L",
            "Đ": "D", "đ": "D", "Þ": "TH", "þ": "TH", "ı": "I", "’": "'", "‘": "'", "`": "'", "‐": "-", "–": "-"}


@dataclass
class NameCheck:
    original: str
    pearson: str
    transliterated: bool
    problems: list[str] = field(default_factory=list)


def pearson_name(text: str, *, label: str, max_length: int) -> NameCheck:
    """The name as Pearson must receive it, whether that needed a transliteration, and what is wrong."""
    original = re.sub(r"\s+", " ", (text or "").strip())
    upper = original.upper()
    plain = "".join(_SPECIAL.get(ch, ch) for ch in upper)
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", plain) if not unicodedata.combining(ch)).upper()
    check = NameCheck(original, plain, transliterated=False)
    # Curly apostrophes and dashes are typography, not accents: not a transliteration to confirm.
    check.transliterated = plain != upper.replace("’", "'").replace("‘", "'").replace("–", "-").replace("‐", "-")
    if not plain:
        check.problems.append(f"{label} is empty.")
    bad = sorted({ch for ch in plain if not _ALLOWED.match(ch)})
    if bad:
        check.problems.append(
            f"{label} “{original}” contains {' '.join(repr(c) for c in bad)}: Pearson accepts only letters A–Z, "
            "spaces and ' . : ( ) / -."
        )
    if len(plain) > max_length:
        check.problems.append(f"{label} “{plain}” is {len(plain)} characters; Pearson allows at most {max_length}.")
    return check


def needs_transliteration(text: str) -> bool:
    if text.isascii():
        return False  # fast path: plain A–Z names (almost all of a 5,000-row import)
    return pearson_name(text, label="", max_length=999).transliterated


@dataclass
class RowCheck:
    first: NameCheck
    last: NameCheck
    problems: list[str]

    @property
    def transliterations(self) -> list[tuple[str, str]]:
        return [(c.original, c.pearson) for c in (self.first, self.last) if c.transliterated]


def check_learner_for_pearson(learner, *, planned_completion_date: date | None, today: date) -> RowCheck:
    """Every Pearson data rule about the learner and the planned completion date."""
    first = pearson_name(learner.legal_first_name, label="First names", max_length=FIRST_NAMES_MAX)
    last = pearson_name(learner.legal_last_name, label="Last names", max_length=LAST_NAMES_MAX)
    problems = first.problems + last.problems
    if learner.sex not in ("M", "F"):
        problems.append("Sex must be M or F.")
    if not learner.date_of_birth or learner.date_of_birth >= today:
        problems.append("Date of birth must be in the past.")
    if learner.uln:
        if not is_valid_uln(learner.uln):
            problems.append(f"ULN {learner.uln} is not a valid ULN.")
    elif not learner.uln_not_yet_known:
        problems.append("Enter the ULN, or record that it is not yet known.")
    if planned_completion_date is not None and planned_completion_date <= today:
        problems.append(f"The planned completion date ({planned_completion_date:%d/%m/%Y}) must be in the future.")
    return RowCheck(first, last, problems)
