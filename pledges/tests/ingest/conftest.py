"""Fixtures shared by the ingestion tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def allow_private(settings):
    settings.INGEST_ALLOW_PRIVATE_ADDRESSES = True
    settings.INGEST_TIMEOUT_SECONDS = 2.0
    return settings
