"""BER's personnummer rule from DOMAIN.md: YYMMDD-NNNC, Luhn over the nine digits before C; samordningsnummer
add 60 to the day (see docs/rules.md)."""

from __future__ import annotations

import pytest
from stdnum import luhn

from betyg_harness.mock_ber import rules
from betyg_harness.mock_ber.errors import RegistryError


def with_check_digit(twelve_minus_one: str) -> str:
    """Eleven digits YYYYMMDDNNN and the Luhn check digit over the last nine (YYMMDDNNN)."""
    return twelve_minus_one + luhn.calc_check_digit(twelve_minus_one[2:])


def test_a_samordningsnummer_day_plus_60_is_accepted_and_shown_as_yyyymmdd_nnnn():
    number = with_check_digit("19900662239")  # born 1990-06-02, samordningsnummer day 62
    assert rules.validate_civic_no(number) == number
    assert rules.format_civic_no(number) == f"{number[:8]}-{number[8:]}"


@pytest.mark.parametrize("day", ["00", "32", "59", "92"])
def test_a_day_that_is_neither_a_date_nor_a_date_plus_60_is_refused(day):
    with pytest.raises(RegistryError, match="Personnumret"):
        rules.validate_civic_no(with_check_digit(f"199006{day}239"))


def test_the_check_digit_is_luhn_over_the_nine_digits_before_it():
    good = with_check_digit("19900602239")
    assert good == "199006022397"  # Skatteverket's test number
    for wrong in "0123456789":
        if wrong != good[-1]:
            with pytest.raises(RegistryError):
                rules.validate_civic_no(good[:-1] + wrong)


def test_a_samordningsnummer_with_a_wrong_check_digit_is_refused():
    good = with_check_digit("19900662239")
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(RegistryError, match="ogiltigt"):
        rules.validate_civic_no(wrong)
