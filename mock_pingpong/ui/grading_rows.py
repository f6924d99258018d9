"""The grading view's student rows, built in Python.

A 200-student group has 200 rows with a radio per grade step each: rendered by Jinja that is
some 17,000 template fragments and 5,000 escapes per view, most of the view's time. The markup is
the same as a template would give (grading.html renders the rest of the page).
"""

from __future__ import annotations

from markupsafe import Markup, escape

from betyg_harness.mock_pingpong import rules


def student_rows(
    sheet: rules.Sheet, choices: rules.Submission, errors: dict[str, list[str]], gradeable: bool
) -> list[Markup]:
    """One ``<tr>`` per admitted student: personnummer, name, the grade radios and the lock box."""
    steps = [(step, str(escape(step))) for step in sheet.scale]
    radio_sets: dict[tuple[str | None, str], str] = {}  # (chosen, disabled) → the radios, "\0" for the id

    def radios_for(chosen: str | None, disabled: str) -> str:
        key = (chosen, disabled)
        if key not in radio_sets:
            radio_sets[key] = "\n".join(
                f'<label class="step"><input type="radio" name="grade-\0" value="{step_html}"'
                f"{' checked' if chosen == step else ''}{disabled}><span>{step_html}</span></label>"
                for step, step_html in steps
            )
        return radio_sets[key]

    rows = []
    for s in sheet.students:
        pid = str(escape(s.person_id))
        name = str(escape(s.full_name))
        locked_grade = s.grade if s.grade and s.grade.locked else None
        locked = locked_grade is not None
        chosen = locked_grade.value if locked_grade is not None else choices.grades.get(s.person_id)
        disabled = " disabled" if locked or not gradeable else ""
        grade_errors = errors.get(f"grade-{s.person_id}", [])
        lock_errors = errors.get(f"lock-{s.person_id}", [])
        radios = radios_for(chosen, disabled).replace("\0", pid)
        invalid_grade = f' aria-invalid="true" aria-describedby="err-grade-{pid}"' if grade_errors else ""
        grade_messages = "".join(
            f'<span class="field-error" id="err-grade-{pid}">{escape(m)}</span>' for m in grade_errors
        )
        lock_cell = _lock_cell(s, pid, name, locked_grade, s.person_id in choices.locks, disabled, lock_errors)
        row_class = ' class="has-error"' if grade_errors or lock_errors else ""
        rows.append(
            Markup(
                f"<tr{row_class}>"
                f'<td class="civic">{escape(s.civic_display)}</td>\n<td>{name}</td>\n'
                f'<td><div role="radiogroup" aria-label="Betyg för {name}" class="scale"{invalid_grade}>\n{radios}\n</div>'
                f'{grade_messages}</td>\n<td class="lock">\n{lock_cell}\n</td></tr>\n'
            )
        )
    return rows


def _lock_cell(
    s: rules.Student,
    pid: str,
    name: str,
    locked_grade: rules.StoredGrade | None,
    ticked: bool,
    disabled: str,
    lock_errors: list[str],
) -> str:
    """The lock column: who locked the grade and when, or the lock box (``pid`` and ``name`` escaped)."""
    lock_label = f'<label for="lock-{pid}" class="sr-only">Lås betyg för {name}</label>'
    if locked_grade is not None:
        locked_on = rules.local_date(locked_grade.locked_at).isoformat() if locked_grade.locked_at else ""
        return (
            f'<input type="checkbox" id="lock-{pid}" checked disabled>\n{lock_label}\n'
            f'<span class="locked">Låst {locked_on} av {escape(locked_grade.locked_by or "")}</span>'
        )
    checked = " checked" if ticked else ""
    invalid_lock = f' aria-invalid="true" aria-describedby="err-lock-{pid}"' if lock_errors else ""
    return (
        f'<input type="checkbox" id="lock-{pid}" name="lock-{pid}" value="1"{checked}{disabled}'
        f"{invalid_lock}>\n{lock_label}"
        + ('\n<span class="tag">Utkast</span>' if s.grade else "")
        + "".join(f'<span class="field-error" id="err-lock-{pid}">{escape(m)}</span>' for m in lock_errors)
    )
