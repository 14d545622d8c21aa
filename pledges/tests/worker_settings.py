"""Settings for the Celery worker processes started by test_worker_integration and the bench.

The project settings, with short retries so that failing URLs reach their final failure within
seconds (production: INGEST_TASK_MAX_RETRIES / INGEST_RETRY_BACKOFF_MAX, see tasks.py).
"""

from tracker.test_settings import *  # noqa: F403

INGEST_TASK_MAX_RETRIES = 2
INGEST_RETRY_BACKOFF_MAX = 2
# Sweep for messages of a killed worker every second (kombu's default: about every 100 s), so a
# short CELERY_VISIBILITY_TIMEOUT really brings them back within seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
# The tests' pages have no dates for dateparser to read: start the workers without compiling
# its patterns (4 s of CPU per worker start on a machine shared with other tests).
WARM_DATE_PARSER_ON_WORKER_START = False
