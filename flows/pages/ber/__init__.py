"""BER's screens: login, group search, a group (with its grading teachers), a student's grades."""
from flows.pages.ber.login import BerLoginPage
from flows.pages.ber.groups import BerGroupPage, BerGroupSearchPage
from flows.pages.ber.student import BerStudentPage
from flows.pages.ber.imports import BerImportLogPage

__all__ = ["BerLoginPage", "BerGroupSearchPage", "BerGroupPage", "BerStudentPage", "BerImportLogPage"]
