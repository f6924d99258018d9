"""BER records as SS 12000 v2.1 objects. Each ``*_batch`` serialises a whole page with a fixed
number of queries (no N+1), so 5,000 groups and 20,000 persons page quickly."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from betyg_harness.mock_kit.clock import STOCKHOLM
from betyg_harness.scenario import stable_id
from betyg_harness.mock_ber import rules, store
from betyg_harness.mock_ber.store import memberships_for
from betyg_harness.mock_ber.models import (
    Duty,
    Organisation,
    Person,
    Programme,
    ReceivedGrade,
    Syllabus,
    TeachingGroup,
)

NIL_UUID = "00000000-0000-0000-0000-000000000000"
ASSIGNMENT_ROLE = "Undervisande lärare"


def instant(value: datetime) -> str:
    return value.astimezone(STOCKHOLM).isoformat()


def meta(record) -> dict:
    return {"created": instant(record.created), "modified": instant(record.modified)}


class Refs:
    """Object references, with ``displayName`` only when the client asked (expandReferenceNames)."""

    def __init__(self, session: Session, names: bool):
        self.session, self.names = session, names
        self._cache: dict[str, str] = {}

    def prefetch(self, model, ids) -> None:
        if not self.names:
            return
        missing = [i for i in set(ids) if i and i not in self._cache]
        if not missing:
            return
        self._cache.update(store.display_names(self.session, model, missing))

    def ref(self, rid: str, name: str | None = None) -> dict:
        out = {"id": rid}
        if self.names:
            display = name or self._cache.get(rid)
            if display:
                out["displayName"] = display
        return out


# -- organisations ---------------------------------------------------------------------------------
def organisation(org: Organisation, refs: Refs) -> dict:
    out = {"id": org.id, "meta": meta(org), "displayName": org.display_name, "organisationType": org.organisation_type}
    if org.organisation_number:
        out["organisationNumber"] = org.organisation_number
    if org.school_unit_code:
        out["schoolUnitCode"] = org.school_unit_code
        out["schoolTypes"] = ["VUX"]
    if org.municipality_code:
        out["municipalityCode"] = org.municipality_code
    if org.parent_id:
        out["parentOrganisation"] = refs.ref(org.parent_id)
    return out


def organisation_batch(rows, refs: Refs, expand) -> list[dict]:
    refs.prefetch(Organisation, [o.parent_id for o in rows])
    return [organisation(o, refs) for o in rows]


# -- persons ---------------------------------------------------------------------------------------
def person(p: Person) -> dict:
    out = {
        "id": p.id,
        "meta": meta(p),
        "givenName": p.given_name,
        "familyName": p.family_name,
        "civicNo": {"value": p.civic_no, "nationality": "SE"},
        "birthDate": f"{p.civic_no[:4]}-{p.civic_no[4:6]}-{int(p.civic_no[6:8]) % 60:02d}",
        "personStatus": "Aktiv",
    }
    if p.email:
        out["emails"] = [{"value": p.email, "type": "Skola personal" if p.is_staff else "Skola elev"}]
    return out


def duty(d: Duty, refs: Refs) -> dict:
    return {
        "id": d.id,
        "meta": meta(d),
        "person": refs.ref(d.person_id, d.person.full_name),
        "dutyAt": refs.ref(d.organisation_id),
        "dutyRole": d.duty_role,
        "startDate": d.start_date.isoformat(),
    }


def person_batch(rows, refs: Refs, expand) -> list[dict]:
    out = [person(p) for p in rows]
    embedded: dict[str, dict] = {item["id"]: {} for item in out} if expand else {}
    for name in ("responsibleFor", "placements", "ownedPlacements"):  # BER has no guardians or placements
        if name in expand:
            for item in embedded.values():
                item[name] = []
    if "groupMemberships" in expand:
        by_person = _memberships_by_person(rows, refs)
        for pid, item in embedded.items():
            item["groupMemberships"] = by_person.get(pid, [])
    if "duties" in expand:
        by_person = _duties_by_person(rows, refs)
        for pid, item in embedded.items():
            item["duties"] = by_person.get(pid, [])
    for item in out:
        if embedded.get(item["id"]):
            item["_embedded"] = embedded[item["id"]]
    return out


def _memberships_by_person(rows, refs: Refs) -> dict[str, list[dict]]:
    """The persons' group memberships (expand=groupMemberships), by person id."""
    by_person = defaultdict(list)
    for e, g in store.person_memberships(refs.session, [p.id for p in rows]):
        membership = {"group": group_fragment(g, refs), "startDate": e.start_date.isoformat()}
        end = rules.membership_end(e)
        if end is not None:
            membership["endDate"] = end.isoformat()
        by_person[e.person_id].append(membership)
    return by_person


