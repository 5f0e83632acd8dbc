"""Normal use prints no warning that would send a newcomer looking for a fault."""
import json
import logging

import pytest
from celery import Celery
from django.conf import settings

from tests.site.fresh import load_settings


@pytest.mark.skipif(settings.POLYGLOT_PROFILE != "embedded", reason="the embedded profile's in-process tasks")
def test_in_process_tasks_log_no_broker_warning(caplog):
    # A fresh app, so no producer pool is left from earlier tests: the first task builds one.
    app = Celery("warnings-test")
    app.config_from_object("django.conf:settings", namespace="CELERY")

    @app.task(name="warnings_test.ran")
    def ran():
        return "ran"

    with caplog.at_level(logging.INFO):
        result = ran.delay()

    assert result.get() == "ran"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


# Unverified requests to the stand-in, under both of its names; prints the warnings they raise.
UNVERIFIED_REQUESTS = (
    "import django, json, warnings, urllib3; django.setup(); "
    "pool = urllib3.PoolManager(cert_reqs='CERT_NONE', retries=False)\n"
    "with warnings.catch_warnings(record=True) as caught:\n"
    "    for host in ('127.0.0.1', 'localhost'): pool.request('GET', f'https://{host}:8081/')\n"
    "print(json.dumps([w.category.__name__ for w in caught]))"
)


@pytest.mark.services
@pytest.mark.parametrize(
    "endpoint, verify, warned",
    [
        ("https://127.0.0.1:8081", "false", []),
        ("https://localhost:8081", "false", []),
        ("https://127.0.0.1:8081", "true", ["InsecureRequestWarning"] * 2),
        ("https://account.documents.azure.com:443/", "false", ["InsecureRequestWarning"] * 2),
    ],
    ids=["stand-in", "stand-in-by-name", "verification-on", "remote-endpoint"],
)
def test_insecure_request_warning_is_silenced_for_the_stand_in_only(local_services, tmp_path, endpoint, verify, warned):
    result = load_settings(
        tmp_path, UNVERIFIED_REQUESTS, POLYGLOT_PROFILE="services", COSMOS_ENDPOINT=endpoint, COSMOS_VERIFY_TLS=verify
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == warned
