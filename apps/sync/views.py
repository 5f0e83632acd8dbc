import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .lag import projection_lag

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def live(request):
    """The process answers."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request):
    """The database answers; with each projection's lag. 503 when the database is down."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        lag = projection_lag()
    except DatabaseError as error:
        logger.error("Readiness check failed: %s", error)
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    dead = sum(entry["dead"] for entry in lag.values())
    return JsonResponse(
        {"status": "degraded" if dead else "ok", "database": "ok", "projections": lag},
    )
