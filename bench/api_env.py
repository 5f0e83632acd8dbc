"""The API benchmark serves the services profile (PostgreSQL, Redis, cosmosdb-server,
tantivy) from a PostgreSQL database, a Cosmos database, a Celery queue and a cache
prefix of its own, all removed afterwards (bench/isolated_services.py)."""
from bench import isolated_services

# The stand-ins this benchmark needs; bench/__main__.py starts those not running, by pid.
STAND_INS = ("cosmosdb-server", "azurite")


def prepare_environment():
    return isolated_services.prepare(
        "api",
        # The throttle still runs (its two cache calls are part of every API request), but
        # one client making every request must not be told to slow down.
        API_RATE_ANONYMOUS="1000000000/minute",
        LOG_LEVEL="WARNING",
    )
