"""The drift probe: does a real Ping Pong and BER still look the way the page objects expect?

    from betyg_harness.drift import ProbeSettings, Target, run_probe
    report = run_probe(ProbeSettings(pingpong=Target(url, user, password), ber=Target(url, user, password)))
    report.exit_code   # 0 no drift (and all reached), 1 drift, 2 could not run or not all reached
    report.unchecked   # the named locators not reached, each with why (allow_partial=True accepts them)

It walks every page object read-only (its browser context refuses any request but GET/HEAD and
the login form's POST — :mod:`betyg_harness.drift.guard`), checks each named locator of each screen
(:meth:`betyg_harness.flows.pages.base.BasePage.named_locators`: matched once, more than once, or no
longer), and validates the API answers the harness reads against the shipped schemas. It lives
beside the flows, not in them: it is a tool that uses the page objects, and it needs the contract
checkers and Rich, which the flows library does not. Like the flows, it never imports a mock.
Command line: ``betyg-drift`` (:mod:`betyg_harness.drift.cli`); pytest: the ``drift_probe``
fixture and the ``drift`` marker of the plugin.
"""

from betyg_harness.drift.probe import ProbeSettings, Target, run_probe
from betyg_harness.drift.report import EXIT_COULD_NOT_RUN, EXIT_DRIFT, EXIT_OK, DriftReport, Finding

__all__ = [
    "ProbeSettings",
    "Target",
    "run_probe",
    "DriftReport",
    "Finding",
    "EXIT_OK",
    "EXIT_DRIFT",
    "EXIT_COULD_NOT_RUN",
]
