"""A grade catalogue (betygskatalog) as data: what its PDF prints, and the words that mark its parts.

:mod:`.reader` reads a PDF into a :class:`ParsedCatalogue`; :mod:`.compare` checks one against what
it should hold.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

TITLE = "Betygskatalog"
FIELD_LABELS = (
    "Huvudman",
    "Skolenhet",
    "Skolenhetskod",
    "Betygsgrupp",
    "Kurskod",
    "Kursnamn",
    "Poäng",
    "Kursperiod",
    "Betygsdatum",
    "Antal elever",
)
TABLE_HEADER = ("Personnummer", "Efternamn", "Förnamn", "Betyg")
SIGNATURE_LABELS = ("Underskrift", "Namnförtydligande", "Datum")
LATE_MARK = "Försenad"


@dataclass(frozen=True)
class Fragment:
    """One piece of text as drawn: where it starts (PDF points, origin bottom left) and its size."""

    text: str
    x: float
    y: float
    size: float
    page: int  # 1-based


@dataclass(frozen=True)
class ParsedRow:
    personnummer: str
    efternamn: str
    fornamn: str
    betyg: str
    page: int


@dataclass(frozen=True)
class SignatureBlock:
    name: str | None  # the printed name (namnförtydligande), if any
    labels: tuple[str, ...]  # which of "Underskrift", "Namnförtydligande", "Datum" it has
    page: int


@dataclass
class ParsedCatalogue:
    """What a catalogue PDF says, as data."""

    title: str | None
    fields: dict[str, str]  # head label -> value, e.g. "Kurskod" -> "SVESVE01"
    rows: list[ParsedRow]
    signatures: list[SignatureBlock]
    page_count: int
    footers: list[tuple[int, int] | None]  # per page: (N, M) of "Sida N av M", or None
    table_header_pages: list[int]  # pages on which the table header is printed
    headerless_row_pages: list[int]  # pages listing students without a table header
    late: bool
    printed_at: str | None  # "yyyy-mm-dd HH:MM" of "Utskriven ..."
    page_texts: list[str] = field(default_factory=list, repr=False)

    @property
    def grades(self) -> dict[str, str]:
        return {r.personnummer: r.betyg for r in self.rows}

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("page_texts")
        return d
