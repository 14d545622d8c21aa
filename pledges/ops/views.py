"""GET /healthz: JSON naming each check and whether it is up; HTTP 503 when one is down.

``?only=database,redis`` limits the checks (a load balancer asking whether this web process can
serve should not take it out because a worker elsewhere died).
"""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from pledges.ops import health


@never_cache
@require_safe
def healthz(request):
    only = None
    if "only" in request.GET:
        only = [name.strip() for name in request.GET["only"].split(",") if name.strip()]
        unknown = sorted(set(only) - set(health.CHECKS))
        if unknown or not only:
            return JsonResponse(
                {
                    "error": "unknown check: " + ", ".join(unknown)
                    if unknown
                    else "no check named",
                    "checks": list(health.CHECKS),
                },
                status=400,
            )
    report = health.health_report(only=only)
    return JsonResponse(report, status=200 if report["status"] == health.UP else 503)
