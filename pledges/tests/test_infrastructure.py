"""The services CI promises: the suite really runs on PostgreSQL and reaches Redis."""

import pytest
from django.db import connection

from tracker.celery import app


@pytest.mark.postgres
@pytest.mark.django_db
def test_suite_runs_on_postgresql(require_postgres):
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert "PostgreSQL" in cursor.fetchone()[0]


@pytest.mark.redis
def test_celery_broker_is_reachable(require_redis, settings):
    with app.connection_for_write(settings.REDIS_URL) as conn:
        conn.ensure_connection(max_retries=1)
        assert conn.connected
