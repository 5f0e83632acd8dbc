"""Shared fixtures. Tests marked ``services`` need the local servers and run in the
services profile; under CI=true a missing server fails the run instead of skipping."""
import os
import socket

import pytest
from django.conf import settings

SERVICES = {
    "PostgreSQL": ("127.0.0.1", 5432),
    "Redis": ("127.0.0.1", 6379),
    "RabbitMQ": ("127.0.0.1", 5672),
    "Azurite": ("127.0.0.1", 10000),
    "cosmosdb-server": ("127.0.0.1", 8081),
}


def in_ci():
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def port_open(host, port, timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(config, items):
    if settings.POLYGLOT_PROFILE == "services":
        return
    skip = pytest.mark.skip(reason="service-backed: runs with POLYGLOT_PROFILE=services (make test does)")
    for item in items:
        if "services" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def local_services():
    """Every local server is up; fail under CI, skip elsewhere, naming what is missing."""
    missing = [name for name, address in SERVICES.items() if not port_open(*address)]
    if missing:
        message = f"not running on 127.0.0.1: {', '.join(missing)} (make test starts them)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return SERVICES


@pytest.fixture
def clean_stores():
    """Empty every declared container and index and the graph, before and after the test."""
    from apps.stores import stores
    from apps.stores.documents import declared_containers
    from apps.stores.search import declared_indexes

    def wipe():
        documents, search, graph = stores["documents"], stores["search"], stores["graph"]
        for name in declared_containers():
            documents.delete_container(name)
            documents.ensure_container(name)
        for name in declared_indexes():
            search.ensure_index(name)
            search.clear(name)
        graph.clear()

    wipe()
    yield stores
    wipe()


@pytest.fixture(autouse=True)
def open_broker_gate():
    """A test that breaks the broker must not leave later tests' dispatch switched off."""
    from apps.sync.outbox import broker_gate

    broker_gate.reset()
    yield
    broker_gate.reset()
