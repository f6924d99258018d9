"""``/subscriptions`` (SS 12000 v2.1 Prenumeration): create, list, read, renew and remove webhook
subscriptions. The deliveries themselves are :mod:`betyg_harness.mock_ber.jobs.webhooks`.

* A ``target`` must be a URL BER may post to (:func:`webhooks.check_target`: strict URL syntax, never
  a ``/_mock`` path, the allow-list, no internal addresses); otherwise 400 with an Error object.
* A subscription belongs to the API client that made it (``g.ber_api_client``): another client's
  is 404 for GET, PATCH and DELETE, and not in its list.
* The target's secret parts are never listed: GET (list and one) and PATCH show it masked
  (:func:`webhooks.masked`: no user-info or query, the last path segment ``***``); only the 201
  answer to the creator echoes the target as sent.
* ``expires`` is checked the same way on create and renew (:func:`_expires`: RFC 3339, after now,
  at most ``MAX_LIFETIME`` ahead; else 400 with an Error object); without it, now + the lifetime.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import current_app, g, jsonify, request

from betyg_harness.mock_kit.app import current_kit, now
from betyg_harness.mock_ber import store
from betyg_harness.mock_ber.store import ss12000 as queries
from betyg_harness.mock_ber.jobs import webhooks
from betyg_harness.mock_ber.errors import ApiError, TargetRefused
from betyg_harness.mock_ber.models import Subscription
from betyg_harness.mock_ber.ss12000 import api
from betyg_harness.mock_ber.ss12000.params import (
    bad,
    encode_token,
    key_after,
    parse_datetime,
    parse_uuid,
    read_list_args,
)
from betyg_harness.mock_ber.ss12000.serializers import instant

RESOURCE_TYPES = (
    "Absence",
    "AttendanceEvent",
    "Attendance",
    "Grade",
    "CalendarEvent",
    "AttendanceSchedule",
    "Resource",
    "Room",
    "Activity",
    "Duty",
    "Placement",
    "StudyPlan",
    "Programme",
    "Syllabus",
    "SchoolUnitOffering",
    "Group",
    "Person",
    "Organisation",
)
MAX_LIFETIME = timedelta(days=365)


def lifetime() -> timedelta:
    return timedelta(days=float(current_app.config["SUBSCRIPTION_DAYS"]))


def as_json(sub: Subscription, *, reveal: bool = False) -> dict:
    """The file's Subscription; the target masked unless ``reveal`` (the creator's 201 only)."""
    return {
        "id": sub.id,
        "expires": instant(sub.expires),
        "name": sub.name,
        "target": sub.target if reveal else webhooks.masked(sub.target),
        "resourceTypes": [{"resource": r} for r in sub.resource_types],
    }


def _owner() -> str:
    return g.ber_api_client


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise bad("Kroppen måste vara ett JSON-objekt med name, target och resourceTypes.", "invalid_body")
    return body


def _target(value) -> str:
    try:
        return webhooks.check_target(value, current_app.config)
    except TargetRefused as exc:
        raise bad(str(exc), "invalid_target") from None


def _resource_types(value) -> list[str]:
    if not isinstance(value, list) or not value:
        raise bad('resourceTypes måste vara en icke-tom lista, t.ex. [{"resource": "Group"}].', "invalid_body")
    types = []
    for item in value:
        resource = item.get("resource") if isinstance(item, dict) else None
        if resource not in RESOURCE_TYPES:
            raise bad(f"resourceTypes[].resource måste vara ett av: {', '.join(RESOURCE_TYPES)}.", "invalid_body")
        if resource not in types:
            types.append(resource)
    return types


def _expires(body: dict, at):
    """The expiry a create or renew body asks for (``expires``, RFC 3339, after now and at most
    ``MAX_LIFETIME`` ahead), now + the lifetime when it names none; anything else is a 400."""
    if "expires" not in body:
        return at + lifetime()
    if not isinstance(body["expires"], str):
        raise bad("expires måste vara en tidpunkt i RFC 3339-format.", "invalid_body")
    expires = parse_datetime("expires", body["expires"])
    if not at < expires <= at + MAX_LIFETIME:
        raise bad(f"expires måste ligga efter nu och högst {MAX_LIFETIME.days} dagar fram.", "invalid_body")
    return expires


@api.post("/subscriptions")
def create_subscription():
    body = _body()
    name = body.get("name")
    if not isinstance(name, str):
        raise bad("name måste vara en text (ett beskrivande namn på prenumerationen).", "invalid_body")
    if len(name) > 200:
        raise bad("name får vara högst 200 tecken långt.", "invalid_body")
    types = _resource_types(body.get("resourceTypes"))
    target = _target(body.get("target"))
    at = now()
    expires = _expires(body, at)
    sub = Subscription(
        id=str(uuid.uuid4()),
        name=name,
        owner=_owner(),
        target=target,
        resource_types=types,
        created=at,
        expires=expires,
        notified_until=at,
        attempts=0,
        delivered=0,
    )
    with current_kit().db.session() as session, session.begin():
        session.add(sub)
    webhooks.ensure_job(current_kit())
    response = jsonify(as_json(sub, reveal=True))
    response.status_code = 201
    response.headers["Location"] = f"{request.path}/{sub.id}"
    return response


@api.get("/subscriptions")
def list_subscriptions():
    _, limit, position, raw_query = read_list_args(
        request.args, (), max_limit=current_app.config["SS12000_MAX_PAGE_SIZE"], common=()
    )
    after = key_after(position, str)
    with current_kit().db.session() as session:
        page, more = queries.subscriptions_page(session, _owner(), after, limit)
    return jsonify(
        {"data": [as_json(s) for s in page], "pageToken": encode_token([page[-1].id], raw_query) if more else None}
    )


def _find(session, sid: str) -> Subscription:
    sub = session.get(Subscription, parse_uuid("id", sid))
    if sub is None or sub.owner != _owner():  # another client's is as unknown as a missing one
        raise ApiError(404, "not_found", f"Det finns ingen prenumeration med id {sid}.")
    return sub


@api.get("/subscriptions/<rid:sid>")
def get_subscription(sid: str):
    with current_kit().db.session() as session:
        return jsonify(as_json(_find(session, sid)))


@api.patch("/subscriptions/<rid:sid>")
def renew_subscription(sid: str):
    """Renew: ``{"expires": "<RFC 3339>"}`` sets the new expiry; without a body it is now + the lifetime."""
    at = now()
    expires = at + lifetime()
    if request.get_data():
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise bad(
                'Kroppen måste vara ett JSON-objekt, t.ex. {"expires": "2027-01-31T00:00:00+01:00"}.', "invalid_body"
            )
        expires = _expires(body, at)
    with current_kit().db.session() as session, session.begin():
        sub = _find(session, sid)
        sub.expires = expires
        return jsonify(as_json(sub))


@api.delete("/subscriptions/<rid:sid>")
def delete_subscription(sid: str):
    with current_kit().db.session() as session, session.begin():
        session.delete(_find(session, sid))
        left = store.subscription_count(session)
    if not left:
        webhooks.drop_job(current_kit())
    return "", 204
