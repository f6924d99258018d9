"""Our own suites are the first user of the plugin (``harness.plugin``, loaded by its entry point)."""
