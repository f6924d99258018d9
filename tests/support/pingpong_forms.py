"""The suites' second Ping Pong user over plain HTTP: ``betyg_harness.formclient`` (shared with the
benchmarks' HTTP floor), re-exported here under the name the tests use."""

from betyg_harness.formclient import FormError, GradingForm, PingPongForms

__all__ = ["FormError", "GradingForm", "PingPongForms"]
