"""Filling BER's tables from a scenario document (the ``load_scenario`` callback of ``init_mock``)."""
from __future__ import annotations

from datetime import date, datetime


from betyg_harness.mock_kit.clock import parse_instant
from betyg_harness.mock_kit.scenario import ScenarioError, stable_id
from betyg_harness.mock_ber import registry
from betyg_harness.mock_ber.models import (Activity, BerUser, Duty, Enrolment, Organisation, Person, Syllabus,
                                           TeacherAssignment, TeachingGroup)


def scenario_start(document: dict) -> datetime:
    """The instant the scenario's clock starts (the records' created/modified)."""
    start = (document.get("clock") or {}).get("start")
    return parse_instant(start) if start else datetime.now().astimezone()


class _Batch:
    """Rows inserted in foreign-key order, a few thousand at a time, so a 20,000-person scenario
    never holds every row of every table in memory at once."""

    ORDER = (Organisation, Syllabus, Person, Duty, TeachingGroup, Activity, Enrolment, TeacherAssignment, BerUser)
    SIZE = 5_000

    def __init__(self, session):
        self.session = session
        self.rows = {model: [] for model in self.ORDER}

    def add(self, model, rows) -> None:
        self.rows[model].extend(rows)
        if sum(len(r) for r in self.rows.values()) >= self.SIZE:
            self.flush()

    def flush(self) -> None:
        for model in self.ORDER:  # parents before children, so the foreign keys hold
            if self.rows[model]:
                self.session.execute(model.__table__.insert(), self.rows[model])  # Core executemany
                self.rows[model] = []


def load(kit, document: dict) -> None:
    with kit.db.session() as session, session.begin():
        _load(_Batch(session), document)


def _load(batch: _Batch, document: dict) -> None:
    stamp = scenario_start(document)
    today = stamp.date()
    meta = {"created": stamp, "modified": stamp}
    huvudman = document.get("huvudman") or {"name": "Stockholms stad"}
    huvudman_id = stable_id("huvudman", huvudman["name"])
    organisations = [dict(id=huvudman_id, key="huvudman", display_name=huvudman["name"],
                          organisation_type="Huvudman", school_unit_code=None,
                          organisation_number=huvudman.get("organisationNumber"),
                          municipality_code=huvudman.get("municipalityCode"), parent_id=None, **meta)]
    units = {}
    for unit in document["schoolUnits"]:
        units[unit["key"]] = stable_id("organisation", unit["key"])
        organisations.append(dict(id=units[unit["key"]], key=unit["key"], display_name=unit["name"],
                                  organisation_type="Skolenhet", school_unit_code=unit["schoolUnitCode"],
                                  organisation_number=None, municipality_code=huvudman.get("municipalityCode"),
                                  parent_id=huvudman_id, **meta))
    batch.add(Organisation, organisations)
    syllabuses = {c["code"]: stable_id("syllabus", c["code"]) for c in document["courses"]}
    batch.add(Syllabus, [dict(id=syllabuses[c["code"]], code=c["code"], name=c["name"], points=c["points"],
                              level=c["level"], **meta) for c in document["courses"]])
    group_starts = [date.fromisoformat(g["startDate"]) for g in document["groups"]]
    duty_start = min(group_starts + [today])

    people_keys = {}
    for kind, items in (("staff", document["staff"]), ("student", document["students"])):
        for item in items:
            try:
                civic_no = registry.validate_civic_no(item["civicNo"])
            except registry.RegistryError as exc:
                raise ScenarioError(f"{kind} {item['key']}: {exc}", field=kind) from None
            pid = stable_id("person", item["key"])
            people_keys[item["key"]] = pid
            batch.add(Person, [dict(id=pid, key=item["key"], given_name=item["givenName"],
                                    family_name=item["familyName"], civic_no=civic_no, email=item.get("email"),
                                    is_staff=kind == "staff", **meta)])
            if kind == "staff":
                batch.add(Duty, [dict(id=stable_id("duty", item["key"]), person_id=pid,
                                      organisation_id=units[item["schoolUnit"]], duty_role=item["dutyRole"],
                                      start_date=duty_start, **meta)])
    duty_roles = {item["key"]: item["dutyRole"] for item in document["staff"]}

    for group in document["groups"]:
        gid = stable_id("group", group["key"])
        start, end = date.fromisoformat(group["startDate"]), date.fromisoformat(group["endDate"])
        aid = stable_id("activity", group["key"])
        enrolments, assignments = [], []
        shell = TeachingGroup(start_date=start, end_date=end)
        for enrolment in group.get("enrolments", []):
            status = enrolment["status"]
            status_date = None
            if status in registry.ENDED_STATUSES:
                status_date = (date.fromisoformat(enrolment["date"]) if enrolment.get("date")
                               else registry.default_status_date(shell, today))
            enrolments.append(dict(id=stable_id("membership", f"{group['key']}:{enrolment['student']}"),
                                   group_id=gid, person_id=people_keys[enrolment["student"]], status=status,
                                   status_date=status_date, start_date=start))
        teachers, graders = group.get("teachers", []), group.get("graders", [])
        for staff_key in list(dict.fromkeys(teachers + graders)):
            if staff_key in graders and duty_roles[staff_key] != registry.GRADER_ROLE:
                raise ScenarioError(f"{staff_key} har inte rollen Lärare och kan inte vara betygssättande "
                                    f"lärare i {group['key']}.", field=f"groups/{group['key']}")
            assignments.append(dict(id=stable_id("assignment", f"{group['key']}:{staff_key}"), activity_id=aid,
                                    duty_id=stable_id("duty", staff_key), teaching=staff_key in teachers,
                                    grader=staff_key in graders, **meta))
        batch.add(TeachingGroup, [dict(id=gid, key=group["key"], name=group["name"],
                                       syllabus_id=syllabuses[group["course"]], organisation_id=units[group["schoolUnit"]],
                                       start_date=start, end_date=end, **meta)])
        batch.add(Activity, [dict(id=aid, group_id=gid, **meta)])
        batch.add(Enrolment, enrolments)
        batch.add(TeacherAssignment, assignments)

    users = [dict(username=a["username"], name=a["name"],
                  password_hash=a["passwordHash"])
             for a in document["accounts"].get("ber", [])]
    batch.add(BerUser, users)
    batch.flush()
