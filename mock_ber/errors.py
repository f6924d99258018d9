"""Every exception BER defines, in one module (mock_kit's shared ones are in mock_kit.errors)."""

from __future__ import annotations


class RegistryError(ValueError):
    """A rule said no; the message is Swedish and shown as is."""


class ApiError(Exception):
    """An SS 12000 request refused: the status and the Error object's ``code`` and ``message``."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class ImportFailed(Exception):
    """A grade import run that applies nothing: Ping Pong not reached, an error status, invalid XML."""


class TargetRefused(ValueError):
    """A webhook target BER will not post to; the message is Swedish, for the Error object."""


class InvalidPosition(ValueError):
    """A page token's position the keyset comparison cannot be built from (the API's 400)."""
