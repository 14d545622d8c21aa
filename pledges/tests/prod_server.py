"""The app as an operator runs it: gunicorn with tracker/gunicorn.conf.py and DEBUG=0.

Used by the tests of security headers, /healthz and logs. Static files are collected once per
test session (the production storage needs its manifest). The server process is always killed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import requests
from django.conf import settings
from django.db import connection

GUNICORN = Path(sys.executable).with_name("gunicorn")
SECRET_KEY = "k2J9x!vQ8#mZr4Lp@7sWn3Fb$6Yd%1Hc^5Gt&0Aq*Ue-Ri+Ox=Vy_Ij~Pl(Ks)Mw"


def free_port() -> int:
    """A port nothing listens on (also: a dead service's address)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_of_tests() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def production_env(static_root: Path, **overrides: str) -> dict[str, str]:
    unset = {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE", "REDIS_URL"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(
        DJANGO_SETTINGS_MODULE="tracker.settings",
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,testserver",
        BEHIND_TLS_PROXY="1",
        DATABASE_URL=database_url_of_tests(),
        STATIC_ROOT=str(static_root),
        LOG_FORMAT="json",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="4",
    )
    env.update(overrides)
    return env


def collect_static(static_root: Path) -> None:
    env = production_env(static_root)
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]


class ProductionServer:
    """``gunicorn -c tracker/gunicorn.conf.py tracker.wsgi`` on a free port, logs to a file."""

    def __init__(self, static_root: Path, log_path: Path, **env_overrides: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = production_env(
            static_root, GUNICORN_BIND=f"127.0.0.1:{self.port}", **env_overrides
        )
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> ProductionServer:
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(GUNICORN), "-c", "tracker/gunicorn.conf.py", "tracker.wsgi"],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_until_it_answers()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_until_it_answers(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("gunicorn exited:\n" + self.log())
            try:
                requests.get(self.url + "/healthz?only=database", timeout=10)
                return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        raise AssertionError("gunicorn did not answer within 90 s:\n" + self.log())

    def get(self, path: str, **kwargs) -> requests.Response:
        headers = {"X-Forwarded-Proto": "https", **kwargs.pop("headers", {})}
        return requests.get(
            self.url + path, headers=headers, timeout=30, allow_redirects=False, **kwargs
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout=10)
        self._log.close()
