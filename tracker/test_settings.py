"""Settings for the test suite: the one settings file (tracker/settings.py), read with the
development default DEBUG=1 unless the environment says otherwise, so that a bare `pytest`
works on a fresh clone. Tests of production behaviour start `manage.py` with DEBUG=0 and
DJANGO_SETTINGS_MODULE=tracker.settings themselves (test_settings.py)."""

import os

os.environ.setdefault("DEBUG", "1")

from tracker.settings import *  # noqa: F403

PUBLIC_VERSION_CHECK_SECONDS = 0.0  # every view reads the version, whatever the environment says
# Each test starts from an empty cache of its own process (conftest clears it); the tests of the
# Redis cache switch to it themselves (pledges/tests/test_public_cache.py).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tests",
        "TIMEOUT": PUBLIC_CACHE_SECONDS,  # noqa: F405
    }
}
