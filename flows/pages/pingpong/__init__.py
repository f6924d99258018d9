"""Ping Pong's screens under Verktyg → Betyg."""

from betyg_harness.flows.pages.pingpong.login import LoginPage
from betyg_harness.flows.pages.pingpong.betyg import BetygPage
from betyg_harness.flows.pages.pingpong.search import BetygSearchByGroupPage, BetygSearchByTeacherPage, SearchResults
from betyg_harness.flows.pages.pingpong.grading import GradingPage
from betyg_harness.flows.pages.pingpong.summary import SummaryPage
from betyg_harness.flows.pages.pingpong.catalogue import CataloguePreviewPage

__all__ = [
    "LoginPage",
    "BetygPage",
    "BetygSearchByTeacherPage",
    "BetygSearchByGroupPage",
    "SearchResults",
    "GradingPage",
    "SummaryPage",
    "CataloguePreviewPage",
]
