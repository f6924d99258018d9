"""The wiring: both mocks as processes on free ports, a real browser, real HTTP between them."""

import pytest
from playwright.sync_api import expect


def test_admin_logs_in_and_ping_pong_reads_ber_over_http(page, scenario, pingpong_server, ber_server, journal):
    journal.clear()
    page.goto(f"{pingpong_server.url}/login")
    page.get_by_label("Användarnamn").fill("betygsadmin")
    page.get_by_label("Lösenord").fill("betygsadmin")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    page.goto(f"{pingpong_server.url}/betyg/sok-grupp")
    page.get_by_label("Gruppnamn, kurs eller lärare").fill("SVESVE01")
    page.get_by_role("button", name="Sök").click()
    page.get_by_role("link", name="SVESVE01 HT26 Kista A").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("SVESVE01 HT26 Kista A")
    # Opening a group refreshes its roster from BER: the call is in BER's journal.
    calls = ber_server.journal(method="GET", path="/ss12000/v2.1/*")
    assert calls, "Ping Pong made no SS 12000 call to BER"
    assert all(call["status"] == 200 for call in calls)


def test_mocks_run_on_their_own_ports_with_their_own_databases(pingpong_server, ber_server):
    assert pingpong_server.url != ber_server.url
    pp, ber = pingpong_server.state(), ber_server.state()
    assert pp["service"] != ber["service"]
    assert pp["database"] != ber["database"]


def test_faults_over_real_http_drop_delay_and_fail(pingpong_server, faults):
    import requests

    faults.pingpong(path="/login", method="GET", drop=True, times=1)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{pingpong_server.url}/login", timeout=10)
    assert requests.get(f"{pingpong_server.url}/login", timeout=10).status_code == 200  # only the next one

    faults.pingpong(path="/login", status=503, times=2)
    assert [requests.get(f"{pingpong_server.url}/login", timeout=10).status_code for _ in range(3)] == [503, 503, 200]

    faults.pingpong(path="/login", latency_ms=300, times=1)
    answer = requests.get(f"{pingpong_server.url}/login", timeout=10)
    assert answer.status_code == 200 and answer.elapsed.total_seconds() >= 0.3  # the delay was added
