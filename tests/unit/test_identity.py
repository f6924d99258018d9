"""One rule for identity numbers (betyg_harness.identity), shared by the robot's CSV check, the flows,
BER's registry and the generator: personnummer and samordningsnummer alike."""

from __future__ import annotations

from datetime import date

import pytest

from betyg_harness import identity
from betyg_harness.fixtures.generator import is_valid_civic_no
from betyg_harness.flows.robot.csvinput import parse_grades
from betyg_harness.flows.scales import normalize_personnummer
from betyg_harness.mock_ber import rules
from betyg_harness.mock_ber.errors import RegistryError

TODAY = date(2026, 12, 18)
SAMORDNING = "19900662-2394"  # born 1990-06-02, day + 60, Luhn over 900662239 → 4


@pytest.mark.parametrize(
    "written, digits, kind",
    [
        ("19900602-2397", "199006022397", identity.PERSONNUMMER),
        ("199006022397", "199006022397", identity.PERSONNUMMER),
        ("900602-2397", "199006022397", identity.PERSONNUMMER),
        ("9006022397", "199006022397", identity.PERSONNUMMER),
        (" 19900602 - 2397 ", "199006022397", identity.PERSONNUMMER),
        (SAMORDNING, "199006622394", identity.SAMORDNINGSNUMMER),
        ("900662-2394", "199006622394", identity.SAMORDNINGSNUMMER),
        ("200001052380", "200001052380", identity.PERSONNUMMER),
        ("010105+2389", "190101052389", identity.PERSONNUMMER),  # '+': 100 years or older
    ],
)
def test_written_forms_are_read_as_twelve_digits(written, digits, kind):
    number = identity.parse(written, today=TODAY)
    assert (number.digits, number.kind) == (digits, kind)
    assert number.display == f"{digits[:8]}-{digits[8:]}"


def test_samordningsnummer_has_its_real_birth_date():
    assert identity.parse(SAMORDNING).birth_date == date(1990, 6, 2)


@pytest.mark.parametrize(
    "bad, reason",
    [
        ("19900602-2398", "kontrollsiffran"),
        ("19900692-2398", "datumet"),  # day 92 - 60 = 32
        ("19900632-2391", "datumet"),  # day 32, not a coordination number
        ("20230229-2384", "datumet"),  # no 29 February in 2023
        ("1990060-2397", "inget personnummer"),
        ("abc", "inget personnummer"),
        ("", "inget personnummer"),
    ],
)
def test_invalid_numbers_are_refused_with_a_swedish_reason(bad, reason):
    with pytest.raises(ValueError, match=reason):
        identity.parse(bad, today=TODAY)
    assert not identity.is_valid(bad)


def test_every_part_uses_the_one_rule():
    """The robot, the flows, BER and the generator accept and refuse the same numbers."""
    for number in ("19900602-2397", SAMORDNING):
        digits = identity.normalize(number)
        assert normalize_personnummer(number) == digits
        assert rules.validate_civic_no(digits) == digits
        assert is_valid_civic_no(digits)
    for bad in ("19900602-2398", "19900692-2398"):
        with pytest.raises(ValueError):
            normalize_personnummer(bad)
        with pytest.raises(RegistryError):
            rules.validate_civic_no(bad)
        assert not is_valid_civic_no(bad.replace("-", ""))


def test_the_robot_accepts_a_samordningsnummer_in_its_csv():
    jobs = parse_grades(
        (
            f"personnummer,kurskod,grupp,betyg,larare\n{SAMORDNING},SVESVE01,SVESVE01 HT26 Kista A,B,Anna Lindqvist\n"
        ).encode()
    )
    assert jobs[0].grades == {"199006622394": "B"}


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("19900602-2397", "199006022397", True),
        ("900602-2397", "199006022397", True),  # the 10-digit form as a page shows it
        ("9006022397", "900602-2397", True),
        ("19900602-2397", "20900602-2397", False),  # two centuries, both written out
        ("900602-2397", "199006022398", False),
        ("٩٠٠٦٠٢-2397", "199006022397", False),  # only ASCII digits are digits
        ("", "", True),
        ("2397", "199006022397", False),
    ],
)
def test_two_written_numbers_are_one_person_when_their_digits_agree(a, b, same):
    assert identity.same_number(a, b) is same and identity.same_number(b, a) is same
