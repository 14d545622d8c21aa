"""Configuration comes from the environment; production refuses to start half-configured."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def run_django(args, **env_overrides):
    unset = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env["DJANGO_SETTINGS_MODULE"] = "tracker.settings"  # production reads, not the test defaults
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_django(["check"], DEBUG="0", ALLOWED_HOSTS="tracker.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_django(["check"], DEBUG="0", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_deploy_check_is_clean_under_production_settings():
    result = run_django(
        ["check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="0",
        SECRET_KEY="k2J9x!vQ8#mZr4Lp@7sWn3Fb$6Yd%1Hc^5Gt&0Aq*Ue-Ri+Ox=Vy_Ij~Pl(Ks)Mw",
        ALLOWED_HOSTS="tracker.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_korean_first_in_seoul_time():
    assert settings.LANGUAGE_CODE == "ko"
    assert [code for code, _ in settings.LANGUAGES] == ["ko", "en"]
    assert settings.TIME_ZONE == "Asia/Seoul"
    assert settings.USE_TZ


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="checks the embedded default")
def test_embedded_default_is_sqlite_and_eager_celery():
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


def test_bare_pytest_works_without_any_environment():
    """A fresh clone runs `pytest` with nothing set: the test settings supply DEBUG=1."""
    unset = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "pledges/tests/test_format.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


@pytest.mark.django_db
def test_postgres_sessions_run_without_jit_unless_asked(require_postgres):
    """JIT compiling cost more than whole page reads at national size (bench-scale)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
    code = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
    result = run_django(["shell", "-c", code], DATABASE_JIT="1", DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "jit" not in result.stdout
