"""Errors in the user's words.

Two families: :class:`BusinessError` (the systems said no — retrying cannot help) and
:class:`TransientError` (timeouts, 5xx, a lost session — retried with back-off and a fresh login).
"""

from __future__ import annotations

from betyg_harness.text import close_matches


class FlowError(Exception):
    """Base of every error the flows raise."""


class BusinessError(FlowError):
    """The system refused, or the data does not allow it. Never retried."""


class TransientError(FlowError):
    """Worth another try: a timeout, a server error, a dropped connection."""


class Stopped(FlowError):
    """The caller's ``stop()`` said stop at a safe point of a flow, before anything of the group was
    stored: the group is as it was. Neither a refusal nor worth a retry."""

    def __init__(self, group: str, message: str | None = None):
        super().__init__(message or f"«{group}» avbröts innan något sparades; gruppen är som den var.")
        self.group = group


class SessionLost(TransientError):
    """The login page appeared where another page was expected."""

    def __init__(self, system: str = "Ping Pong"):
        super().__init__(f"Inloggningen i {system} har gått ut (inloggningssidan visades).")


class ServerError(TransientError):
    def __init__(self, status: int, url: str):
        super().__init__(f"Servern svarade {status} på {url}.")
        self.status = status
        self.url = url


class LoginFailed(BusinessError):
    pass


class SavedLoginExpired(LoginFailed):
    """A saved login (Playwright's storage state) no longer opens the system: its session has
    ended. Only the person can log in again (single sign-on, a second factor)."""

    def __init__(self, system: str, path: str):
        super().__init__(
            f"Den sparade inloggningen i {path} gäller inte längre i {system} (inloggningssidan "
            f"visades). Logga in igen: betygsrobot login --save-state {path}"
        )
        self.system, self.path = system, path


class LoginThrottled(LoginFailed):
    """Too many failed logins: the system refuses every attempt for a while (its 429 page);
    retrying at once cannot help."""


class PageRefused(BusinessError):
    """The system showed its own refusal where the flow expected a screen: an error page or an
    alert instead of the page, in the system's words, with the HTTP status when it is known."""

    def __init__(self, message: str, *, system: str = "", status: int | None = None, title: str = "", url: str = ""):
        super().__init__(message)
        self.system, self.status, self.title, self.url = system, status, title, url


class NoAccess(PageRefused):
    """Not allowed (401/403): Betyg for this role, another teacher's group opened by its address
    (searched by name, it is not listed for them: GroupNotFound)."""


class PageNotFound(PageRefused):
    """No such page or record (404/410): a group or a student that is not there (any more)."""


def refusal(system: str, status: int | None, title: str, message: str, url: str) -> PageRefused:
    """The typed error for a refusal page: by its status, in its words."""
    said = ": ".join(p for p in (f"«{title}»" if title else "", message) if p) or "en felsida"
    text = f"{system} visade {said}" + (f" ({status}, {url})" if status else f" ({url})")
    kind = NoAccess if status in (401, 403) else PageNotFound if status in (404, 410) else PageRefused
    return kind(text, system=system, status=status, title=title, url=url)


class GroupNotFound(BusinessError):
    """No such grade group where it was looked for; ``suggestions``: close names that exist."""

    def __init__(self, group: str, detail: str = "", suggestions: list[str] | None = None):
        self.group, self.suggestions = group, list(suggestions or [])
        hint = f" Menade du {' eller '.join(f'«{s}»' for s in self.suggestions)}?" if self.suggestions else ""
        said = f": {detail.rstrip('.')}." if detail else "."
        super().__init__(f"Betygsgruppen «{group}» hittades inte{said}{hint}")


