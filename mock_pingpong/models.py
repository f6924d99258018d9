"""Ping Pong's tables: accounts (from the scenario), the synced copy of BER, and grades."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

accounts = Table(
    "accounts",
    metadata,
    Column("username", String(100), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", String(40), nullable=False),
    Column("civic_no", String(12)),  # a teacher account's personnummer: matched to BER's person
)

# -- the copy of BER (SS 12000) -------------------------------------------------------------
organisations = Table(
    "organisations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("type", String(40), nullable=False),
    Column("name", String(300), nullable=False),
    Column("school_unit_code", String(8)),
    Column("parent_id", String(36)),
)

syllabuses = Table(
    "syllabuses",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("course_code", String(20), nullable=False),
    Column("course_name", String(300), nullable=False),
    Column("points", Integer),
    Column("school_type", String(12), nullable=False),
)

persons = Table(
    "persons",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("given_name", String(200), nullable=False),
    Column("family_name", String(200), nullable=False),
    Column("civic_no", String(12), index=True),
)

duties = Table(
    "duties",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("person_id", String(36), nullable=False, index=True),
    Column("role", String(60)),
    Column("organisation_id", String(36)),
)

groups = Table(
    "groups",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("organisation_id", String(36)),
    Column("activity_id", String(36)),
    Column("syllabus_id", String(36)),
    # Derived when the group, its activity or its people change (search must not join at 5,000 groups).
    Column("grader_count", Integer, nullable=False, default=0),
    Column("grader_names", Text, nullable=False, default=""),
    Column("search_text", Text, nullable=False, default=""),
    Column("admitted_count", Integer, nullable=False, default=0),
    Column("graded_count", Integer, nullable=False, default=0),
    Column("locked_count", Integer, nullable=False, default=0),
    # meta.modified of the group and its activity when the grading view last re-read them from BER
    # (None after a sync changed either): an unchanged group is not rewritten on every view.
    Column("ber_stamp", String(80)),
    # Bumped on every stored save: a form carries the version it was opened at (stale-form rule).
    Column("version", Integer, nullable=False, default=0),
)

memberships = Table(
    "memberships",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group_id", String(36), ForeignKey("groups.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("person_id", String(36), nullable=False),
    Column("start_date", Date),
    Column("end_date", Date),
    Column("admitted", Boolean, nullable=False),  # rules.is_admitted at the group's course end
)

group_teachers = Table(
    "group_teachers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group_id", String(36), ForeignKey("groups.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("duty_id", String(36), nullable=False),
    Column("person_id", String(36), index=True),
    Column("grader", Boolean, nullable=False),
)

# -- what Ping Pong owns ----------------------------------------------------------------------
# Times are naive Europe/Stockholm local mock time (SQLite keeps no offset).
grades = Table(
    "grades",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group_id", String(36), nullable=False),
    Column("person_id", String(36), nullable=False, index=True),
    Column("value", String(3), nullable=False),
    Column("locked", Boolean, nullable=False, default=False),
    Column("deciders", JSON, nullable=False, default=list),  # person ids of the ticked teachers
    Column("course_code", String(20), nullable=False),
    Column("school_unit_id", String(36)),
    Column("saved_at", DateTime, nullable=False),
    Column("saved_by", String(200), nullable=False),
    Column("locked_at", DateTime),
    Column("locked_by", String(200)),
    Column("changed_at", DateTime, index=True),  # mock time it was locked or changed
    UniqueConstraint("group_id", "person_id"),
)

Index("ix_grades_published", grades.c.locked, grades.c.changed_at)
# Covers the list of terms (distinct end dates of searchable groups) and end-date ranges.
Index("ix_groups_end_date_searchable", groups.c.end_date, groups.c.grader_count)


# -- the summary's one-time tokens ------------------------------------------------------------
confirmed_summaries = Table(
    "confirmed_summaries",
    metadata,
    Column("token", String(64), primary_key=True),  # from the summary's signed payload, once
    Column("group_id", String(36), nullable=False),
    Column("saved_by", String(200), nullable=False),
    Column("saved_at", DateTime, nullable=False),
    Column("locked", Integer, nullable=False),  # how many grades the confirm locked
)
