"""Visual regression: the catalogue PDF and the main screens against golden images (tests/golden)."""
