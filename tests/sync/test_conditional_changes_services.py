"""Conditional changes to a document home from several processes at once (PostgreSQL,
cosmosdb-server): never more taken than there was, every version distinct."""
import os
import subprocess
import sys

import pytest
from django.db import connection

from apps.sync.changes import record_change
from apps.sync.models import OutboxEvent
from apps.sync.projectors import registry
from tests.processes import ROOT
from tests.sync import stock_home

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_processes_reserving_one_stock_at_once_never_take_more_than_there_is(clean_stores):
    projector = stock_home.install()
    try:
        record_change(aggregatetype=stock_home.AGGREGATE, aggregateid="lamp", type="saved",
                      payload={"sku": "lamp", "available": 15}, home=projector.name)
        db = connection.settings_dict
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="polyglot_site.settings", POLYGLOT_PROFILE="services",
                   DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}")
        reservers = [subprocess.Popen([sys.executable, "-m", "tests.sync.reserve_stock", "lamp", "10"], cwd=ROOT, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
        results = [reserver.communicate(timeout=120) for reserver in reservers]

        assert [r.returncode for r in reservers] == [0] * 4, [err[-2000:] for _, err in results]
        applied = sum(int(out.strip().splitlines()[-1]) for out, _ in results)
        assert applied == 15, "every unit taken once, none twice"
        stored = clean_stores["documents"].get(stock_home.CONTAINER, "lamp", "lamp")
        assert (stored["available"], stored["version"]) == (0, 16)
        versions = list(OutboxEvent.objects.filter(aggregateid="lamp").values_list("version", flat=True))
        assert sorted(versions) == list(range(1, 17))
    finally:
        registry.unregister(projector.name)
        clean_stores["documents"].delete_container(stock_home.CONTAINER)
