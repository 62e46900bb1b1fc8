import random

import pytest
from django.core.exceptions import ValidationError

from core.validators import (
    is_valid_uci,
    is_valid_uln,
    uci_check_letter,
    validate_academic_year,
    validate_candidate_number,
    validate_centre_number,
    validate_qualification_number,
    validate_uci,
    validate_uln,
)
from tests.factories import make_uci, next_valid_uln


class TestULN:
    @pytest.mark.parametrize("uln", ["9276308686", "1234567899"])
    def test_worked_examples_are_valid(self, uln):
        assert is_valid_uln(uln)
        validate_uln(uln)

    def test_worked_example_with_wrong_check_digit_fails(self):
        assert not is_valid_uln("9276308687")
        with pytest.raises(ValidationError, match="check digit"):
            validate_uln("9276308687")

    def test_not_known_value_is_refused_with_a_pointer_to_the_explicit_state(self):
        assert not is_valid_uln("9999999999")
        with pytest.raises(ValidationError, match="not yet known"):
            validate_uln("9999999999")

    @pytest.mark.parametrize("bad", ["", "123", "0276308686", "92763086860", "92763O8686", " 9276308686"])
    def test_wrong_shape_is_refused(self, bad):
        assert not is_valid_uln(bad)
        with pytest.raises(ValidationError):
            validate_uln(bad)

    def test_generated_valid_ulns_pass_and_every_single_digit_change_fails(self):
        rng = random.Random(7)
        for _ in range(200):
            uln = next_valid_uln()
            assert is_valid_uln(uln), uln
            pos = rng.randrange(1, 10)
            digit = str((int(uln[pos]) + rng.randrange(1, 10)) % 10)
            mutated = uln[:pos] + digit + uln[pos + 1 :]
            assert not is_valid_uln(mutated), (uln, mutated)


class TestUCI:
    def test_worked_example(self):
        assert is_valid_uci("681990012058G")
        assert uci_check_letter("681990012058") == "G"

    def test_wrong_check_letter(self):
        with pytest.raises(ValidationError, match="expected G"):
            validate_uci("681990012058H")

    @pytest.mark.parametrize("bad", ["68199001205G", "681992012058G", "68199001205XG", "681990012058g"])
    def test_wrong_shape(self, bad):
        assert not is_valid_uci(bad)

    def test_generated(self):
        for n in range(1, 300):
            uci = make_uci("68199", 26, f"{n:04d}")
            assert is_valid_uci(uci)
            wrong = uci[:12] + ("A" if uci[12] != "A" else "B")
            assert not is_valid_uci(wrong)

    def test_international_marker_is_accepted(self):
        first = "68199B260001"
        assert is_valid_uci(first + uci_check_letter(first))


@pytest.mark.parametrize(
    "validator,good,bad",
    [
        (validate_candidate_number, ["0001", "9999", "1234"], ["0000", "123", "12345", "12a4"]),
        (validate_centre_number, ["68199", "00001"], ["6819", "681990", "6819A"]),
        (validate_qualification_number, ["601/2977/3", "603/0862/X"], ["601/2977/Y", "6012977/3", "601/297/3"]),
        (validate_academic_year, ["2026/27", "2099/00"], ["2026/28", "2026-27", "26/27"]),
    ],
)
def test_simple_identifiers(validator, good, bad):
    for value in good:
        validator(value)
    for value in bad:
        with pytest.raises(ValidationError):
            validator(value)
