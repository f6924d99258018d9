"""Compare a read catalogue with what it should hold: each difference in plain Swedish words."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from betyg_harness.flows.catalogue.model import (
    FIELD_LABELS,
    LATE_MARK,
    SIGNATURE_LABELS,
    TABLE_HEADER,
    TITLE,
    ParsedCatalogue,
    ParsedRow,
)
from betyg_harness import identity
from betyg_harness.text import is_digits

PERSONNUMMER = re.compile(r"^\d{8}-\d{4}$")


@dataclass(frozen=True)
class ExpectedStudent:
    personnummer: str
    betyg: str
    efternamn: str | None = None
    fornamn: str | None = None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.fornamn, self.efternamn) if p) or self.personnummer


@dataclass
class ExpectedCatalogue:
    """What the catalogue should hold. Everything is optional; what is given is checked.

    ``students`` (in their expected order) or ``grades`` ({personnummer: grade}); ``fields``
    keyed by the printed labels ("Kurskod", "Poäng", ...); ``teachers`` the grading teachers'
    names, one signature block each; ``pages`` the page count; ``late`` whether "Försenad" shows.
    """

    students: list[ExpectedStudent] | None = None
    grades: dict[str, str] | None = None
    fields: dict[str, str] = field(default_factory=dict)
    teachers: list[str] | None = None
    pages: int | None = None
    late: bool | None = None
    printed_at: str | None = None

    def student_map(self) -> dict[str, ExpectedStudent] | None:
        if self.students is not None:
            return {s.personnummer: s for s in self.students}
        if self.grades is not None:
            return {_norm_pnr(p): ExpectedStudent(_norm_pnr(p), g) for p, g in self.grades.items()}
        return None

    @classmethod
    def from_dict(cls, d: dict) -> "ExpectedCatalogue":
        """From JSON: {"fields": {...}, "students": [{"personnummer", "efternamn", "fornamn",
        "betyg"}] or "grades": {pnr: grade}, "teachers": [...], "pages": n, "late": bool}.
        Head fields may also sit at the top level, keyed by label in any case ("kurskod")."""
        labels = {_fold(label): label for label in FIELD_LABELS}
        fields = {labels.get(_fold(k), k): str(v) for k, v in (d.get("fields") or {}).items()}
        for k, v in d.items():
            if _fold(k) in labels:
                fields[labels[_fold(k)]] = str(v)
        students = None
        if d.get("students") is not None:
            students = [
                ExpectedStudent(
                    personnummer=_norm_pnr(s["personnummer"]),
                    betyg=str(s.get("betyg", s.get("grade"))),
                    efternamn=s.get("efternamn", s.get("family_name")),
                    fornamn=s.get("fornamn", s.get("förnamn", s.get("given_name"))),
                )
                for s in d["students"]
            ]
        return cls(
            students=students,
            grades=d.get("grades"),
            fields=fields,
            teachers=d.get("teachers"),
            pages=d.get("pages"),
            late=d.get("late"),
            printed_at=d.get("printed_at") or d.get("utskriven"),
        )


@dataclass(frozen=True)
class Difference:
    kind: str  # e.g. "missing_student", "wrong_grade", "wrong_personnummer", "page_footer"
    message: str  # plain words

    def __str__(self) -> str:
        return self.message


def _fold(s: str) -> str:
    return s.lower().replace(" ", "_").replace("ä", "a").replace("å", "a").replace("ö", "o")


def _norm_pnr(p: str) -> str:
    """Accept BER's 12 digits ("199001011000") as the printed form "19900101-1000"."""
    return identity.display(str(p).strip())


def _norm(s: str | None) -> str:
    return " ".join((s or "").split())


def _full(row: ParsedRow) -> str:
    return f"{row.fornamn} {row.efternamn}".strip()


def _same_name(row: ParsedRow, exp: ExpectedStudent) -> bool:
    return (
        exp.efternamn is not None
        and exp.fornamn is not None
        and _norm(row.efternamn) == _norm(exp.efternamn)
        and _norm(row.fornamn) == _norm(exp.fornamn)
    )


def _check_ids(parsed: ParsedCatalogue) -> list[Difference]:
    """What is wrong with the printed personnummer on their own: form and duplicates."""
    out: list[Difference] = []
    seen: dict[str, int] = {}
    for row in parsed.rows:
        seen[row.personnummer] = seen.get(row.personnummer, 0) + 1
        if not PERSONNUMMER.match(row.personnummer):
            out.append(
                Difference(
                    "malformed_personnummer",
                    f"Personnumret {row.personnummer!r} för {_full(row)} (sida "
                    f"{row.page}) har inte formen ÅÅÅÅMMDD-NNNN.",
                )
            )
    for pnr, n in seen.items():
        if n > 1:
            out.append(Difference("duplicate_student", f"Personnumret {pnr} står {n} gånger."))
    return out


