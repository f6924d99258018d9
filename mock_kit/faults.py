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


class FaultRuleError(ValueError):
    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


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
        if not isinstance(body, dict):
            raise FaultRuleError("body", "Regeln måste vara ett JSON-objekt.")
        known = {"path", "method", "latency_ms", "status", "drop", "after", "times", "probability", "seed"}
        for key in body:
            if key not in known:
                raise FaultRuleError(key, f"Okänt fält: {key}. Kända fält: {', '.join(sorted(known))}.")
        path = body.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            raise FaultRuleError("path", "path måste vara en sökväg som börjar med /, t.ex. /ss12000/*.")
        method = body.get("method")
        if method is not None and (not isinstance(method, str) or not method.isalpha()):
            raise FaultRuleError("method", "method måste vara en HTTP-metod, t.ex. GET.")
        latency = body.get("latency_ms", 0)
        if not isinstance(latency, int) or isinstance(latency, bool) or not 0 <= latency <= 60_000:
            raise FaultRuleError("latency_ms", "latency_ms måste vara ett heltal 0–60000.")
        status = body.get("status")
        if status is not None and (not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599):
            raise FaultRuleError("status", "status måste vara en HTTP-felstatus 400–599.")
        drop = body.get("drop", False)
        if not isinstance(drop, bool):
            raise FaultRuleError("drop", "drop måste vara true eller false.")
        after = body.get("after", False)
        if not isinstance(after, bool):
            raise FaultRuleError("after", "after måste vara true eller false.")
        if not (latency or status or drop):
            raise FaultRuleError("body", "Ange minst ett av latency_ms, status eller drop.")
        times = body.get("times")
        if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
            raise FaultRuleError("times", "times måste vara ett heltal ≥ 1.")
        probability = body.get("probability")
        if probability is not None and (
            isinstance(probability, bool) or not isinstance(probability, (int, float)) or not 0 <= probability <= 1
        ):
            raise FaultRuleError("probability", "probability måste vara ett tal 0–1.")
        seed = body.get("seed")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise FaultRuleError("seed", "seed måste vara ett heltal.")
        rule = cls(
            path=path,
            method=method.upper() if method else None,
            latency_ms=latency,
            status=status,
            drop=drop,
            after=after,
            times=times,
            probability=probability,
            seed=seed,
        )
        rule._rng = random.Random(seed)
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
