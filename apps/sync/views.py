import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .lag import lag_problems, projection_lag

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def live(request):
    """The process answers."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request):
    """The database answers; with each projection's lag. 503 when the database is down,
    ``degraded`` (still 200: the site serves) while deliveries fail, are dead, or lag past the bound."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        lag = projection_lag()
    except DatabaseError as error:
        logger.error("Readiness check failed: %s", error)
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    problems = lag_problems(lag)
    return JsonResponse(
        {"status": "degraded" if problems else "ok", "database": "ok", "problems": problems, "projections": lag},
    )
