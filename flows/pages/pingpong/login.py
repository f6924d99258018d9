"""Ping Pong's "Logga in"."""
from flows.pages.login import LoginForm


class LoginPage(LoginForm):
    system = "Ping Pong"
