"""Shared fixtures. Tests marked ``services`` need the local servers and run in the
services profile; under CI=true a missing server fails the run instead of skipping."""
import os
import socket

import pytest
from django.conf import settings

from tests.processes import WorkerProcess, services_env

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
    """Service-backed tests belong to the services run (make test runs both profiles):
    in any other profile they are deselected, not skipped."""
    if settings.POLYGLOT_PROFILE == "services":
        return
    deselected = [item for item in items if "services" in item.keywords]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if "services" not in item.keywords]


@pytest.fixture(scope="session")
def local_services():
    """Every local server is up; fail under CI, skip elsewhere, naming what is missing."""
    missing = [name for name, address in SERVICES.items() if not port_open(*address)]
    if missing:
        message = f"not running on 127.0.0.1: {', '.join(missing)} (make test starts them)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    # As `manage.py stores init` does for a site: Azurite starts empty, and no test may
    # depend on another having made the blob containers first.
    from apps.stores.management.commands.stores import blob_containers

    list(blob_containers())
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
    """A test that breaks the broker or loses messages must not leave later tests' dispatch off."""
    from apps.sync.projectors import registry
    from apps.sync.relay_flags import broker_gate, relay_task_started, resume_projections, retry_started

    def reset():
        broker_gate.reset()
        relay_task_started(registry.names())
        retry_started()
        resume_projections(registry.names())

    reset()
    yield
    reset()


@pytest.fixture
def start_worker(local_services, transactional_db, tmp_path):
    """Start real worker processes: start_worker(beat=True, COSMOS_ENDPOINT=...)."""
    workers = []

    def start(beat=False, **overrides):
        worker = WorkerProcess(services_env(**overrides), beat, tmp_path)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
        print(f"--- worker log ---\n{worker.output()}")



@pytest.fixture(scope="session", autouse=True)
def remove_run_resources():
    """After a services run: delete this run's Celery queue, Cosmos database and receipts container."""
    yield
    if settings.POLYGLOT_PROFILE != "services":
        return
    from apps.stores import stores
    from polyglot_site.celery import app as celery_app

    try:
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_delete(settings.CELERY_TASK_DEFAULT_QUEUE)
    except Exception as error:  # noqa: BLE001 - cleanup must not hide the run's result
        print(f"could not delete the test queue: {error}")
    documents = stores["documents"]
    if hasattr(documents, "client"):
        try:
            documents.client.delete_database(documents.options["database"])
        except Exception as error:  # noqa: BLE001
            print(f"could not delete the test Cosmos database: {error}")
    from django.core.files.storage import storages

    receipts = getattr(storages["receipts"], "client", None)
    try:
        if receipts is not None and receipts.exists():
            receipts.delete_container()
    except Exception as error:  # noqa: BLE001
        print(f"could not delete the test receipts container: {error}")
