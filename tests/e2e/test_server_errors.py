"""The refusals the HTTP server makes before Flask sees a request (a request line over its 64 KiB
limit) are the system's own Swedish page too, over real HTTP."""
from __future__ import annotations

import pytest
import requests


@pytest.mark.parametrize("which, layout", [("pingpong", "Lärportalen"), ("ber", "BER – Barn- och elevregistret")])
@pytest.mark.parametrize("length", [10_000, 70_000])  # over the app's limit; over the server's own
def test_a_very_long_address_is_refused_in_swedish(mock_servers, which, layout, length):
    server = getattr(mock_servers, which)
    response = requests.get(f"{server.url}/login?q={'x' * length}", timeout=30)
    assert response.status_code == 414
    assert "Adressen är för lång" in response.text and layout in response.text
    assert "Request-URI Too Long" not in response.text and "Error response" not in response.text
    assert server.healthy()  # and the server keeps serving
