"""Accounts from the scenario, login, and who may use "Betyg" (the role rule)."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from betyg_harness.mock_kit import logins
from betyg_harness.mock_pingpong import repository
from betyg_harness.mock_pingpong.models import accounts

ROLE_ADMIN = "Betygsadministratör"
ROLE_TEACHER = "Lärare"
NO_ACCESS = "Du har inte behörighet till Betyg."


def load_accounts(conn: Connection, scenario: dict) -> None:
    """Store accounts.pingpong (hashed before the scenario reaches a mock: ``passwordHash``); a teacher
    account carries its staff member's personnummer, which is how it is matched to the BER person
    (BER owns the ids)."""
    staff = {s["key"]: s for s in scenario.get("staff", [])}
    rows = []
    for acc in scenario.get("accounts", {}).get("pingpong", []):
        member = staff.get(acc.get("staff") or "")
        rows.append(
            {
                "username": acc["username"],
                "password_hash": acc["passwordHash"],
                "name": acc["name"],
                "role": acc["role"],
                "civic_no": member["civicNo"] if member else None,
            }
        )
    if rows:
        conn.execute(accounts.insert(), rows)


def authenticate(conn: Connection, username: str, password: str):
    """The account, or None; an unknown username costs one password check too (against a dummy hash)."""
    account = repository.account(conn, username.strip())
    if not logins.password_matches(account.password_hash if account is not None else None, password):
        return None
    return account


def betyg_scope(role: str) -> str | None:
    """Betygsadministratör: "all" groups; Lärare: their "own" grading groups; anyone else: None."""
    return {ROLE_ADMIN: "all", ROLE_TEACHER: "own"}.get(role)


def may_open_group(conn: Connection, account, group_id: str) -> bool:
    scope = betyg_scope(account.role)
    if scope == "all":
        return True
    if scope == "own":
        person_id = repository.person_id_for_civic(conn, account.civic_no)
        return repository.is_grading_teacher(conn, group_id, person_id)
    return False
