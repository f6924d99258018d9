"""Every exception mock_kit defines, in one module (each mock keeps its own in its ``errors.py``).

The pages and API answers a user meets when something goes wrong are :mod:`mock_kit.error_pages`;
these are the exceptions the shared machinery raises and catches.
"""

from __future__ import annotations


class ControlRequestError(ValueError):
    """A control API request refused because of one field; ``field`` is named in the JSON answer."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


class FaultRuleError(ControlRequestError):
    """A fault rule from the control API that is not valid (the first bad field)."""


class ClockError(ValueError):
    """Text that is no instant the mock clock can be set to (outside the calendar or [1900, 9000))."""


class JsonTooDeep(ValueError):
    """JSON nested deeper than ``MAX_JSON_DEPTH`` or than the parser can follow (a ValueError, so
    ``get_json(silent=True)`` gives None and ``get_json()`` answers 400)."""


class DataFormatError(RuntimeError):
    """A kept database written by a later release than this one: the mock does not start on it."""