def _duties_by_person(rows, refs: Refs) -> dict[str, list[dict]]:
    """The persons' duties (expand=duties), by person id."""
    by_person = defaultdict(list)
    duties = store.duties_of(refs.session, [p.id for p in rows])
    refs.prefetch(Organisation, [d.organisation_id for d in duties])
    for d in duties:
        by_person[d.person_id].append(duty(d, refs))
    return by_person


def duty_batch(rows, refs: Refs, expand) -> list[dict]:
    refs.prefetch(Organisation, [d.organisation_id for d in rows])
    out = []
    for d in rows:
        item = duty(d, refs)
        if "person" in expand:
            item["_embedded"] = {"person": person(d.person)}
        out.append(item)
    return out


# -- syllabuses ------------------------------------------------------------------------------------
subject_name = rules.subject_name


def syllabus(s: Syllabus) -> dict:
    return {
        "id": s.id,
        "meta": meta(s),
        "schoolType": rules.school_type(s.level),
        "subjectCode": s.subject_code or rules.subject_code(s.code, s.level),
        "subjectName": s.subject_name or rules.subject_name(s.name),
        "courseCode": s.code,
        "courseName": s.name,
        "points": s.points,
        "official": True,
    }


def syllabus_batch(rows, refs: Refs, expand) -> list[dict]:
    return [syllabus(s) for s in rows]


# -- groups ----------------------------------------------------------------------------------------


def group_fragment(g: TeachingGroup, refs: Refs) -> dict:
    return {
        "id": g.id,
        "meta": meta(g),
        "displayName": g.name,
        "startDate": g.start_date.isoformat(),
        "endDate": g.end_date.isoformat(),
        "groupType": "Undervisning",
        "schoolType": rules.school_type(g.syllabus.level),
        "organisation": refs.ref(g.organisation_id, g.organisation.display_name),
    }


def group(g: TeachingGroup, enrolments: list, refs: Refs) -> dict:
    memberships = []
    names = refs.names
    for e in enrolments:
        # refs.ref inlined: this loop runs for every member of every group served
        person = {"id": e.person_id, "displayName": f"{e.given_name} {e.family_name}"} if names else {"id": e.person_id}
        item = {"person": person, "startDate": e.start_date.isoformat()}
        end = rules.membership_end(e)
        if end is not None:
            item["endDate"] = end.isoformat()
        memberships.append(item)
    return {
        "id": g.id,
        "meta": meta(g),
        "displayName": g.name,
        "startDate": g.start_date.isoformat(),
        "endDate": g.end_date.isoformat(),
        "groupType": "Undervisning",
        "schoolType": rules.school_type(g.syllabus.level),
        "organisation": refs.ref(g.organisation_id, g.organisation.display_name),
        "groupMemberships": memberships,
    }


def group_batch(rows, refs: Refs, expand) -> list[dict]:
    members = memberships_for(refs.session, [g.id for g in rows])
    out = []
    for g in rows:
        item = group(g, members.get(g.id, []), refs)
        if "assignmentRoles" in expand:
            item["_embedded"] = {"assignmentRoles": []}  # BER records no SS 12000 assignment roles
        out.append(item)
    return out


# -- activities ------------------------------------------------------------------------------------
def activity_batch(rows, refs: Refs, expand) -> list[dict]:
    assignments = defaultdict(list)
    for a in store.assignments_of(refs.session, [r.id for r in rows]):
        assignments[a.activity_id].append(a)
    members = memberships_for(refs.session, [r.group_id for r in rows]) if "groups" in expand else {}
    refs.prefetch(Duty, [a.duty_id for items in assignments.values() for a in items])
    out = []
    for act in rows:
        g = act.group
        item = {
            "id": act.id,
            "meta": meta(act),
            "displayName": g.name,
            "calendarEventsRequired": False,
            "startDate": g.start_date.isoformat(),
            "endDate": g.end_date.isoformat(),
            "activityType": "Undervisning",
            "groups": [refs.ref(g.id, g.name)],
            "teachers": [
                {
                    "duty": refs.ref(a.duty_id),
                    "startDate": g.start_date.isoformat(),
                    "assignmentRole": ASSIGNMENT_ROLE,
                    "grader": bool(a.grader),
                }
                for a in assignments.get(act.id, [])
            ],
            "syllabus": refs.ref(g.syllabus_id, g.syllabus.name),
            "organisation": refs.ref(g.organisation_id, g.organisation.display_name),
        }
        embedded: dict[str, Any] = {}
        if "groups" in expand:
            embedded["groups"] = [group(g, members.get(g.id, []), refs)]
        if "teachers" in expand:
            embedded["teachers"] = [duty(a.duty, refs) for a in assignments.get(act.id, [])]
        if "syllabus" in expand:
            embedded["syllabus"] = syllabus(g.syllabus)
        if embedded:
            item["_embedded"] = embedded
        out.append(item)
    return out


