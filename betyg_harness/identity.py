"""Swedish identity numbers — personnummer and samordningsnummer — in one place.

The one rule shared by the robot's CSV check, the flows, BER's registry and the scenario generator:
``YYYYMMDDNNNC`` (12 digits) or ``YYMMDD-NNNC`` / ``YYMMDD+NNNC`` (10 digits, ``+`` for a person aged
100 or more), with the check digit C by the Luhn rule over the nine digits before it. A
samordningsnummer (coordination number) adds 60 to the day. python-stdnum checks personnummer; its
``se.personnummer`` reads the day as a calendar date and so refuses samordningsnummer, which are
checked here with the same Luhn rule and the day minus 60.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from stdnum import luhn
from stdnum.exceptions import ValidationError
from stdnum.se import personnummer as _stdnum_personnummer

from betyg_harness.text import is_digits, only_digits

PERSONNUMMER = "personnummer"
SAMORDNINGSNUMMER = "samordningsnummer"
COORDINATION_OFFSET = 60
_SHAPE = re.compile(r"^([0-9]{2})?([0-9]{6})([-+]?)([0-9]{4})$")  # ASCII digits only


@dataclass(frozen=True)
class IdentityNumber:
    digits: str  # always 12: YYYYMMDDNNNC
    kind: str  # PERSONNUMMER | SAMORDNINGSNUMMER
    birth_date: date

    @property
    def display(self) -> str:
        """YYYYMMDD-NNNN, as the catalogue and the screens show it."""
        return display(self.digits)


def parse(value: str, *, today: date | None = None) -> IdentityNumber:
    """Read any usual written form; ValueError (a Swedish message) when it is not a valid number.

    A 10-digit number gets its century as Skatteverket reads it: ``-`` for someone under 100 on
    ``today``, ``+`` for 100 or older.
    """
    text = (value or "").strip().replace(" ", "")
    match = _SHAPE.match(text)
    if not match:
        raise ValueError(f"«{value}» är inget personnummer eller samordningsnummer (ÅÅÅÅMMDD-NNNN eller ÅÅMMDD-NNNN).")
    century, body, separator, tail = match.groups()
    ten = body + tail
    if not luhn.is_valid(ten):
        raise ValueError(f"«{value}»: kontrollsiffran stämmer inte.")
    month, day = int(body[2:4]), int(body[4:6])
    kind = SAMORDNINGSNUMMER if day > COORDINATION_OFFSET else PERSONNUMMER
    real_day = day - COORDINATION_OFFSET if kind == SAMORDNINGSNUMMER else day
    if century is not None:
        year = int(century + body[:2])
    else:
        year = _year_from_ten(int(body[:2]), month, real_day, separator, today or date.today())
    try:
        born = date(year, month, real_day)
    except ValueError:
        raise ValueError(f"«{value}»: datumet {year:04d}-{month:02d}-{real_day:02d} finns inte.") from None
    digits = f"{year:04d}"[:2] + ten
    if kind == PERSONNUMMER:
        try:
            _stdnum_personnummer.validate(digits)
        except ValidationError:
            raise ValueError(f"«{value}» är inget giltigt personnummer.") from None
    return IdentityNumber(digits=digits, kind=kind, birth_date=born)


def _year_from_ten(yy: int, month: int, day: int, separator: str, today: date) -> int:
    year = today.year - today.year % 100 + yy
    try:
        birthday_this_century = date(year, month, day)
    except ValueError:  # 29 February in a year that has none: let the date check say so
        birthday_this_century = date(year, month, 1)
    if birthday_this_century > today:
        year -= 100
    if separator == "+":
        year -= 100
    return year


def normalize(value: str, *, today: date | None = None) -> str:
    """The 12 digits YYYYMMDDNNNC of a valid number; ValueError otherwise."""
    return parse(value, today=today).digits


def twelve_digits(value: str) -> str:
    """The 12 digits YYYYMMDDNNNC of a number written with 12 digits (dashes and plus signs aside),
    as a registry keeps it; ValueError with the registry's Swedish message otherwise."""
    digits = (value or "").replace("-", "").replace("+", "")
    if len(digits) != 12 or not is_digits(digits):
        raise ValueError(f"Personnumret {value!r} ska ha 12 siffror (ÅÅÅÅMMDDNNNN).")
    try:
        return normalize(digits)
    except ValueError:
        raise ValueError(f"Personnumret {value} är ogiltigt (fel datum eller kontrollsiffra).") from None


def is_valid(value: str) -> bool:
    try:
        parse(value)
    except ValueError:
        return False
    return True


def display(digits12: str) -> str:
    """12 digits → YYYYMMDD-NNNN (anything else unchanged)."""
    return f"{digits12[:8]}-{digits12[8:]}" if len(digits12) == 12 and is_digits(digits12) else digits12


def same_number(a: str, b: str) -> bool:
    """Do two written numbers (10 or 12 digits, any separators) denote the same person? Only ASCII
    digits count; a 10-digit form matches a longer one by its last ten (the century aside)."""
    da, db = only_digits(a), only_digits(b)
    if len(da) == len(db):
        return da == db
    return len(da) >= 10 and len(db) >= 10 and da[-10:] == db[-10:]
