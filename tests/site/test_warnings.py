"""Normal use prints no warning that would send a newcomer looking for a fault."""
import logging

import pytest
from celery import Celery
from django.conf import settings


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
