import ipaddress
import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.stores.breaker import CLOSED, breakers
from apps.stores.health import store_health

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
    """The database answers; with each store's state and latency (apps.stores.health), each
    projection's lag and each store's circuit breaker (this process's). 503 when the database
    or a required store (HEALTH_REQUIRED_STORES) is down, naming it; ``degraded`` (still 200:
    the site serves) while another store is down, deliveries fail, are dead, or lag past the
    bound, or while a store's breaker is not closed. Only staff and the probes' networks see
    the projections and the stores' details."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        lag = projection_lag()
    except DatabaseError as error:
        logger.error("Readiness check failed: %s", error)
        return JsonResponse({"status": "unavailable", "database": "down", "down": ["database"]}, status=503)
    health = store_health()
    down = [store.alias for store in health if not store.up and store.required]
    circuits = breakers.states()
    problems = [f"{store.alias} store is down: {store.error}" for store in health if not store.up] + lag_problems(lag) + [
        f"{alias} store: circuit {shown['state']} ({shown.get('last_error', '')})"
        for alias, shown in circuits.items() if shown["state"] != CLOSED
    ]
    status = "unavailable" if down else "degraded" if problems else "ok"
    answer = {"status": status, **({"down": down} if down else {})}
    if may_see_details(request):
        answer.update(database="ok", problems=problems, stores={store.alias: store.as_json() for store in health},
                      projections=lag, circuits=circuits)
    return JsonResponse(answer, status=503 if down else 200)


def may_see_details(request):
    """Staff, and the networks of HEALTH_DETAIL_NETWORKS (the probes), see which projection lags."""
    if getattr(request, "user", None) is not None and request.user.is_staff:
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in settings.HEALTH_DETAIL_NETWORKS)
