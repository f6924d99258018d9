"""BER's rules and store (mock_ber.rules, .store) without HTTP: statuses, personnummer, grading-teacher links."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from betyg_harness.mock_ber import create_app, rules, store
from betyg_harness.mock_ber.errors import RegistryError
from betyg_harness.mock_ber.models import Enrolment, Person, TeacherAssignment, TeachingGroup
from betyg_harness import reference
from betyg_harness.mock_kit.clock import STOCKHOLM
from betyg_harness.mock_kit.scenario import load
from betyg_harness.scenario import ScenarioError, stable_id

LATER = datetime(2026, 12, 18, 9, 30, tzinfo=STOCKHOLM)


@pytest.fixture
def kit():
    app = create_app({"SCHEDULER": False, "LOG_REQUESTS": False})
    with app.app_context():
        yield app.extensions["mock_kit"]


def group_and(session, group_key, person_key=None):
    group = session.get(TeachingGroup, stable_id("group", group_key))
    return group, (session.get(Person, stable_id("person", person_key)) if person_key else None)


# -- personnummer --------------------------------------------------------------------------------
def test_skatteverkets_test_numbers_are_valid():
    numbers = [n for n in reference.test_personnummer() if len(n.replace("-", "")) == 12][:50]
    assert numbers
    for number in numbers:
        assert len(rules.validate_civic_no(number)) == 12


@pytest.mark.parametrize("bad", ["199006022398", "19900602239", "9006022397", "199013022397", "abcdefghijkl", ""])
def test_invalid_personnummer_is_refused_in_swedish(bad):
    with pytest.raises(RegistryError, match="Personnumret"):
        rules.validate_civic_no(bad)


def test_a_scenario_with_an_invalid_personnummer_is_not_loaded(kit):
    document = copy.deepcopy(load("default"))
    document["students"][0]["civicNo"] = "199006022398"  # wrong check digit
    with pytest.raises(ScenarioError, match="ogiltigt"):
        kit.load_scenario(document)


def test_a_scenario_cannot_make_a_rektor_a_grading_teacher(kit):
    document = copy.deepcopy(load("default"))
    document["groups"][0]["graders"] = ["bo.rektor"]
    with pytest.raises(ScenarioError, match="Lärare"):
        kit.load_scenario(document)


# -- grade scales --------------------------------------------------------------------------------
def test_grade_scale_follows_the_course_level():
    assert rules.grade_scale("gymnasial") == ("A", "B", "C", "D", "E", "F", "-")
    assert rules.grade_scale("grundläggande") == ("G", "IG")
    assert (rules.school_type("gymnasial"), rules.school_type("grundläggande")) == ("VUXGY", "VUXGR")


# -- statuses ------------------------------------------------------------------------------------
GROUP = TeachingGroup(start_date=date(2026, 8, 17), end_date=date(2026, 12, 17))


def enrolment(status, on=None):
    return Enrolment(status=status, status_date=on, start_date=GROUP.start_date)


@pytest.mark.parametrize(
    "status, on, member, admitted",
    [
        ("Antagen", None, True, True),
        ("Avbrott", date(2026, 10, 5), True, False),
        ("Avslutad", date(2026, 11, 2), True, False),
        ("Ej antagen", None, False, False),
    ],
)
def test_who_is_a_member_and_who_is_admitted_at_course_end(status, on, member, admitted):
    e = enrolment(status, on)
    assert rules.has_membership(status) is member
    assert rules.membership_end(e) == on
    assert rules.is_admitted(e, GROUP) is admitted


def test_an_avbrott_student_was_admitted_before_the_avbrott_day():
    e = enrolment("Avbrott", date(2026, 10, 5))
    assert rules.is_admitted(e, GROUP, date(2026, 10, 5))
    assert not rules.is_admitted(e, GROUP, date(2026, 10, 6))


def test_setting_avbrott_records_the_day_and_bumps_the_group(kit):
    with kit.db.session() as s:
        group, person = group_and(s, "svesve01-ht26-a", "s01")
        e = s.scalars(select(Enrolment).where(Enrolment.group_id == group.id, Enrolment.person_id == person.id)).one()
        store.set_enrolment_status(s, e, "Avbrott", date(2026, 11, 30), now=LATER)
        assert (e.status, e.status_date, group.modified) == ("Avbrott", date(2026, 11, 30), LATER)
        store.set_enrolment_status(s, e, "Antagen", now=LATER)
        assert e.status_date is None
        with pytest.raises(RegistryError, match="Ej antagen"):
            store.set_enrolment_status(s, e, "Ej antagen", now=LATER)
        with pytest.raises(RegistryError, match="Okänd status"):
            store.set_enrolment_status(s, e, "Utskriven", now=LATER)


def test_an_ending_status_without_a_day_ends_before_course_end():
    assert rules.default_status_date(GROUP, date(2027, 1, 10)) == date(2026, 12, 16)
    assert rules.default_status_date(GROUP, date(2026, 9, 1)) == date(2026, 9, 1)


# -- grading teachers ----------------------------------------------------------------------------
def test_only_staff_with_the_role_larare_can_be_linked(kit):
    with kit.db.session() as s:
        group, rektor = group_and(s, "hishis01a1-ht26-utan", "bo.rektor")
        with pytest.raises(RegistryError, match="har inte rollen Lärare"):
            store.link_grader(s, group, rektor, now=LATER)
        _, student = group_and(s, "hishis01a1-ht26-utan", "s01")
        with pytest.raises(RegistryError, match="har inte rollen Lärare"):
            store.link_grader(s, group, student, now=LATER)
        assert store.graders(s, group) == []


def test_linking_a_teacher_makes_a_grader_and_bumps_activity_and_group(kit):
    with kit.db.session() as s:
        group, karin = group_and(s, "hishis01a1-ht26-utan", "karin.ostberg")
        assignment = store.link_grader(s, group, karin, now=LATER)
        assert assignment.grader and assignment.teaching  # Karin teaches the group already
        activity = store.activity_for(s, group)
        assert activity.modified == group.modified == LATER
        assert [p.key for p in store.graders(s, group)] == ["karin.ostberg"]
        with pytest.raises(RegistryError, match="redan"):
            store.link_grader(s, group, karin, now=LATER)


def test_unlinking_the_last_grader_leaves_no_grader_and_bumps_modified(kit):
    with kit.db.session() as s:
        group, anna = group_and(s, "svesve01-ht26-a", "anna.lindqvist")
        store.unlink_grader(s, group, anna, now=LATER)
        s.flush()
        activity = store.activity_for(s, group)
        rows = s.scalars(select(TeacherAssignment).where(TeacherAssignment.activity_id == activity.id)).all()
        assert [(r.grader, r.teaching) for r in rows] == [(False, True)]  # still teaches, no longer grades
        assert activity.modified == group.modified == LATER
        with pytest.raises(RegistryError, match="inte betygssättande"):
            store.unlink_grader(s, group, anna, now=LATER)


def test_a_linked_grader_who_does_not_teach_leaves_the_activity_when_unlinked(kit):
    with kit.db.session() as s:
        group, omar = group_and(s, "svesve01-ht26-a", "omar.haddad")
        store.link_grader(s, group, omar, now=LATER)
        s.flush()
        store.unlink_grader(s, group, omar, now=LATER + timedelta(minutes=1))
        s.flush()
        activity = store.activity_for(s, group)
        duties = {
            r.duty_id for r in s.scalars(select(TeacherAssignment).where(TeacherAssignment.activity_id == activity.id))
        }
        assert stable_id("duty", "omar.haddad") not in duties


def test_linkable_teachers_are_unlinked_larare_only(kit):
    with kit.db.session() as s:
        group, _ = group_and(s, "svesve01-ht26-a")
        assert [p.key for p in store.linkable_teachers(s, group)] == ["omar.haddad", "karin.ostberg"]
