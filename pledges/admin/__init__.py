"""The editors' desk (Django admin), by job. Thin: every write goes through review.py or the
ingestion pipeline; the rules live there, not here."""

from pledges.admin import evidence, pledges, signals, sources  # noqa: F401  (registers them)
