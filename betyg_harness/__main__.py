"""``python -m betyg_harness``: both mocks on the embedded default (the same as ``betyg-mocks``)."""

import sys

from betyg_harness.commands import mocks

if __name__ == "__main__":
    sys.exit(mocks())
