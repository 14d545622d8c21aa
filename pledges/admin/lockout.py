"""The page a locked-out login gets (django-axes' AXES_LOCKOUT_CALLABLE): HTTP 429 in the admin's
look, saying in Korean or English why and for how long."""

from __future__ import annotations

import math

from axes.helpers import get_cool_off
from django.contrib import admin
from django.template.response import TemplateResponse


def locked_out(request, original_response=None, credentials=None):
    cool_off = get_cool_off(request)
    context = {
        **admin.site.each_context(request),
        "cooloff_minutes": math.ceil(cool_off.total_seconds() / 60) if cool_off else 0,
    }
    response = TemplateResponse(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(int(cool_off.total_seconds())) if cool_off else "900"
    return response.render()
