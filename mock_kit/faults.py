"""Fault injection: rules that add latency, answer with an error status or drop the connection —
before the request is handled (nothing happens), or, with ``after``, once it has been handled (the
work is done and committed, and then the answer is slow, replaced or lost, as when a server stores
and fails to say so)."""

from __future__ import annotations

import fnmatch
import itertools
import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from betyg_harness.mock_kit.errors import FaultRuleError


def _integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)  # JSON true is no number here


# (field, default, valid, message): checked in this order, the first invalid field is reported.
# Hand-written rather than a JSON Schema: a schema takes 1.0 for an integer and does not report
# its errors in a fixed order.
_ACTION_FIELDS: tuple[tuple[str, object, Callable[[Any], bool], str], ...] = (
    (
        "path",
        None,
        lambda v: isinstance(v, str) and v.startswith("/"),
        "path måste vara en sökväg som börjar med /, t.ex. /ss12000/*.",
    ),
    (
        "method",
        None,
        lambda v: v is None or (isinstance(v, str) and v.isalpha()),
        "method måste vara en HTTP-metod, t.ex. GET.",
    ),
    ("latency_ms", 0, lambda v: _integer(v) and 0 <= v <= 60_000, "latency_ms måste vara ett heltal 0–60000."),
    (
        "status",
        None,
        lambda v: v is None or (_integer(v) and 400 <= v <= 599),
        "status måste vara en HTTP-felstatus 400–599.",
    ),
    ("drop", False, lambda v: isinstance(v, bool), "drop måste vara true eller false."),
    ("after", False, lambda v: isinstance(v, bool), "after måste vara true eller false."),
)
_LIMIT_FIELDS: tuple[tuple[str, object, Callable[[Any], bool], str], ...] = (
    ("times", None, lambda v: v is None or (_integer(v) and v >= 1), "times måste vara ett heltal ≥ 1."),
    (
        "probability",
        None,
        lambda v: v is None or (not isinstance(v, bool) and isinstance(v, (int, float)) and 0 <= v <= 1),
        "probability måste vara ett tal 0–1.",
    ),
    ("seed", None, lambda v: v is None or _integer(v), "seed måste vara ett heltal."),
)
_KNOWN = {name for name, *_ in _ACTION_FIELDS + _LIMIT_FIELDS}


def _checked(body: dict, fields) -> dict:
    """Each field's value (or its default), or FaultRuleError for the first that is not valid."""
    values = {}
    for name, default, valid, message in fields:
        value = body.get(name, default)
        if not valid(value):
            raise FaultRuleError(name, message)
        values[name] = value
    return values


@dataclass
class FaultRule:
    path: str
    method: str | None = None
    latency_ms: int = 0
    status: int | None = None
    drop: bool = False
    after: bool = False  # apply once the request has been handled (its effects are stored)
    times: int | None = None  # the next N matching requests; None = until removed
    probability: float | None = None
    seed: int | None = None
    id: int = 0
    hits: int = 0
    _rng: random.Random | None = field(default=None, repr=False, compare=False)  # from_json seeds it

    @classmethod
    def from_json(cls, body: object) -> "FaultRule":
        """A rule from the control API's JSON; FaultRuleError names the first bad field, checked in
        the order of _ACTION_FIELDS, then that the rule does something, then _LIMIT_FIELDS."""
        if not isinstance(body, dict):
            raise FaultRuleError("body", "Regeln måste vara ett JSON-objekt.")
        for key in body:
            if key not in _KNOWN:
                raise FaultRuleError(key, f"Okänt fält: {key}. Kända fält: {', '.join(sorted(_KNOWN))}.")
        values = _checked(body, _ACTION_FIELDS)
        if not (values["latency_ms"] or values["status"] or values["drop"]):
            raise FaultRuleError("body", "Ange minst ett av latency_ms, status eller drop.")
        values.update(_checked(body, _LIMIT_FIELDS))
        method = values["method"]
        rule = cls(**{**values, "method": method.upper() if method else None})
        rule._rng = random.Random(values["seed"])
        return rule

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("_rng", None)
        return data

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method != method:
            return False
        pattern = self.path if any(c in self.path for c in "*?[") else self.path
        return fnmatch.fnmatchcase(path, pattern)


class Faults:
    def __init__(self):
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            rule.id = next(self._ids)
            self._rules.append(rule)
        return rule

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def take(self, method: str, path: str) -> FaultRule | None:
        """The first rule that fires for this request, counting it against ``times``."""
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                if rule.probability is not None:
                    assert rule._rng is not None  # every rule comes from from_json
                    if rule._rng.random() >= rule.probability:
                        continue
                rule.hits += 1
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self._rules.remove(rule)
                return rule
        return None


class SharedFaults(Faults):
    """The fault rules in the database, for a mock served by several processes: a rule added
    through any process fires in all of them, ``times`` counts across them, and a seeded
    probability draws the same sequence (by the rule's count of matches) whichever process answers."""

    KEY = "faults"

    def __init__(self, db, locks):
        super().__init__()
        self._db, self._locks = db, locks

    def _read(self) -> dict:
        return self._db.get_state(self.KEY) or {"next_id": 1, "rules": []}

    @staticmethod
    def _rule(data: dict) -> FaultRule:
        known = {k: v for k, v in data.items() if k not in ("id", "hits", "matches")}
        rule = FaultRule(**known)
        rule.id, rule.hits = data["id"], data.get("hits", 0)
        return rule

    def add(self, rule: FaultRule) -> FaultRule:
        with self._locks.hold(self.KEY):
            state = self._read()
            rule.id = state["next_id"]
            state["next_id"] += 1
            state["rules"].append({**rule.to_json(), "matches": 0})
            self._db.set_state(self.KEY, state)
        return rule

    def rules(self) -> list[FaultRule]:
        return [self._rule(r) for r in self._read()["rules"]]

    def clear(self) -> None:
        with self._locks.hold(self.KEY):
            self._db.set_state(self.KEY, {"next_id": self._read()["next_id"], "rules": []})

    def take(self, method: str, path: str) -> FaultRule | None:
        if not any(self._rule(r).matches(method, path) for r in self._read()["rules"]):
            return None  # the common case costs one read and no lock
        with self._locks.hold(self.KEY):
            state = self._read()
            for data in state["rules"]:
                rule = self._rule(data)
                if not rule.matches(method, path):
                    continue
                data["matches"] = data.get("matches", 0) + 1
                if (
                    rule.probability is not None
                    and random.Random(f"{rule.seed}:{data['matches']}").random() >= rule.probability
                ):
                    self._db.set_state(self.KEY, state)
                    continue
                data["hits"] = data.get("hits", 0) + 1
                rule.hits = data["hits"]
                if rule.times is not None:
                    data["times"] = rule.times - 1
                    if data["times"] <= 0:
                        state["rules"].remove(data)
                self._db.set_state(self.KEY, state)
                return rule
        return None
