"""BER's "Logga in"."""
from flows.pages.login import LoginForm


class BerLoginPage(LoginForm):
    system = "BER"
