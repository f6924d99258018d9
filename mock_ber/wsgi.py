"""``gunicorn 'betyg_harness.mock_ber.wsgi:app' --workers 3 --threads 4``: the mock in every worker,
sharing one database given by ``BER_DATABASE`` (PostgreSQL; README, "A city-wide run")."""

from betyg_harness.mock_kit.server import gunicorn_app
from betyg_harness.mock_ber import create_app

app = gunicorn_app(create_app)
