"""Text read one way everywhere: only ASCII 0–9 are digits; names are matched with care.

``str.isdigit()`` (and ``\\d`` in a ``str`` pattern) is true for '²', '٣', '߃' and hundreds of other
characters, and ``int()`` reads some of them and fails on others. Wherever input is read as a number
or a digit string — query parameters, form fields, personnummer, sort keys — it goes through here;
names are text and are never read as numbers. Shared by both mocks, the flows and the fixtures
(nothing here imports either).

:func:`close_matches` is the one "Menade du «…»?": names a person probably meant, never chosen
for them.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from typing import TypeGuard
from collections.abc import Iterable

DIGITS = "0123456789"
ASCII_DIGITS = re.compile(r"[0-9]+")
# A number in a query parameter or a form field: at most 18 digits, so it fits a 64-bit integer
# (SQLite's and PostgreSQL's BIGINT) and never reaches int()'s 4,300-digit limit.
MAX_INT_DIGITS = 18


def is_digit(ch: str) -> bool:
    """One ASCII digit 0–9 (not '²', not '٣')."""
    return len(ch) == 1 and ch in DIGITS


def is_digits(text: object) -> TypeGuard[str]:
    """A non-empty string of ASCII digits 0–9 only."""
    return isinstance(text, str) and ASCII_DIGITS.fullmatch(text) is not None


def only_digits(text: str) -> str:
    """The ASCII digits of ``text``, in order ("19900602-2397" → "199006022397")."""
    return "".join(ch for ch in text if ch in DIGITS)


def parse_int(text: object, *, max_digits: int = MAX_INT_DIGITS) -> int | None:
    """A non-negative integer written with 1–``max_digits`` ASCII digits; None for anything else
    (signs, spaces, underscores, other scripts' digits, too many digits)."""
    if not is_digits(text) or len(text) > max_digits:
        return None
    return int(text)


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


def same_but_for_case_and_spacing(a: str, b: str) -> bool:
    """ "SVESVE01  ht26 Kista A" and "SVESVE01 HT26 Kista A": one name, written another way."""
    return _fold(a) == _fold(b)


def close_matches(wanted: str, offered: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` of ``offered`` that ``wanted`` probably means, best first: those equal but for
    case and spacing ("svesve01 ht26  kista a"), else those close in spelling (difflib, 0.6)."""
    names = list(dict.fromkeys(o for o in offered if o))
    same = [o for o in names if _fold(o) == _fold(wanted)]
    if same:
        return same[:n]
    folded = {_fold(o): o for o in names}
    return [folded[f] for f in difflib.get_close_matches(_fold(wanted), list(folded), n=n, cutoff=0.6)]


def os_error_sv(exc: OSError) -> str:
    """What went wrong with a file, in Swedish ("finns inte", "är en mapp", …): the operating
    system's own words are English."""
    kinds = (
        (FileNotFoundError, "finns inte"),
        (IsADirectoryError, "är en mapp, inte en fil"),
        (NotADirectoryError, "en del av sökvägen är ingen mapp"),
        (FileExistsError, "finns redan och är ingen mapp"),
        (PermissionError, "du saknar behörighet"),
    )
    return next((said for kind, said in kinds if isinstance(exc, kind)), f"fel från operativsystemet ({exc.strerror})")


# What a slug keeps (a regex character class's body); every other run of characters becomes ``sep``.
SWEDISH_WORD = "A-Za-z0-9ÅÄÖåäö_-"  # the robot's screenshots and traces: Swedish letters kept
PORTABLE = "A-Za-z0-9_.-"  # test ids and golden images: ASCII only
WORD = r"\w-"  # any script's letters and digits (the robot's print files)
ASCII_LOWER = "a-z0-9"  # after :func:`ascii_fold` and lower-casing (Ping Pong's catalogue files)


def slug(text: str, keep: str = SWEDISH_WORD, *, sep: str = "_", strip: str | None = None, runs: bool = True) -> str:
    """``text`` as a piece of a file name: each run of characters outside ``keep`` (each single one,
    when not ``runs``) becomes ``sep``; then ``strip`` (default ``sep``) is trimmed from both ends.
    May be empty: callers give their own fallback."""
    outside = f"[^{keep}]+" if runs else f"[^{keep}]"
    return re.sub(outside, sep, text).strip(sep if strip is None else strip)


def ascii_fold(text: str) -> str:
    """``text`` without accents and without what has no ASCII form ("Åsa Öberg" → "Asa Oberg", "Ł" → "")."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
