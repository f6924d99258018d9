"""Query parameters of the SS 12000 list endpoints: parsing, validation (400), opaque page tokens and
the keyset position they carry (checked here; the page it leads to is the store's,
:mod:`betyg_harness.mock_ber.store.ss12000`)."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone

from betyg_harness.mock_ber.errors import ApiError
from betyg_harness.mock_kit.clock import STOCKHOLM
from betyg_harness.text import is_digits, parse_int


def bad(message: str, code: str = "invalid_parameter") -> ApiError:
    return ApiError(400, code, message)


def instant(text: str) -> datetime:
    """An ISO 8601 instant that can be stored: aware (a naive one is Stockholm time) and convertible to
    UTC (the database's form). ValueError otherwise — '9999-12-31T23:59:59-14:00' and
    '0001-01-01T00:00:00+14:00' are instants no clock reaches, not a server error."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=STOCKHOLM)
    try:
        parsed.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError("outside the calendar") from None
    return parsed


def parse_datetime(name: str, value: str) -> datetime:
    # An unencoded "+01:00" arrives as " 01:00"; take it back rather than reject it.
    text = value.strip().replace(" ", "+")
    try:
        return instant(text.replace("Z", "+00:00"))
    except ValueError:
        raise bad(f"{name} måste vara en tidpunkt i RFC 3339-format, t.ex. 2026-12-18T08:00:00+01:00.") from None


def parse_date(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise bad(f"{name} måste vara ett datum i RFC 3339-format, t.ex. 2026-12-18.") from None


def parse_uuid(name: str, value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise bad(f"{name} måste vara ett UUID.") from None


def parse_bool(name: str, value: str) -> bool:
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise bad(f"{name} måste vara true eller false.")


@dataclass(frozen=True)
class Param:
    """One query parameter: its kind (datetime, date, uuid, enum, string, bool) and whether it repeats."""

    name: str
    kind: str = "string"
    array: bool = False
    enum: tuple[str, ...] = ()

    def parse(self, raw: list[str]):
        values = [part for value in raw for part in (value.split(",") if self.array else [value])]
        if not self.array and len(values) > 1:
            raise bad(f"{self.name} får bara anges en gång.")
        parsed = [self._one(v) for v in values]
        return parsed if self.array else parsed[0]

    def _one(self, value: str):
        if self.kind == "datetime":
            return parse_datetime(self.name, value)
        if self.kind == "date":
            return parse_date(self.name, value)
        if self.kind == "uuid":
            return parse_uuid(self.name, value)
        if self.kind == "bool":
            return parse_bool(self.name, value)
        if self.enum and value not in self.enum:
            raise bad(f"{self.name} måste vara ett av: {', '.join(self.enum)}.")
        return value


META = (
    Param("meta.created.before", "datetime"),
    Param("meta.created.after", "datetime"),
    Param("meta.modified.before", "datetime"),
    Param("meta.modified.after", "datetime"),
)
COMMON = (Param("expandReferenceNames", "bool"),)


def _tag(value):
    """A keyset position value as JSON (dates and instants tagged, so they come back as such)."""
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


# A position value the database can compare: a 64-bit integer, a string without lone surrogates.
INT_RANGE = (-(2**63), 2**63 - 1)


def _untag(value):
    if isinstance(value, dict) and set(value) == {"t"} and isinstance(value["t"], str):
        return instant(value["t"])
    if isinstance(value, dict) and set(value) == {"d"} and isinstance(value["d"], str):
        return date.fromisoformat(value["d"])
    if isinstance(value, bool):
        raise ValueError("bad position")
    if isinstance(value, int) and not INT_RANGE[0] <= value <= INT_RANGE[1]:
        raise ValueError("bad position")
    if isinstance(value, str):
        value.encode("utf-8")  # a lone surrogate ("\ud800" in the JSON): UnicodeEncodeError
        return value
    if value is None or isinstance(value, int):
        return value
    raise ValueError("bad position")  # floats, lists, objects: no keyset column holds one


def check_position(types: list[type | None], position: list) -> None:
    """A page token's position must hold one value of each keyset column's type (``types``: a date where
    the column is a date, not a number or a string; None: a column of no one Python type): anything
    else is an invalid token, never a 500."""
    if len(position) != len(types):
        raise bad("pageToken är ogiltig.", "invalid_page_token")
    for expected, value in zip(types, position):
        if value is None or expected is None:
            continue  # a column that may be NULL (an end date) compares with nothing: an empty page
        if expected is date:
            fits = type(value) is date  # a datetime is a date too, but not what a DATE column holds
        elif expected is int:
            fits = isinstance(value, int) and not isinstance(value, bool)
        else:
            fits = isinstance(value, expected)
        if not fits:
            raise bad("pageToken är ogiltig.", "invalid_page_token")


def encode_token(position, query: dict) -> str:
    """An opaque page token: the last row's sort position and the first request's filters."""
    values = list(position) if isinstance(position, (list, tuple)) else [position]
    raw = json.dumps({"a": [_tag(v) for v in values], "q": query}, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> tuple[list, dict]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        body = json.loads(raw)
        if not isinstance(body, dict) or not isinstance(body.get("a"), list) or not isinstance(body.get("q"), dict):
            raise ValueError
        for values in body["q"].values():  # the first request's filters: lists of strings, as args give them
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise ValueError
            "".join(values).encode("utf-8")
        return [_untag(v) for v in body["a"]], body["q"]
    except (ValueError, TypeError, binascii.Error, UnicodeError, RecursionError):
        raise bad("pageToken är ogiltig.", "invalid_page_token") from None


def _read_limit(args, max_limit: int) -> int:
    """The ``limit`` asked for, at most ``max_limit`` (``max_limit`` when none is asked for)."""
    if "limit" not in args:
        return max_limit
    raw = args.get("limit", "")
    if not is_digits(raw) or not raw.strip("0"):  # ASCII digits only: '²' and '٣' are no limit
        raise bad("limit måste vara ett heltal ≥ 1.")
    given = parse_int(raw)  # None: more digits than any page (10**5000 is a valid, huge limit)
    return max_limit if given is None else min(given, max_limit)


def read_list_args(
    args, params: tuple[Param, ...], *, max_limit: int, common: tuple[Param, ...] | None = None
) -> tuple[dict, int, list | None, dict]:
    """(parsed filters, limit, keyset position, the raw filter query for the next token).

    A pageToken carries the filters of the first request; other filters may not be combined
    with it (the spec's 400) unless they repeat the same values.
    """
    known = {p.name: p for p in params + (META + COMMON if common is None else common)}
    limit = _read_limit(args, max_limit)
    query = {name: args.getlist(name) for name in known if name in args}
    after = None
    if "pageToken" in args:
        after, token_query = decode_token(args.get("pageToken", ""))
        if query and query != {k: v for k, v in token_query.items() if k in query}:
            raise bad("pageToken kan inte kombineras med andra filter än limit.")
        query = token_query
    parsed = {}
    for name, raw in query.items():
        if name not in known or not isinstance(raw, list):
            raise bad("pageToken är ogiltig.", "invalid_page_token")
        parsed[name] = known[name].parse(raw)
    return parsed, limit, after, query


def key_after(position: list | None, key_type: type):
    """The key value a page token's position holds for a page in one key's order (``key_type``: int or
    str): None for the first page; anything but one value of that type is an invalid token."""
    if position is None:
        return None
    check_position([key_type], position)
    if not isinstance(position[0], key_type):
        raise bad("pageToken är ogiltig.", "invalid_page_token")
    return position[0]
