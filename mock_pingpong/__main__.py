"""``python -m mock_pingpong``: serve the Ping Pong mock."""
import sys

from mock_kit.server import main
from mock_pingpong import create_app

if __name__ == "__main__":
    sys.exit(main(create_app, name="mock_pingpong", env_prefix="PINGPONG", default_port=5001))
