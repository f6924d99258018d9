"""Our own suites are the first user of the plugin (``betyg_harness.plugin``, loaded by its entry point)."""

# A QA engineer's suite kept as they wrote it: run from the installed wheel in an empty folder by
# tests/e2e/test_wheel.py, never collected as part of ours.
collect_ignore = ["user_suite"]
