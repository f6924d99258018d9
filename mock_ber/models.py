"""BER's tables (SQLAlchemy 2.x declarative, own MetaData).

Every SS 12000 record carries ``created``/``modified`` from the mock clock; ``modified`` is indexed
because Ping Pong's incremental sync asks for ``meta.modified.after``.
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
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from betyg_harness.mock_kit.db import UTCDateTime

metadata = MetaData()


class Base(DeclarativeBase):
    metadata = metadata


class Stamped:
    created: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    modified: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)


class Organisation(Stamped, Base):
    __tablename__ = "organisation"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    organisation_type: Mapped[str] = mapped_column(String(32))  # Huvudman | Skolenhet
    school_unit_code: Mapped[str | None] = mapped_column(String(8), index=True)
    organisation_number: Mapped[str | None] = mapped_column(String(11))
    municipality_code: Mapped[str | None] = mapped_column(String(4))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("organisation.id"))


class Syllabus(Stamped, Base):
    __tablename__ = "syllabus"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    points: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(16))  # gymnasial | grundläggande
    subject_code: Mapped[str] = mapped_column(String(12), default="")  # MAT, GRNENG, ... (sortkey SubjectCode*)
    subject_name: Mapped[str] = mapped_column(String(200), default="")  # "Matematik" (sortkey SubjectName*)


class Person(Stamped, Base):
    __tablename__ = "person"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    civic_no: Mapped[str] = mapped_column(String(12), index=True)
    email: Mapped[str | None] = mapped_column(String(200))
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    # The name fields case-folded, one per line: nameContains is case-insensitive for Å, Ö and Ł too
    # (SQLite's lower() folds only ASCII).
    folded_name: Mapped[str] = mapped_column(String(201), default="")

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class Duty(Stamped, Base):
    __tablename__ = "duty"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    duty_role: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[date] = mapped_column(Date)
    person: Mapped[Person] = relationship(lazy="joined")


class TeachingGroup(Stamped, Base):
    __tablename__ = "teaching_group"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    syllabus_id: Mapped[str] = mapped_column(ForeignKey("syllabus.id"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date, index=True)
    syllabus: Mapped[Syllabus] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class Activity(Stamped, Base):
    """One per teaching group: ties it to its course and its teachers."""

    __tablename__ = "activity"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("teaching_group.id"), unique=True)
    group: Mapped[TeachingGroup] = relationship(lazy="joined")


class Enrolment(Base):
    """A student's place in a teaching group, with its BER status."""

    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("group_id", "person_id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the membership id
    group_id: Mapped[str] = mapped_column(ForeignKey("teaching_group.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # Antagen | Avbrott | Avslutad | Ej antagen
    status_date: Mapped[date | None] = mapped_column(Date)
    start_date: Mapped[date] = mapped_column(Date)
    person: Mapped[Person] = relationship(lazy="joined")


class TeacherAssignment(Stamped, Base):
    """A staff member on a group's activity; ``grader`` = linked as betygssättande lärare."""

    __tablename__ = "teacher_assignment"
    __table_args__ = (UniqueConstraint("activity_id", "duty_id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    activity_id: Mapped[str] = mapped_column(ForeignKey("activity.id"), index=True)
    duty_id: Mapped[str] = mapped_column(ForeignKey("duty.id"), index=True)
    teaching: Mapped[bool] = mapped_column(Boolean, default=True)
    grader: Mapped[bool] = mapped_column(Boolean, default=False)
    duty: Mapped[Duty] = relationship(lazy="joined")


class ReceivedGrade(Stamped, Base):
    """A grade in BER's register; ``received_at`` is when it became visible.

    ``origin`` says who owns it: ``pingpong`` — received from Ping Pong's grade API, and replaced by
    each later complete list of that student (the import owns these and only these); ``history`` —
    an earlier grade that came from elsewhere (another school, an earlier system, the scenario's
    history), which the import never touches."""

    __tablename__ = "received_grade"
    __table_args__ = (Index("ix_grade_student_course", "student_id", "course_code", "group_ref"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    student_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    course_code: Mapped[str] = mapped_column(String(12))
    group_ref: Mapped[str] = mapped_column(String(36), default="")  # group GUID or ""
    group_id: Mapped[str | None] = mapped_column(ForeignKey("teaching_group.id"))
    syllabus_id: Mapped[str | None] = mapped_column(ForeignKey("syllabus.id"))
    school_ref: Mapped[str] = mapped_column(String(36))
    value: Mapped[str] = mapped_column(String(3))
    grade_date: Mapped[date] = mapped_column(Date)
    trial: Mapped[bool] = mapped_column(Boolean, default=False)
    teacher_ids: Mapped[list] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    origin: Mapped[str] = mapped_column(String(12), default="pingpong", index=True)
    correction_type: Mapped[str | None] = mapped_column(String(12))  # Rättelse | Ändring (SS 12000 correctionType)
    previous_value: Mapped[str | None] = mapped_column(String(3))  # the value before the correction
    remark: Mapped[str | None] = mapped_column(Text)


class ImportRun(Base):
    __tablename__ = "import_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime)
    from_: Mapped[datetime] = mapped_column("from_time", UTCDateTime)
    tom: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(8))  # ok | failed
    error: Mapped[str | None] = mapped_column(Text)
    students: Mapped[int] = mapped_column(Integer, default=0)
    applied: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)


class Programme(Stamped, Base):
    """A programme of courses (komvux: a yrkespaket such as "Nationellt yrkespaket")."""

    __tablename__ = "programme"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(20), index=True)
    programme_type: Mapped[str] = mapped_column(String(40))
    school_type: Mapped[str] = mapped_column(String(12))
    syllabus_ids: Mapped[list] = mapped_column(JSON, default=list)
    points: Mapped[int | None] = mapped_column(Integer)


class SchoolUnitOffering(Stamped, Base):
    """What a school unit offers: the courses of its groups and the programmes given there."""

    __tablename__ = "school_unit_offering"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    syllabus_ids: Mapped[list] = mapped_column(JSON, default=list)
    programme_ids: Mapped[list] = mapped_column(JSON, default=list)


class StudyPlan(Stamped, Base):
    """A student's individual study plan (komvux: the individuella studieplanen); its courses are
    the student's enrolments, read when served."""

    __tablename__ = "study_plan"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), unique=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)


class DeletedEntity(Base):
    """A removal, for ``GET /deletedEntities``: the record's id, its endpoint and when (mock clock)."""

    __tablename__ = "deleted_entity"
    row: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity_id: Mapped[str] = mapped_column(String(36))
    endpoint: Mapped[str] = mapped_column(String(32), index=True)  # persons, groups, activities, ...
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Subscription(Base):
    """A webhook subscription (SS 12000 ``/subscriptions``) and the state of its deliveries.

    ``notified_until``: every change up to this instant has been delivered; a failed delivery leaves
    it, so the next attempt (``next_attempt``) covers everything since."""

    __tablename__ = "subscription"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str | None] = mapped_column(String(64))  # the API client that made it (sees it alone)
    target: Mapped[str] = mapped_column(String(2000))
    resource_types: Mapped[list] = mapped_column(JSON, default=list)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    expires: Mapped[datetime] = mapped_column(UTCDateTime)
    notified_until: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered: Mapped[int] = mapped_column(Integer, default=0)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)


class BerUser(Base):
    __tablename__ = "ber_user"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    name: Mapped[str] = mapped_column(String(200))
