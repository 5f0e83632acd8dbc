"""The sync benchmark runs on the services profile, in a PostgreSQL database,
a Celery queue and a Cosmos database of its own, all removed afterwards
(bench/isolated_services.py)."""
from bench import isolated_services

# The stand-ins this benchmark needs; bench/__main__.py starts those not running, by pid.
STAND_INS = ("cosmosdb-server", "azurite")  # stores init also makes the blob containers


def prepare_environment():
    return isolated_services.prepare("sync")