class SearchRefused(BusinessError):
    """Ping Pong refused the search form ("Sökningen kunde inte göras.") with its field messages."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("Ping Pong gjorde inte sökningen: " + " ".join(messages))


class TeacherNotFound(BusinessError):
    """The teacher is not in the list the system offers; close names are suggested, never chosen."""

    def __init__(self, teacher: str, suggestions: list[str], where: str = "Sök lärare"):
        hint = f" Menade du {' eller '.join(f'«{s}»' for s in suggestions)}?" if suggestions else ""
        super().__init__(f"Läraren «{teacher}» finns inte i listan i {where}.{hint}")
        self.teacher, self.suggestions = teacher, suggestions

    @classmethod
    def among(cls, teacher: str, offered: list[str], where: str = "Sök lärare") -> "TeacherNotFound":
        """The refusal for ``teacher``, suggesting up to three close names of those ``offered``."""
        return cls(teacher, close_matches(teacher, offered), where)


class BadPersonnummer(BusinessError, ValueError):
    """A personnummer that is not one (its check digit, its form): before anything is clicked."""


class AmbiguousGroup(BusinessError):
    def __init__(self, group: str, count: int):
        super().__init__(f"{count} betygsgrupper heter «{group}»; ange termin eller datum för att välja en.")
        self.group = group


class WrongCourse(BusinessError):
    def __init__(self, group: str, expected: str, actual: str):
        super().__init__(f"Betygsgruppen «{group}» läser {actual}, inte {expected}.")


class GradeNotInScale(BusinessError):
    def __init__(self, student: str, grade: str, scale: list[str]):
        super().__init__(f"Betyget «{grade}» för {student} finns inte i gruppens betygsskala ({', '.join(scale)}).")
        self.student, self.grade, self.scale = student, grade, scale


class StudentNotAdmitted(BusinessError):
    """Students asked for who are not listed in the grading view (not "Antagen" in BER)."""

    def __init__(self, group: str, students: list[str]):
        super().__init__(f"Ej antagna i betygsgruppen «{group}» (visas inte i betygsvyn): {', '.join(students)}.")
        self.group, self.students = group, students


class GroupNotYetGradeable(BusinessError):
    def __init__(self, group: str, message: str):
        super().__init__(f"«{group}»: {message}")
        self.group = group


class TeacherNotLinked(BusinessError):
    """Teachers asked for who are not the group's grading teachers; ``suggestions``: close names
    among those that are (a misspelling), never chosen for the caller."""

    def __init__(self, group: str, teachers: list[str], available: list[str]):
        avail = ", ".join(available) or "inga"
        self.suggestions = list(dict.fromkeys(s for t in teachers for s in close_matches(t, available)))
        hint = f" Menade du {' eller '.join(f'«{s}»' for s in self.suggestions)}?" if self.suggestions else ""
        super().__init__(
            f"{', '.join(teachers)} är inte betygssättande lärare för «{group}» (kopplade i BER: {avail}).{hint}"
        )
        self.group, self.teachers = group, teachers


class GradeConflict(BusinessError):
    """Some students already have another locked grade: never overwritten. ``conflicts``:
    personnummer (``YYYYMMDD-NNNN``) → (the locked grade, the grade asked for); ``names``: their
    names as the screen shows them."""

    def __init__(self, group: str, conflicts: dict[str, tuple[str, str]], names: dict[str, str] | None = None):
        names = names or {}
        parts = [
            f"{names[p] + ' (' + p + ')' if p in names else p} har låst {have}, inte {want}"
            for p, (have, want) in conflicts.items()
        ]
        super().__init__(f"Konflikt i «{group}»: {'; '.join(parts)}. Inget sparades.")
        self.group, self.conflicts, self.names = group, conflicts, names


class ValidationFailed(BusinessError):
    """Ping Pong answered "Betygen sparades inte." with its reasons."""

    def __init__(self, message: str, details: list[str] | None = None):
        self.details = details or []
        super().__init__(message + (" " + " ".join(self.details) if self.details else ""))


class StaleForm(BusinessError):
    """Someone else saved the group since it was opened; the page shows their changes."""


class SummaryMismatch(BusinessError):
    """The summary does not show exactly what was asked; nothing was stored."""


class NotLockedAfterSave(BusinessError):
    pass


class CatalogueNotReady(BusinessError):
    pass


class BerError(BusinessError):
    pass


class NotVisibleInBer(FlowError):
    """Grades still missing in BER when the wait ran out."""

    def __init__(self, missing: list[str], waited: str):
        super().__init__(f"Syns inte i BER efter {waited}: {'; '.join(missing)}.")
        self.missing = missing
