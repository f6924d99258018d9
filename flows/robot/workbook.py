"""Reading an admin's workbook (.xlsx, .xlsm, .xls, .ods) as rows of text, as a person reads the sheet.

python-calamine reads the file (read-only, in Rust: no formulas run, no macros, no XML parsed by
Python). Cells typed as numbers or dates are turned into the text a person sees in the cell: a
personnummer stored as a number is its digits (``199006022397``, not ``1.99006022397e+11``), a
date is ``YYYY-MM-DD``. Row numbers are the sheet's own, as Excel shows them.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

ZIP_MAGIC = b"PK\x03\x04"  # .xlsx, .xlsm, .ods
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and a password-protected .xlsx


def is_workbook(data: bytes) -> bool:
    """Recognised by its content, whatever the file is called."""
    return data.startswith((ZIP_MAGIC, OLE2_MAGIC))


class WorkbookError(Exception):
    """The file looks like a workbook but cannot be read; the message is Swedish, for the admin."""


@dataclass
class Sheet:
    name: str
    header_line: int
    header: list[str]
    rows: list[tuple[int, Sequence[object]]]  # (sheet row number, raw cell values)
    notes: list[str] = field(default_factory=list)


def cell_text(value: object) -> str:
    """The text a person sees in a cell (a whole number without ``.0``, a date as ``YYYY-MM-DD``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "SANT" if value else "FALSKT"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def read_sheet(data: bytes, is_header: Callable[[list[str]], bool]) -> Sheet:
    """The first sheet (visible ones first) whose first non-empty row ``is_header``; else the first sheet."""
    import python_calamine as calamine  # only a workbook needs it

    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 — calamine's errors (password, zip, XML, format) are not one class
        if data.startswith(OLE2_MAGIC) and "password" in f"{type(exc).__name__} {exc}".lower():
            raise WorkbookError("arbetsboken är lösenordsskyddad: spara den utan lösenord och försök igen.") from None
        raise WorkbookError(
            f"filen ser ut som ett kalkylark men kan inte läsas ({exc}). Spara den i Excel som "
            "«Excel-arbetsbok (.xlsx)» eller «CSV UTF-8 (kommaavgränsad)»."
        ) from None
    metas = list(book.sheets_metadata)
    order = sorted(range(len(metas)), key=lambda i: metas[i].visible != calamine.SheetVisibleEnum.Visible)
    first: Sheet | None = None
    for index in order:
        try:
            rows = book.get_sheet_by_index(index).to_python(skip_empty_area=False)
        except Exception as exc:  # noqa: BLE001 — as above: any unreadable sheet is the admin's file
            raise WorkbookError(f"bladet «{metas[index].name}» kan inte läsas ({exc}).") from None
        numbered: list[tuple[int, Sequence[object]]] = [
            (n, row) for n, row in enumerate(rows, start=1) if any(cell_text(c).strip() for c in row)
        ]
        if not numbered:
            continue
        header_line, header_cells = numbered[0]
        sheet = Sheet(metas[index].name, header_line, [cell_text(c) for c in header_cells], numbered[1:])
        if len(metas) > 1:
            sheet.notes.append(f"läste bladet «{sheet.name}» (arbetsboken har {len(metas)} blad).")
        if is_header(sheet.header):
            return sheet
        first = first or sheet
    if first is None:
        raise WorkbookError("arbetsboken är tom: inget blad har en rubrikrad eller några betyg.")
    return first
