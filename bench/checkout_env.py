"""The checkout benchmark runs on the services profile (PostgreSQL, cosmosdb-server for
stock and carts, Azurite for receipts, RabbitMQ for the outbox's dispatch), in a
database, a Cosmos database, a queue and a receipts container of its own, all removed
afterwards (bench/isolated_services.py)."""
from bench import isolated_services

# The stand-ins this benchmark needs; bench/__main__.py starts those not running, by pid.
STAND_INS = ("cosmosdb-server", "azurite")


def prepare_environment():
    return isolated_services.prepare("checkout", LOG_LEVEL="WARNING")
