"""The one copy of DejaVu Sans both mocks use: embedded in Ping Pong's catalogue PDF and served to
every page of both mocks under ``/static/fonts/<file>`` (their stylesheets name it in
``@font-face``), so screens render with the same glyphs and metrics on any machine, with no font
installed — which is what makes screenshots comparable (``betyg_harness.visual``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from flask import Flask, abort, send_from_directory

FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
URL_PREFIX = "/static/fonts"  # under /static: the journal leaves static files out


def font_dir() -> Path:
    """The folder of the shipped fonts (with their licence and provenance)."""
    return Path(str(resources.files(__package__) / "fonts"))


def register_fonts(app: Flask) -> None:
    """Serve the shipped fonts at ``/static/fonts/<file>`` (long-cached: the files never change
    within a version)."""

    def font(filename: str):
        if filename not in FONT_FILES:
            abort(404)
        return send_from_directory(font_dir(), filename, mimetype="font/ttf", max_age=86_400)

    app.add_url_rule(f"{URL_PREFIX}/<filename>", endpoint="mock_kit_font", view_func=font)
