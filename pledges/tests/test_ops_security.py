"""Login throttling (django-axes) and the security headers of the app served with DEBUG=0."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings

from pledges.tests.prod_server import ProductionServer

LOGIN = "/admin/login/?next=/admin/"


def try_login(client, password, username="editor", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_thirty_wrong_passwords_lock_the_login_and_the_right_one_is_refused(client, editor):
    statuses = [try_login(client, f"wrong-{n}").status_code for n in range(30)]
    limit = settings.AXES_FAILURE_LIMIT
    assert statuses[: limit - 1] == [200] * (limit - 1)  # the form again, with its error
    assert set(statuses[limit - 1 :]) == {429}

    response = try_login(client, "pw-editor-1")
    assert response.status_code == 429
    assert not logged_in(client)
    page = response.content.decode()
    assert "로그인 실패가 너무 많아" in page
    assert f"{int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)}분" in page
    assert int(response["Retry-After"]) > 0

    # Another account from the same address is locked too (the address is).
    response = try_login(client, "whatever", username="someone-else")
    assert response.status_code == 429


def test_the_lock_ends_after_the_cool_off(client, editor):
    for n in range(settings.AXES_FAILURE_LIMIT):
        try_login(client, f"wrong-{n}")
    assert try_login(client, "pw-editor-1").status_code == 429
    # As if the cool-off had passed: the failures are older than it.
    AccessAttempt.objects.update(
        attempt_time=dt.datetime.now(dt.UTC) - settings.AXES_COOLOFF_TIME - dt.timedelta(minutes=1)
    )
    response = try_login(client, "pw-editor-1")
    assert response.status_code == 302
    assert logged_in(client)


def test_the_username_is_locked_from_another_address_too(client, editor):
    for n in range(settings.AXES_FAILURE_LIMIT):
        try_login(client, f"wrong-{n}", REMOTE_ADDR="198.51.100.7")
    response = try_login(client, "pw-editor-1", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429
    assert not logged_in(client)


def test_the_lockout_page_speaks_english_to_english_readers(rf, editor):
    """The admin lives at the Korean root (no /en/ prefix); the page is translated all the same."""
    from django.contrib.auth.models import AnonymousUser
    from django.utils import translation

    from pledges.admin.lockout import locked_out

    request = rf.post(LOGIN)
    request.user = AnonymousUser()
    with translation.override("en"):
        response = locked_out(request)
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "15 minutes" in response.content.decode()


def test_a_few_mistakes_do_not_lock_and_success_forgets_them(client, editor):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert try_login(client, f"wrong-{n}").status_code == 200
    response = try_login(client, "pw-editor-1")
    assert response.status_code == 302
    assert logged_in(client)
    assert client.get("/admin/").status_code == 200
    client.logout()
    # The count starts again: as many mistakes once more still do not lock.
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert try_login(client, f"wrong-{n}").status_code == 200
    assert try_login(client, "pw-editor-1").status_code == 302


def test_behind_a_proxy_the_client_address_is_the_one_the_proxy_saw(rf, settings):
    from pledges.ops.logs import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.5"  # the forged left-most entry is ignored
    settings.TRUSTED_PROXY_COUNT = 3  # fewer hops than proxies: not through them
    assert client_ip(request) == "10.0.0.2"


# --- headers, as served by gunicorn with DEBUG=0 ----------------------------------------------

EXPECTED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
}


def assert_security_headers(response) -> None:
    for name, value in EXPECTED_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.headers.get(name))
    csp = response.headers["Content-Security-Policy"]
    directives = dict(
        [*part.strip().split(" ", 1), ""][:2] for part in csp.split(";") if part.strip()
    )
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    policy = response.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy
    assert response.headers["X-Request-ID"]


@pytest.mark.postgres
def test_every_page_kind_sends_the_security_headers_with_debug_off(
    require_postgres, transactional_db, collected_static, tmp_path
):
    from pledges.demo_data import load_gwangju_demo

    load_gwangju_demo()
    with ProductionServer(collected_static, tmp_path / "gunicorn.log") as server:
        for path in (
            "/",
            "/en/",
            "/pledges/ax-demonstration-valley/",
            "/statuses/",
            "/feed/",
            "/export/pledges.csv",
            "/api/v1/pledges/",
            "/api/v1/schema/",
            "/admin/login/",
            "/healthz?only=database",
            "/no-such-page/",
        ):
            response = server.get(path)
            assert response.status_code in (200, 404), (path, response.status_code)
            assert_security_headers(response)
        # Cookies only over TLS.
        login = server.get("/admin/login/")
        assert "Secure" in login.headers["Set-Cookie"]
        # Plain http (no TLS proxy header) is sent to https, except the health check.
        plain = server.get("/", headers={"X-Forwarded-Proto": "http"})
        assert plain.status_code == 301
        assert plain.headers["Location"].startswith("https://")
        health = server.get("/healthz?only=database", headers={"X-Forwarded-Proto": "http"})
        assert health.status_code == 200
