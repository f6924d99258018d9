"""Ping Pong's screens under Verktyg → Betyg."""
from flows.pages.pingpong.login import LoginPage
from flows.pages.pingpong.betyg import BetygPage
from flows.pages.pingpong.search import BetygSearchByGroupPage, BetygSearchByTeacherPage, SearchResults
from flows.pages.pingpong.grading import GradingPage
from flows.pages.pingpong.summary import SummaryPage
from flows.pages.pingpong.catalogue import CataloguePreviewPage

__all__ = ["LoginPage", "BetygPage", "BetygSearchByTeacherPage", "BetygSearchByGroupPage", "SearchResults",
           "GradingPage", "SummaryPage", "CataloguePreviewPage"]
