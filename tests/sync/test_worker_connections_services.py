"""A worker keeps its database connection between relay tasks (DATABASE_CONN_MAX_AGE):
a relay task takes milliseconds, and opening a PostgreSQL session costs about as much."""
import time

import pytest
from django.db import connection

from apps.sync.models import Delivery
from tests.factories import ProductFactory
from tests.processes import eventually
from tests.sync.test_faults_services import QUICK_SYNC

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# PostgreSQL adds a session to its statistics within a second or so (backends report at most once a second).
STATISTICS_DELAY_SECONDS = 2


def sessions_opened():
    """Sessions ever opened on the test database, as PostgreSQL counts them."""
    time.sleep(STATISTICS_DELAY_SECONDS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def delivered(count):
    return Delivery.objects.filter(status=Delivery.Status.DONE).count() >= count


def test_a_worker_runs_many_relay_tasks_on_one_database_session(start_worker, clean_stores):
    start_worker(**QUICK_SYNC)
    first = ProductFactory(name="Warm-up lamp")
    per_event = Delivery.objects.filter(event__aggregateid=str(first.pk)).count()
    eventually(lambda: delivered(per_event), message="the worker's first tasks")
    before = sessions_opened()

    products = 10
    for n in range(products):
        ProductFactory(name=f"Lamp {n}")
        # One event at a time, so each is carried by tasks of its own.
        eventually(lambda n=n: delivered(per_event * (n + 2)), message=f"the tasks of event {n + 2}")
    opened = sessions_opened() - before

    # With a connection per task it would be at least one per event and projection.
    assert opened <= 1, f"{opened} database sessions opened for {products * per_event} deliveries"


def other_sessions():
    """The backend pids of the other sessions on the test database (the worker's)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return [pid for (pid,) in cursor.fetchall()]


def test_a_worker_whose_session_was_cut_opens_a_new_one_before_its_next_task_uses_it(start_worker, clean_stores):
    worker = start_worker(**QUICK_SYNC)
    first = ProductFactory(name="Lamp")
    per_event = Delivery.objects.filter(event__aggregateid=str(first.pk)).count()
    eventually(lambda: delivered(per_event), message="the worker's first tasks")
    eventually(other_sessions, message="the worker's session, kept open")
    with connection.cursor() as cursor:  # as a database restart, a failover or an idle timeout would
        for pid in other_sessions():
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    eventually(lambda: not other_sessions(), message="the worker's session gone")

    ProductFactory(name="Shade")

    eventually(lambda: delivered(per_event * 2), message="the next event, on a new session")
    assert not Delivery.objects.exclude(status=Delivery.Status.DONE).exists()
    # The session is checked before the task uses it, so no task fails on the dead one.
    assert "retry:" not in worker.output(), worker.output()