def _compare_rows(
    parsed: ParsedCatalogue, expected: dict[str, ExpectedStudent], order: list[str] | None
) -> list[Difference]:
    out: list[Difference] = []
    printed = {r.personnummer: r for r in parsed.rows}
    missing = [e for p, e in expected.items() if p not in printed]
    named_missing = {(_norm(e.efternamn), _norm(e.fornamn)): e for e in missing if e.efternamn is not None}
    explained: set[str] = set()
    who: list[str] = []  # per printed row, the expected student it stands for (by pnr)
    for row in parsed.rows:
        exp = expected.get(row.personnummer)
        if exp is None:
            out += _unexpected_row(row, named_missing, explained, who)
        elif exp.efternamn is not None and exp.fornamn is not None and not _same_name(row, exp):
            out += _other_name(row, exp, expected, who)
        else:
            out += _expected_row(row, exp, who)
    for e in missing:
        if e.personnummer not in explained:
            out.append(
                Difference(
                    "missing_student", f"Eleven {e.name} ({e.personnummer}, betyg {e.betyg!r}) saknas i katalogen."
                )
            )
    if order is not None:
        out += _compare_order(expected, order, who)
    return out


def _unexpected_row(
    row: ParsedRow, named_missing: dict[tuple[str, str], ExpectedStudent], explained: set[str], who: list[str]
) -> list[Difference]:
    """A row whose personnummer no expected student has: a missing student's under a wrong
    personnummer (``explained`` and ``who`` grow by them), or an extra student."""
    owner = named_missing.get((_norm(row.efternamn), _norm(row.fornamn)))
    if owner is None:
        return [
            Difference(
                "extra_student",
                f"Oväntad elev {_full(row)} ({row.personnummer}), betyg {row.betyg!r}, på sida {row.page}.",
            )
        ]
    explained.add(owner.personnummer)
    who.append(owner.personnummer)
    return [
        Difference(
            "wrong_personnummer",
            f"{owner.name} står med personnumret {row.personnummer}, väntat {owner.personnummer}.",
        ),
        *_grade_of(row, owner, f"{owner.name} ({owner.personnummer})"),
    ]


def _other_name(
    row: ParsedRow, exp: ExpectedStudent, expected: dict[str, ExpectedStudent], who: list[str]
) -> list[Difference]:
    """A row with ``exp``'s personnummer and another name: another expected student's row with a
    swapped or wrong personnummer, or ``exp``'s row with a wrong name (``who`` grows by the one)."""
    other = next((e for e in expected.values() if e is not exp and _same_name(row, e)), None)
    if other is None:
        return [
            Difference("wrong_name", f"Personnumret {row.personnummer}: väntat {exp.name}, utskrivet {_full(row)}."),
            *_expected_row(row, exp, who),
        ]
    who.append(other.personnummer)
    return [
        Difference(
            "wrong_personnummer",
            f"Personnumret {row.personnummer} tillhör {exp.name} men "
            f"står vid {other.name} (väntat "
            f"{other.personnummer}): förväxlat eller fel personnummer.",
        ),
        *_grade_of(row, other, other.name),
    ]


def _grade_of(row: ParsedRow, exp: ExpectedStudent, name: str) -> list[Difference]:
    """``wrong_grade`` when ``row`` (``exp``'s, under a wrong personnummer) prints another grade."""
    if _norm(row.betyg) == _norm(exp.betyg):
        return []
    return [Difference("wrong_grade", f"Fel betyg för {name}: väntat {exp.betyg!r}, utskrivet {row.betyg!r}.")]


def _expected_row(row: ParsedRow, exp: ExpectedStudent, who: list[str]) -> list[Difference]:
    """``exp``'s row: its grade compared (``who`` grows by it)."""
    who.append(exp.personnummer)
    if _norm(row.betyg) == _norm(exp.betyg):
        return []
    # Expected by personnummer only: the name is the one printed.
    name = exp.name if exp.fornamn is not None else _full(row)
    return [
        Difference(
            "wrong_grade",
            f"Fel betyg för {name} ({row.personnummer}): väntat {exp.betyg!r}, utskrivet {row.betyg!r}.",
        )
    ]


def _compare_order(expected: dict[str, ExpectedStudent], order: list[str], who: list[str]) -> list[Difference]:
    """The first row out of the expected order, if any."""
    present = set(who)
    want = [p for p in order if p in present]
    got = list(dict.fromkeys(who))
    if got == want:
        return []
    i = next(i for i, (a, b) in enumerate(zip(got, want)) if a != b)
    return [
        Difference(
            "row_order",
            f"Raderna står inte i väntad ordning: rad {i + 1} "
            f"är {expected[got[i]].name}, väntat {expected[want[i]].name}.",
        )
    ]


