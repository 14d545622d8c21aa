"""Settings for the test suite: the one settings file (tracker/settings.py), read with the
development default DEBUG=1 unless the environment says otherwise, so that a bare `pytest`
works on a fresh clone. Tests of production behaviour start `manage.py` with DEBUG=0 and
DJANGO_SETTINGS_MODULE=tracker.settings themselves (test_settings.py)."""

import os

os.environ.setdefault("DEBUG", "1")

from tracker.settings import *  # noqa: F403