# -- grades ----------------------------------------------------------------------------------------
def grade(r: ReceivedGrade, refs: Refs) -> dict:
    teachers = r.teacher_ids or []
    school = refs.ref(r.school_ref)
    out = {
        "id": r.id,
        "meta": meta(r),
        "student": refs.ref(r.student_id),
        # The YAML requires "schoolUnit" but defines "organisation": send both, the same reference.
        "organisation": school,
        "schoolUnit": dict(school),
        "registeredBy": refs.ref(teachers[0] if teachers else NIL_UUID),
        "registeredDate": r.grade_date.isoformat(),
        "gradeValue": r.value,
        "finalGrade": True,
        "trial": bool(r.trial),
        "adaptedStudyPlan": "",
        "syllabus": refs.ref(r.syllabus_id or stable_id("syllabus", r.course_code)),
        "semester": "VT" if r.grade_date.month <= 6 else "HT",
        "year": r.grade_date.year,
    }
    if r.correction_type:
        out["correctionType"] = r.correction_type
        out["remark"] = f"{r.correction_type} från {r.previous_value}" + (f": {r.remark}" if r.remark else ".")
    elif r.remark:
        out["remark"] = r.remark
    if teachers:
        out["gradingTeacher"] = refs.ref(teachers[0])
    if r.group_id:
        out["group"] = refs.ref(r.group_id)
    return out


def grade_batch(rows, refs: Refs, expand) -> list[dict]:
    refs.prefetch(Person, [r.student_id for r in rows] + [t for r in rows for t in (r.teacher_ids or [])[:1]])
    refs.prefetch(Organisation, [r.school_ref for r in rows])
    refs.prefetch(TeachingGroup, [r.group_id for r in rows])
    refs.prefetch(Syllabus, [r.syllabus_id for r in rows])
    return [grade(r, refs) for r in rows]


# -- programmes, school unit offerings, study plans ------------------------------------------------
PROGRAMME_CONTENT_TYPE = "Programgemensamma"


def programme(p: Programme, refs: Refs) -> dict:
    out = {
        "id": p.id,
        "meta": meta(p),
        "name": p.name,
        "type": p.programme_type,
        "schoolType": p.school_type,
        "content": [{"type": PROGRAMME_CONTENT_TYPE, "content": [refs.ref(s) for s in p.syllabus_ids or []]}],
    }
    if p.code:
        out["code"] = p.code
    return out


def programme_batch(rows, refs: Refs, expand) -> list[dict]:
    refs.prefetch(Syllabus, [s for p in rows for s in p.syllabus_ids or []])
    return [programme(p, refs) for p in rows]


def offering_batch(rows, refs: Refs, expand) -> list[dict]:
    refs.prefetch(Organisation, [o.organisation_id for o in rows])
    refs.prefetch(Syllabus, [s for o in rows for s in o.syllabus_ids or []])
    refs.prefetch(Programme, [p for o in rows for p in o.programme_ids or []])
    out = []
    for o in rows:
        item = {
            "id": o.id,
            "meta": meta(o),
            "offeredAt": refs.ref(o.organisation_id),
            "offeredSyllabuses": [refs.ref(s) for s in o.syllabus_ids or []],
            "offeredProgrammes": [refs.ref(p) for p in o.programme_ids or []],
        }
        if o.start_date:
            item["startDate"] = o.start_date.isoformat()
        if o.end_date:
            item["endDate"] = o.end_date.isoformat()
        out.append(item)
    return out


STUDY_PLAN_TITLE = "Kurser"


def studyplan_batch(rows, refs: Refs, expand) -> list[dict]:
    """Each plan's courses are the student's enrolments (an ended one noted with its status)."""
    courses = defaultdict(list)
    for e, g in store.enrolments_with_groups(refs.session, [p.person_id for p in rows]):
        courses[e.person_id].append((e, g))
    refs.prefetch(Person, [p.person_id for p in rows])
    refs.prefetch(Syllabus, [g.syllabus_id for items in courses.values() for _, g in items])
    out = []
    for plan in rows:
        entries = []
        for e, g in courses.get(plan.person_id, []):
            end = rules.membership_end(e) or g.end_date
            entry = {
                "syllabus": refs.ref(g.syllabus_id),
                "startDate": e.start_date.isoformat(),
                "endDate": end.isoformat(),
                "note": f"{g.name}: {e.status}" + (f" {e.status_date.isoformat()}" if e.status_date else ""),
            }
            entries.append(entry)
        item = {
            "id": plan.id,
            "meta": meta(plan),
            "student": refs.ref(plan.person_id),
            "startDate": plan.start_date.isoformat(),
            "content": [{"title": STUDY_PLAN_TITLE, "syllabuses": entries}],
        }
        if plan.end_date:
            item["endDate"] = plan.end_date.isoformat()
        out.append(item)
    return out