def _compare_pages(parsed: ParsedCatalogue, pages: int | None) -> list[Difference]:
    out: list[Difference] = []
    total = parsed.page_count
    if pages is not None and total != pages:
        out.append(Difference("wrong_page_count", f"Katalogen har {total} sidor, väntat {pages}."))
    for n, footer in enumerate(parsed.footers, start=1):
        if footer is None:
            out.append(Difference("page_footer", f'Sida {n} av {total} saknar "Sida N av M".'))
        elif footer != (n, total):
            out.append(
                Difference(
                    "page_footer",
                    f'Sida {n} av {total} säger "Sida {footer[0]} av {footer[1]}", väntat "Sida {n} av {total}".',
                )
            )
    for n in parsed.headerless_row_pages:
        out.append(
            Difference("header_not_repeated", f"Sida {n} listar elever utan tabellhuvudet ({', '.join(TABLE_HEADER)}).")
        )
    return out


def _compare_signatures(parsed: ParsedCatalogue, teachers: list[str] | None) -> list[Difference]:
    out: list[Difference] = []
    for b in parsed.signatures:
        lacking = [label for label in SIGNATURE_LABELS if label not in b.labels]
        if lacking:
            out.append(
                Difference(
                    "incomplete_signature",
                    f"Underskriftsblocket för {b.name or 'en lärare utan namn'} på "
                    f"sida {b.page} saknar {', '.join(lacking)}.",
                )
            )
    if teachers is None:
        return out
    names = [_norm(b.name) for b in parsed.signatures]
    for t in teachers:
        if _norm(t) in names:
            names.remove(_norm(t))
        else:
            out.append(Difference("missing_signature", f"Underskriftsblock saknas för betygsättande lärare {t}."))
    for extra in names:
        out.append(Difference("extra_signature", f"Oväntat underskriftsblock för {extra or 'en lärare utan namn'}."))
    return out


def compare(parsed: ParsedCatalogue, expected: ExpectedCatalogue | dict | None = None) -> list[Difference]:
    """Every way ``parsed`` differs from ``expected``, plus what is wrong on its own
    (no title, a broken "Sida N av M", a page listing students without the table header)."""
    if expected is None:
        expected = ExpectedCatalogue()
    elif isinstance(expected, dict):
        expected = ExpectedCatalogue.from_dict(expected)
    out = _compare_head(parsed, expected)
    out += _check_ids(parsed)
    students = expected.student_map()
    if students is not None:
        order = [s.personnummer for s in expected.students] if expected.students else None
        out += _compare_rows(parsed, students, order)
    out += _compare_signatures(parsed, expected.teachers)
    out += _compare_pages(parsed, expected.pages)
    out += _compare_marks(parsed, expected)
    return out


def _compare_head(parsed: ParsedCatalogue, expected: ExpectedCatalogue) -> list[Difference]:
    """The title, the head's fields, and "Antal elever" against the rows listed."""
    out: list[Difference] = []
    if parsed.title != TITLE:
        out.append(Difference("title", f'Rubriken "{TITLE}" saknas.'))
    for label, want in expected.fields.items():
        got = parsed.fields.get(label)
        if got is None:
            out.append(Difference("missing_field", f'Fältet "{label}" saknas i huvudet (väntat {want!r}).'))
        elif _norm(got) != _norm(want):
            out.append(Difference("wrong_field", f'Fältet "{label}": väntat {want!r}, utskrivet {got!r}.'))
    count = parsed.fields.get("Antal elever")
    if count is not None and is_digits(count.strip()) and int(count) != len(parsed.rows):
        out.append(
            Difference(
                "student_count", f'"Antal elever" säger {count.strip()}, men {len(parsed.rows)} elever står i listan.'
            )
        )
    return out


def _compare_marks(parsed: ParsedCatalogue, expected: ExpectedCatalogue) -> list[Difference]:
    """The late mark "Försenad" and "Utskriven", when expected."""
    out: list[Difference] = []
    if expected.late is not None and parsed.late != expected.late:
        out.append(
            Difference(
                "late_mark",
                f'Märkningen "{LATE_MARK}" saknas'
                if expected.late
                else f'Oväntad märkning "{LATE_MARK}": gruppen är inte sen.',
            )
        )
    if expected.printed_at is not None and _norm(parsed.printed_at) != _norm(expected.printed_at):
        out.append(
            Difference("printed_at", f'Väntat "Utskriven {expected.printed_at}", utskrivet {parsed.printed_at!r}.')
        )
    return out
