"""Every exception Ping Pong defines (the ones both mocks share are in ``mock_kit.errors``)."""

from __future__ import annotations


class StaleForm(Exception):
    """Someone stored a save of the group after the form was opened."""


class BerUnavailable(Exception):
    """BER did not answer, or answered with an error."""


class FontNotFoundError(RuntimeError):
    """DejaVu Sans is not installed where we look."""
