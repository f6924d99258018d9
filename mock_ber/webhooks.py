"""Webhook deliveries: BER tells each subscriber when entities of its subscribed types changed.

A job on the shared scheduler (mock clock) looks every ``WEBHOOK_INTERVAL_SECONDS``: for each live
subscription whose next attempt is due, the types changed (``meta.modified``) or removed
(``deletedEntities``) in (``notified_until``, now] are posted to its ``target`` as the file's
callback body ``{"modifiedEntites": [...], "deletedEntities": true|false}`` (the file's spelling;
``modifiedEntities`` is sent beside it). A 2xx answer moves ``notified_until`` to now. Anything
else is retried with a back-off on the mock clock (1, 2, 4, … up to 60 minutes); as
``notified_until`` stays, the next delivery covers everything since — nothing is lost, several
changes may come as one notice (the file allows that). Every attempt is in the journal
(``direction: "out"``).
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from flask import current_app
from sqlalchemy import exists, select

from betyg_harness.mock_kit.app import current_kit, now
from betyg_harness.mock_ber.models import (Activity, DeletedEntity, Duty, Organisation, Person, Programme,
                                           ReceivedGrade, SchoolUnitOffering, StudyPlan, Subscription, Syllabus,
                                           TeachingGroup)

JOB_NAME = "webhooks"
# The SS 12000 type names (EndPointsEnum) BER publishes, with their tables and deletedEntities keys.
MODELS = {"Organisation": Organisation, "Person": Person, "Duty": Duty, "Group": TeachingGroup,
          "Activity": Activity, "Syllabus": Syllabus, "Grade": ReceivedGrade, "StudyPlan": StudyPlan,
          "SchoolUnitOffering": SchoolUnitOffering, "Programme": Programme}
DELETED_KEYS = {"Organisation": "organisations", "Person": "persons", "Duty": "duties", "Group": "groups",
                "Activity": "activities", "Syllabus": "syllabuses", "Grade": "grades", "StudyPlan": "studyPlans",
                "SchoolUnitOffering": "schoolUnitOfferings", "Programme": "programmes"}
MAX_BACKOFF_MINUTES = 60


def install(app, kit) -> None:
    """The job exists while there are subscriptions (a restart on a database that has some)."""
    with kit.db.session() as session:
        if session.scalar(select(exists().where(Subscription.id.is_not(None)))):
            ensure_job(kit)


def ensure_job(kit) -> None:
    if not any(job.name == JOB_NAME for job in kit.scheduler.jobs):
        kit.scheduler.add_job(JOB_NAME, timedelta(seconds=float(kit.app.config["WEBHOOK_INTERVAL_SECONDS"])),
                              kit_dispatch)


def drop_job(kit) -> None:
    """No subscription left (the last one removed, or a scenario load emptied the tables)."""
    kit.scheduler.add_job(JOB_NAME, timedelta(0), kit_dispatch)


def kit_dispatch() -> int:
    return dispatch()


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after ``attempts`` failed ones: 1, 2, 4, … minutes, at most 60."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_MINUTES))


def changes(session, types: list[str], since: datetime, until: datetime) -> tuple[list[str], bool]:
    """(types modified in (since, until], whether any of the types had a removal in it)."""
    modified = [name for name in types if name in MODELS and session.scalar(select(exists().where(
        MODELS[name].modified > since, MODELS[name].modified <= until)))]
    keys = [DELETED_KEYS[name] for name in types if name in DELETED_KEYS]
    deleted = bool(keys) and bool(session.scalar(select(exists().where(
        DeletedEntity.endpoint.in_(keys), DeletedEntity.deleted_at > since, DeletedEntity.deleted_at <= until))))
    return modified, deleted


def dispatch() -> int:
    """One round of deliveries; returns how many notices were posted (successfully or not)."""
    kit = current_kit()
    posted = 0
    with kit.locks.hold("webhooks"):  # one round at a time, in any process
        at = now()
        with kit.db.session() as session, session.begin():
            due = []
            for sub in session.scalars(select(Subscription).where(Subscription.expires > at).order_by(Subscription.id)):
                if sub.next_attempt is not None and sub.next_attempt > at:
                    continue
                modified, deleted = changes(session, list(sub.resource_types), sub.notified_until, at)
                if modified or deleted:
                    due.append((sub.id, sub.target, sub.attempts, modified, deleted))
                else:
                    sub.notified_until = at  # nothing to tell up to now
        for sid, target, attempts, modified, deleted in due:  # no database session held over HTTP
            status, failure = _post(kit, sid, target, attempts + 1, modified, deleted, at)
            posted += 1
            with kit.db.session() as session, session.begin():
                sub = session.get(Subscription, sid)
                if sub is None:
                    continue  # removed meanwhile
                sub.last_status = status
                if failure is None:
                    sub.notified_until, sub.attempts, sub.next_attempt, sub.last_error = at, 0, None, None
                    sub.delivered += 1
                else:
                    sub.attempts += 1
                    sub.next_attempt = at + backoff(sub.attempts)
                    sub.last_error = failure
    return posted


def _post(kit, sid: str, target: str, attempt: int, modified: list[str], deleted: bool,
          at: datetime) -> tuple[int | None, str | None]:
    body = {"modifiedEntites": modified, "modifiedEntities": modified, "deletedEntities": deleted}
    started = time.perf_counter()
    status, failure = None, None
    try:
        response = requests.post(target, json=body, timeout=float(current_app.config["WEBHOOK_TIMEOUT_SECONDS"]),
                                 headers={"User-Agent": "BER-mock webhooks"})
        status = response.status_code
        if not 200 <= status < 300:
            failure = f"Mottagaren svarade med status {status}."
    except requests.RequestException as exc:
        failure = f"Mottagaren kunde inte nås: {type(exc).__name__}."
    parts = urlsplit(target)
    kit.journal.record({
        "time": at.isoformat(), "method": "POST", "path": parts.path or "/", "query": parts.query,
        "status": status, "duration_ms": round((time.perf_counter() - started) * 1000, 2), "fault": None,
        "direction": "out", "target": target, "subscription": sid, "attempt": attempt, "body": body,
        "error": failure,
    })
    return status, failure
