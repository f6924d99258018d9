"""Our own suites are the first user of the plugin (``betyg_harness.plugin``, loaded by its entry point)."""
