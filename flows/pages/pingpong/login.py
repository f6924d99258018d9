"""Ping Pong's "Logga in"."""

from betyg_harness.flows.pages.login import LoginForm


class LoginPage(LoginForm):
    system = "Ping Pong"
