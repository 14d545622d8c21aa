"""`make run` on a fresh machine: the embedded default (SQLite, Celery eager, no services).

The suite itself runs on PostgreSQL where it is set (CI), which once hid that the migrations no
longer applied to SQLite at all (an index ordered NULLS LAST): the demo a newcomer starts with
was broken while every other test passed. So this runs the Makefile's own set-up against a
fresh SQLite file whatever the suite's database is, then serves the pages as `make run` does
and uses them as a reader and an editor would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from pledges.tests.prod_server import free_port

ROOT = Path(__file__).resolve().parents[2]
# Everything a user's shell might carry that would take the app off the embedded default.
NOT_SET = {
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "DJANGO_SETTINGS_MODULE",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DEBUG",
}
DEMO_SLUG = "national-ai-computing-center"


@pytest.fixture(scope="module")
def embedded_default(tmp_path_factory):
    """The environment of `make run` on a fresh machine, with its SQLite file in a temporary
    folder, after `make demo` (migrate + load_demo_data) ran there."""
    folder = tmp_path_factory.mktemp("make-run")
    env = {k: v for k, v in os.environ.items() if k not in NOT_SET}
    env["SQLITE_PATH"] = str(folder / "db.sqlite3")
    if sys.prefix != sys.base_prefix:  # the Makefile's own target, with the venv running us
        commands = [["make", "--no-print-directory", "demo", f"VENV={sys.prefix}"]]
    else:  # no venv for make to use: the two commands its target runs
        manage = [sys.executable, "manage.py"]
        commands = [[*manage, "migrate", "--noinput"], [*manage, "load_demo_data"]]
    output = ""
    for command in commands:
        result = subprocess.run(
            command,
            cwd=ROOT,
            env={**env, "DEBUG": "1"},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        output += result.stdout
    assert "Demo data ready: 4 pledges" in output
    return env


def _manage(env, *args, timeout=120):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**env, "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.status, response.read().decode("utf-8-sig")


def test_the_demo_is_served_on_the_embedded_default(embedded_default):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env={**embedded_default, "DEBUG": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = _get(f"{base}/ping/")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()[-3000:]
                assert time.monotonic() < deadline, "runserver did not answer within 60 s"
                time.sleep(0.3)
        pages = {
            "/": "국가AI컴퓨팅센터",
            "/en/": "AI",
            "/pledges/?sort=budget": "국가AI컴퓨팅센터",
            "/pledges/?q=모빌리티": "모빌리티",
            f"/pledges/{DEMO_SLUG}/": "국가AI컴퓨팅센터",
            f"/pledges/{DEMO_SLUG}/evidence/": "광주",
            "/export/pledges.csv": DEMO_SLUG,
        }
        for path, expected in pages.items():
            status, body = _get(base + urllib.parse.quote(path, safe="/?=&"))
            assert status == 200, path
            assert expected in body, path
    finally:
        server.terminate()
        server.wait(timeout=30)


EDITOR_SCRIPT = """
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import setup_test_environment

setup_test_environment()
editor = get_user_model().objects.create_superuser("make-run-editor", password=None)
client = Client()
client.force_login(editor)
for path in (
    "/admin/",
    "/admin/pledges/evidence/?state__exact=suggested",
    "/admin/pledges/evidence/?waiting=yes",
    "/admin/pledges/evidence/?waiting=budget",
    "/admin/pledges/pledge/",
    "/admin/pledges/budgetfigure/",
):
    response = client.get(path, follow=True)  # some lists open on a default filter
    print(path, response.status_code)
"""


def test_the_editors_pages_work_on_the_embedded_default(embedded_default):
    result = _manage(embedded_default, "shell", "-c", EDITOR_SCRIPT)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.split("\n")
    answered = dict(line.rsplit(" ", 1) for line in lines if line.startswith("/admin/"))
    assert len(answered) == 6, result.stdout
    assert set(answered.values()) == {"200"}, answered
