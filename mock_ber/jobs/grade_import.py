"""The grade import: BER polls Ping Pong's grade API on the mock clock (where "up to 15 minutes" comes from).

Each run asks for ``from`` = the last successful run's ``tom`` (first run: the scenario's start,
floored to the minute) to ``tom`` = now floored to the minute, validates the XML against the XSD and
applies each listed student's complete list. A failed run applies nothing and the next one retries
from the same ``from``, so no grade is skipped or applied twice.

Modes (IMPORT_MODE): ``interval`` (every IMPORT_INTERVAL_MINUTES), ``immediate`` (before any read of
grades) and ``random`` (polls every minute; each grade shows up after a seeded 0–14 minute delay).
"""

from __future__ import annotations

import io
import random
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import cast

import requests
import xmlschema
from flask import current_app

from betyg_harness import reference
from betyg_harness.mock_kit.app import current_kit, now
from betyg_harness.mock_kit.clock import STOCKHOLM, parse_instant
from betyg_harness.scenario import stable_id
from betyg_harness.mock_ber.errors import ImportFailed
from betyg_harness.mock_ber.models import ImportRun, ReceivedGrade
from betyg_harness.mock_ber import store

NS = "{http://pingpong.se/schemas/grades/v1.1}"
JOB_NAME = "grade_import"
IMPORTED = "pingpong"  # ReceivedGrade.origin of what this import brings (and may replace or remove)
ORIGIN_KEY = "ber_import_origin"
MODES = ("interval", "immediate", "random")


@lru_cache(maxsize=1)
def betyg_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(reference.betyg_xsd()))


def floor_minute(value: datetime) -> datetime:
    return value.astimezone(STOCKHOLM).replace(second=0, microsecond=0)


def api_time(value: datetime) -> str:
    return value.astimezone(STOCKHOLM).strftime("%Y-%m-%dT%H:%M")


# -- wiring --------------------------------------------------------------------------------------
def install(app, kit) -> None:
    mode = app.config["IMPORT_MODE"]
    if mode not in MODES:
        raise ValueError(f"IMPORT_MODE måste vara ett av {', '.join(MODES)}, inte {mode!r}.")
    if mode == "interval":
        kit.scheduler.add_job(JOB_NAME, timedelta(minutes=float(app.config["IMPORT_INTERVAL_MINUTES"])), run_import)
    elif mode == "random":
        kit.scheduler.add_job(JOB_NAME, timedelta(minutes=1), run_import)


def after_load(kit) -> None:
    """A fresh scenario: the first run starts at the scenario's start, floored to the minute."""
    kit.db.set_state(ORIGIN_KEY, floor_minute(kit.clock.now()).isoformat())


def before_read() -> None:
    """In ``immediate`` mode every read of grades is preceded by an import."""
    if current_app.config["IMPORT_MODE"] == "immediate":
        run_import()


# -- the run -------------------------------------------------------------------------------------
def next_window(session, at: datetime) -> tuple[datetime, datetime]:
    last_ok = store.last_ok_import(session)
    if last_ok is not None:
        start = last_ok.tom
    else:
        origin = current_kit().db.get_state(ORIGIN_KEY)
        start = parse_instant(origin) if origin else floor_minute(at)
    return start.astimezone(STOCKHOLM), floor_minute(at)


def run_import() -> ImportRun | None:
    """Poll once; returns the recorded run, or None when there is no whole minute to ask for."""
    kit = current_kit()
    locks = kit.locks
    assert locks is not None  # create_app gives every kit its locks
    with locks.hold("grade_import"), kit.db.session() as session:  # one import at a time, in any process
        at = now()
        start, tom = next_window(session, at)
        if tom <= start:
            return None
        run = ImportRun(ran_at=at, from_=start, tom=tom, status="ok", students=0, applied=0, removed=0, skipped=0)
        try:
            students = parse(fetch(start, tom))
            apply(session, run, students, at)
        except Exception as exc:  # nothing is applied; the next run retries from the same "from"
            session.rollback()
            message = str(exc) if isinstance(exc, ImportFailed) else f"Importen avbröts: {type(exc).__name__}: {exc}"
            run = ImportRun(
                ran_at=at,
                from_=start,
                tom=tom,
                status="failed",
                error=message,
                students=0,
                applied=0,
                removed=0,
                skipped=0,
            )
            session.add(run)
        session.commit()
        return run


def fetch(start: datetime, tom: datetime) -> bytes:
    config = current_app.config
    url = config["PINGPONG_URL"].rstrip("/") + "/api/skolplattform/betyg"
    try:
        response = requests.get(
            url,
            params={"from": api_time(start), "tom": api_time(tom), "schoolType": "VUX"},
            headers={"Authorization": f"Bearer {config['PINGPONG_API_TOKEN']}", "Accept": "application/xml"},
            timeout=float(config["IMPORT_TIMEOUT_SECONDS"]),
        )
    except requests.RequestException as exc:
        raise ImportFailed(f"Ping Pong kunde inte nås: {type(exc).__name__}.") from None
    if response.status_code != 200:
        raise ImportFailed(f"Ping Pong svarade med status {response.status_code}.")
    return response.content


