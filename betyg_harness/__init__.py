"""betyg-harness: Ping Pong and BER mocks, Playwright flows, a bulk-grading robot and a pytest plugin
for Stockholm komvux's grading routine.

Everything installed lives under this one package: ``betyg_harness.mock_pingpong``,
``betyg_harness.mock_ber``, ``betyg_harness.mock_kit`` (what both mocks share),
``betyg_harness.flows`` (page objects, flows, the robot), ``betyg_harness.fixtures`` (scenarios and
the generator), ``betyg_harness.reference`` (the shipped schemas) and, here, the launcher, the
pytest plugin and the contract and catalogue checkers. Importing this package imports nothing else.
"""

__version__ = "0.2.0"


def version_line(program: str) -> str:
    """What ``--version`` says: the program's name and this package's version."""
    return f"{program} (betyg-harness) {__version__}"


def add_version_option(parser) -> None:
    """``--version`` on an argparse parser (:func:`version_line`)."""
    parser.add_argument("--version", action="version", version=version_line("%(prog)s"))
