"""``python -m betyg_harness.mock_pingpong``: serve the Ping Pong mock."""

import sys

from betyg_harness.mock_kit.server import main
from betyg_harness.mock_pingpong import create_app

if __name__ == "__main__":
    sys.exit(main(create_app, name="mock_pingpong", env_prefix="PINGPONG", default_port=5001))
