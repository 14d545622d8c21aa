"""The editors' trail: who did what, when, with the state before and after.

Django's own ``LogEntry`` (the admin's history page of each object) holds it, so the trail is
visible where editors already look. The editor actions in ``review.py`` call ``record`` inside
their transaction: an action and its trail commit together or not at all.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

__all__ = ["ADDITION", "CHANGE", "DELETION", "record", "trail_of"]


def record(
    *,
    user,
    obj: models.Model,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    flag: int = CHANGE,
) -> LogEntry | None:
    """Write one trail entry; nothing when no person acted (a command run without an editor)."""
    if user is None or getattr(user, "pk", None) is None:
        return None
    message = json.dumps(
        {"action": action, "before": before or {}, "after": after or {}},
        ensure_ascii=False,
        cls=DjangoJSONEncoder,
        sort_keys=True,
    )
    return LogEntry.objects.create(
        user_id=user.pk,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action_flag=flag,
        change_message=message,
    )


def trail_of(obj: models.Model) -> list[dict[str, Any]]:
    """The trail entries of one object, oldest first, decoded (for tests and the history page)."""
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
    ).order_by("action_time", "pk")
    decoded = []
    for entry in entries:
        try:
            body = json.loads(entry.change_message)
        except ValueError:
            continue
        if isinstance(body, dict) and "action" in body:
            decoded.append({"user": entry.user, "at": entry.action_time, **body})
    return decoded
