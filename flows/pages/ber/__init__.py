"""BER's screens: login, group search, a group (with its grading teachers), a student's grades."""

from betyg_harness.flows.pages.ber.login import BerLoginPage
from betyg_harness.flows.pages.ber.groups import BerGroupPage, BerGroupSearchPage
from betyg_harness.flows.pages.ber.student import BerStudentPage
from betyg_harness.flows.pages.ber.imports import BerImportLogPage

__all__ = ["BerLoginPage", "BerGroupSearchPage", "BerGroupPage", "BerStudentPage", "BerImportLogPage"]
