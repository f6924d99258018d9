"""``gunicorn 'betyg_harness.mock_pingpong.wsgi:app' --workers 3 --threads 4``: the mock in every worker,
sharing one database given by ``PINGPONG_DATABASE`` (PostgreSQL; README, "A city-wide run")."""

from betyg_harness.mock_kit.server import gunicorn_app
from betyg_harness.mock_pingpong import create_app

app = gunicorn_app(create_app)
