"""``python -m betyg_harness.mock_ber``: serve the BER mock (default port 5002)."""

from betyg_harness.mock_kit.server import main

from betyg_harness.mock_ber import create_app

if __name__ == "__main__":
    raise SystemExit(main(create_app, name="mock_ber", env_prefix="BER", default_port=5002))
