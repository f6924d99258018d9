"""The harness around the mocks and flows: launcher, pytest plugin, contract and catalogue checks."""
