"""Ping Pong's tables (SQLAlchemy 2.x declarative, own MetaData): accounts (from the scenario), the
synced copy of BER, and grades. Read and written only by ``store``.

Times are stored as aware UTC through ``mock_kit.db.UTCDateTime`` and shown in Europe/Stockholm time.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from betyg_harness.mock_kit.db import UTCDateTime

metadata = MetaData()


class Base(DeclarativeBase):
    metadata = metadata


class Account(Base):
    __tablename__ = "accounts"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(40), nullable=False)
    civic_no: Mapped[str | None] = mapped_column(
        String(12)
    )  # a teacher account's personnummer: matched to BER's person


# -- the copy of BER (SS 12000) -------------------------------------------------------------
class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    type: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    school_unit_code: Mapped[str | None] = mapped_column(String(8))
    parent_id: Mapped[str | None] = mapped_column(String(36))


class Syllabus(Base):
    __tablename__ = "syllabuses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    course_code: Mapped[str] = mapped_column(String(20), nullable=False)
    course_name: Mapped[str] = mapped_column(String(300), nullable=False)
    points: Mapped[int | None] = mapped_column(Integer)
    school_type: Mapped[str] = mapped_column(String(12), nullable=False)


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    given_name: Mapped[str] = mapped_column(String(200), nullable=False)
    family_name: Mapped[str] = mapped_column(String(200), nullable=False)
    civic_no: Mapped[str | None] = mapped_column(String(12), index=True)


class Duty(Base):
    __tablename__ = "duties"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    role: Mapped[str | None] = mapped_column(String(60))
    organisation_id: Mapped[str | None] = mapped_column(String(36))


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False)
    organisation_id: Mapped[str | None] = mapped_column(String(36))
    activity_id: Mapped[str | None] = mapped_column(String(36))
    syllabus_id: Mapped[str | None] = mapped_column(String(36))
    # Derived when the group, its activity or its people change (search must not join at 5,000 groups).
    grader_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    grader_names: Mapped[str] = mapped_column(Text, nullable=False, default="")
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    admitted_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    graded_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # meta.modified of the group and its activity when the grading view last re-read them from BER
    # (None after a sync changed either): an unchanged group is not rewritten on every view.
    ber_stamp: Mapped[str | None] = mapped_column(String(80))
    # Bumped on every stored save: a form carries the version it was opened at (stale-form rule).
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    # Covers the list of terms (distinct end dates of searchable groups) and end-date ranges.
    __table_args__ = (Index("ix_groups_end_date_searchable", "end_date", "grader_count"),)


class Membership(Base):
    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("groups.id", ondelete="CASCADE"), nullable=False, index=True
    )
    person_id: Mapped[str] = mapped_column(String(36), nullable=False)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    admitted: Mapped[bool] = mapped_column(Boolean, nullable=False)  # rules.is_admitted at the group's course end


class GroupTeacher(Base):
    __tablename__ = "group_teachers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("groups.id", ondelete="CASCADE"), nullable=False, index=True
    )
    duty_id: Mapped[str] = mapped_column(String(36), nullable=False)
    person_id: Mapped[str | None] = mapped_column(String(36), index=True)
    grader: Mapped[bool] = mapped_column(Boolean, nullable=False)


# -- what Ping Pong owns ----------------------------------------------------------------------
class Grade(Base):
    __tablename__ = "grades"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(String(36), nullable=False)
    person_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    value: Mapped[str] = mapped_column(String(3), nullable=False)
    locked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    deciders: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # person ids of the ticked teachers
    course_code: Mapped[str] = mapped_column(String(20), nullable=False)
    school_unit_id: Mapped[str | None] = mapped_column(String(36))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    saved_by: Mapped[str] = mapped_column(String(200), nullable=False)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(200))
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # mock time it was locked or changed

    __table_args__ = (
        UniqueConstraint("group_id", "person_id"),
        Index("ix_grades_published", "locked", "changed_at"),
    )


# -- the summary's one-time tokens ------------------------------------------------------------
class ConfirmedSummary(Base):
    __tablename__ = "confirmed_summaries"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)  # from the summary's signed payload, once
    group_id: Mapped[str] = mapped_column(String(36), nullable=False)
    saved_by: Mapped[str] = mapped_column(String(200), nullable=False)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    locked: Mapped[int] = mapped_column(Integer, nullable=False)  # how many grades the confirm locked


# The tables by their names, for code that reads them as tables (tests, the digest of mock_kit.db).
def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


accounts = _table(Account)
organisations = _table(Organisation)
syllabuses = _table(Syllabus)
persons = _table(Person)
duties = _table(Duty)
groups = _table(Group)
memberships = _table(Membership)
group_teachers = _table(GroupTeacher)
grades = _table(Grade)
confirmed_summaries = _table(ConfirmedSummary)
