"""BER's "Logga in"."""

from betyg_harness.flows.pages.login import LoginForm


class BerLoginPage(LoginForm):
    system = "BER"
