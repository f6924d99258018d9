"""What pytest loads for betyg-harness (its ``pytest11`` entry point).

The plugin (:mod:`betyg_harness.plugin`) needs the ``pytest`` extra: the mocks and
pytest-playwright. A venv with only the robot may still have pytest for other suites; there none of
the plugin is loaded: only its fixture and marker names remain, so that a test that uses one is told
what to install instead of "fixture not found".
"""

from __future__ import annotations

import pytest

from betyg_harness.extras import install_hint, missing

EXTRA = "pytest"

#: The plugin's fixtures (tests/unit/test_extras.py keeps this equal to the plugin's own list).
PLUGIN_FIXTURES = (
    "assert_catalogue",
    "assert_matches_golden",
    "ber",
    "ber_admin_page",
    "ber_as",
    "ber_server",
    "drift_probe",
    "drift_report",
    "faults",
    "grade_admin_page",
    "grade_api",
    "journal",
    "mock_clock",
    "mock_servers",
    "pingpong",
    "pingpong_as",
    "pingpong_server",
    "scenario",
    "ss12000",
    "visual_page",
)

#: The markers the plugin registers (kept equal to the plugin's by tests/unit/test_extras.py).
PLUGIN_MARKERS = ("scenario", "drift", "fail_fast")

_LACKING = missing(EXTRA)

if not _LACKING:
    pytest_plugins = ["betyg_harness.plugin"]
else:

    def _explaining(name: str):
        def fixture():
            pytest.fail(
                f"Fixturen {name} kommer från betyg-harness pytest-plugin, som behöver tillägget "
                f"«{EXTRA}»: {', '.join(_LACKING or [])} saknas. Installera det: {install_hint(EXTRA)}",
                pytrace=False,
            )

        fixture.__name__ = name
        fixture.__doc__ = f"betyg-harness: needs the extra, {install_hint(EXTRA)} (not installed here)."
        return pytest.fixture(name=name)(fixture)

    globals().update({f"_explain_{name}": _explaining(name) for name in PLUGIN_FIXTURES})

    def pytest_configure(config: pytest.Config) -> None:
        # The plugin's markers stay known, so a suite with --strict-markers reaches the fixture's
        # explanation instead of stopping at "'scenario' not found in markers".
        for marker in PLUGIN_MARKERS:
            config.addinivalue_line("markers", f"{marker}: betyg-harness (needs {install_hint(EXTRA)})")
