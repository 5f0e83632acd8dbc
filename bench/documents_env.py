"""The documents benchmark measures the Cosmos backend against cosmosdb-server."""

# The stand-ins this benchmark needs; bench/__main__.py starts those not running, by pid.
STAND_INS = ("cosmosdb-server",)


def prepare_environment():
    """Nothing to set: the bench builds its stores itself, in a database of its own."""
    return lambda: None