def _required(element: ET.Element, tag: str) -> str:
    """The text of a child that betyg.xsd requires."""
    return cast(str, element.findtext(tag))


def parse(xml: bytes) -> list[dict]:
    """Validate against betyg.xsd and read each student's complete list of course grades."""
    try:
        betyg_schema().validate(io.BytesIO(xml))
        root = ET.fromstring(xml)
    except (xmlschema.XMLSchemaException, ET.ParseError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ImportFailed(f"Ogiltig XML enligt betyg.xsd: {first_line}") from None
    students = []
    for elev in root.iter(f"{NS}elev"):
        grades = []
        for kb in elev.findall(f"{NS}kursbetyg"):
            # betyg.xsd requires these (validated above): cast, not checked, so that a failure
            # reads as before in the import's error message.
            decision = cast(ET.Element, kb.find(f"{NS}beslutsfattare"))
            grades.append(
                {
                    "value": kb.findtext(f"{NS}value"),
                    "date": date.fromisoformat(_required(kb, f"{NS}datum")),
                    "trial": _required(kb, f"{NS}prövning").strip() in ("true", "1"),
                    "group": guid(kb.findtext(f"{NS}betygsgrupp") or ""),
                    "school": guid(_required(kb, f"{NS}skola")),
                    "teachers": [guid(p.text or "") for p in decision.findall(f"{NS}person")],
                    "course": _required(kb, f"{NS}kurskod").strip(),
                }
            )
        students.append(
            {"id": guid(cast(str, elev.get("id"))), "grades": grades, "other": len(elev.findall(f"{NS}ämnesbetyg"))}
        )
    return students


def guid(value: str) -> str:
    """'{D7B3…}' → 'd7b3…' (Ping Pong writes GUIDs in braces)."""
    return value.strip().strip("{}").lower()


def delay_minutes(seed, key: str) -> int:
    return random.Random(f"{seed}:{key}").randint(0, 14)


def apply(session, run: ImportRun, students: list[dict], at: datetime) -> None:
    """Apply each student's complete list: add and change what is listed, remove what is missing
    (of the grades that came from Ping Pong; a removal is recorded for deletedEntities)."""
    known = store.known_person_ids(session, [s["id"] for s in students])
    syllabuses = store.syllabus_ids_by_code(session)
    groups = store.known_group_ids(session, {g["group"] for s in students for g in s["grades"] if g["group"]})
    notes = []
    session.add(run)
    session.flush()  # the run's id, for the grades it brings
    for student in students:
        if student["id"] not in known:
            run.skipped += 1
            notes.append(f"Okänd elev {{{student['id']}}} hoppades över.")
            continue
        run.students += 1
        run.skipped += student["other"]
        wanted = {(g["course"], g["group"]): g for g in student["grades"]}
        existing = _remove_unlisted(session, run, student["id"], wanted, at)
        for key, g in wanted.items():
            values = dict(
                value=g["value"],
                grade_date=g["date"],
                trial=g["trial"],
                school_ref=g["school"],
                teacher_ids=g["teachers"],
                group_id=g["group"] if g["group"] in groups else None,
                syllabus_id=syllabuses.get(g["course"]),
            )
            _store(session, run, student["id"], key, existing.get(key), values, at)
    if notes:
        run.error = " ".join(notes[:10]) + (f" (+{len(notes) - 10} till)" if len(notes) > 10 else "")


def _remove_unlisted(session, run: ImportRun, student_id: str, wanted: dict, at: datetime) -> dict:
    """Remove the student's imported grades that the list no longer has; return the imported grades
    by (course, group) as they were."""
    # The import owns the grades that came from Ping Pong and only those: a student's earlier
    # grades from elsewhere (origin "history") are not in Ping Pong's list and must stay.
    existing = store.grades_of_origin(session, student_id, IMPORTED)
    for key, record in existing.items():
        if key not in wanted:
            session.delete(record)
            store.record_deletion(session, "grades", record.id, at)
            run.removed += 1
    return existing


def _store(session, run: ImportRun, student_id: str, key: tuple[str, str], record, values: dict, at: datetime) -> None:
    """Add or change the student's grade for ``key`` (course, group), unless it is stored as is."""
    if record is not None and all(getattr(record, k) == v for k, v in values.items()):
        return
    config = current_app.config
    visible = at
    if config["IMPORT_MODE"] == "random":
        visible = at + timedelta(
            minutes=delay_minutes(config["IMPORT_SEED"], f"{student_id}:{key[0]}:{key[1]}:{values['value']}")
        )
    if record is None:
        record = ReceivedGrade(
            id=stable_id("grade", f"{student_id}:{key[0]}:{key[1]}"),
            student_id=student_id,
            course_code=key[0],
            group_ref=key[1],
            origin=IMPORTED,
            created=visible,
        )
        session.add(record)
    for k, v in values.items():
        setattr(record, k, v)
    record.modified = visible
    record.received_at = visible
    record.import_run_id = run.id
    run.applied += 1
