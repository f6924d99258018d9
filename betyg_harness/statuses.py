"""A student's enrolment statuses in a teaching group, as BER records them and scenarios write them,
and the duty role a grading teacher must have.

Only "Antagen" (admitted) students are graded. "Avbrott" (interrupted) and "Avslutad" (finished) end
a membership on their date; "Ej antagen" (not admitted) never was one.
"""

from __future__ import annotations

ADMITTED = "Antagen"
INTERRUPTED = "Avbrott"
FINISHED = "Avslutad"
NOT_ADMITTED = "Ej antagen"

ENROLMENT_STATUSES = (ADMITTED, INTERRUPTED, FINISHED, NOT_ADMITTED)
ENDED_STATUSES = (INTERRUPTED, FINISHED)  # dated: the membership ends on the status date

GRADER_ROLE = "Lärare"  # only staff with this SS 12000 duty role may be a group's betygssättande lärare
