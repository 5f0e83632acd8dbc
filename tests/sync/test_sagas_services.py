"""The saga runner's tests again on the services (PostgreSQL, cosmosdb-server, Azurite,
the graph file), and a run whose process is killed between two steps."""
import os
import subprocess
import sys

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from apps.sync import sagas
from apps.sync.models import SagaRun
from tests.processes import ROOT
from tests.sync import toy_saga
from tests.sync.test_sagas import *  # noqa: F401,F403 - the same behaviour on the real services
from tests.sync.test_sagas import toy  # noqa: F401 - the fixture, by name

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def blob_container():
    """Azurite starts empty: the media container is created as `manage.py stores init` would."""
    service = default_storage.client if hasattr(default_storage, "client") else None
    if service is not None and not service.exists():
        service.create_container()


def test_a_process_killed_between_two_steps_leaves_a_run_that_is_resumed_without_repeating_it(toy):
    db = connection.settings_dict
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="polyglot_site.settings", POLYGLOT_PROFILE="services",
               DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
               TOY_SAGA_CRASH_AFTER="blob")
    crashed = subprocess.run([sys.executable, "-m", "tests.sync.run_toy_saga", "order-9"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert crashed.returncode == 9, crashed.stderr[-2000:]

    run = SagaRun.objects.get(key="order-9")
    assert run.state == "running" and run.lease_until is not None, "the dead runner still holds its lease"
    assert [(s.name, s.state) for s in run.steps.order_by("index")] == [
        ("note", "done"), ("blob", "pending"), ("edge", "pending")
    ]
    assert toy_saga.effects(run.pk) == (True, True, False), "the blob was written; its record was not"
    assert sagas.resume_stuck() == 0, "not while the lease runs"

    SagaRun.objects.filter(pk=run.pk).update(lease_until=timezone.now() - timezone.timedelta(seconds=1))
    assert sagas.resume_stuck() == 1

    run.refresh_from_db()
    assert run.state == "completed"
    assert toy_saga.effects(run.pk) == (True, True, True)
    _, files = default_storage.listdir("saga-tests")
    assert len([name for name in files if str(run.pk) in name]) == 1, "the blob step ran again without a second copy"
