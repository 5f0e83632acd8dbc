"""Operators carry saga runs on from the admin: resume a stuck run, compensate one, retry a
compensation that failed (the tasks run in-process here; test_sagas_services.py runs the
runner itself on the real services)."""
import pytest
from django.contrib.messages import get_messages
from django.test import override_settings
from django.urls import reverse

from apps.sync import sagas
from apps.sync.models import SagaRun
from tests.sync import toy_saga
from tests.sync.test_sagas import QUICK, steps, toy  # noqa: F401 - the fixture, by name

pytestmark = pytest.mark.django_db(transaction=True)


@override_settings(POLYGLOT_SYNC=QUICK)
def test_an_operator_retries_a_failed_compensation_from_the_admin(toy, admin_client):
    run = sagas.start(toy.name, {"text": "hello", "fail": {"edge": 99, "undo:note": 3}})  # 3 undos fail
    assert run.state == "compensation_failed"

    response = admin_client.post(reverse("admin:sync_sagarun_changelist"),
                                 {"action": "compensate", "_selected_action": [run.pk]}, follow=True)

    run.refresh_from_db()
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["1 run queued to compensate."]
    assert run.state == "compensated"
    assert ("note", "undone", 1, 4) in steps(run), "the fourth undo of the note succeeded"
    assert toy_saga.effects(run.pk) == (False, False, False)


@override_settings(POLYGLOT_SYNC=QUICK)
def test_an_operator_resumes_a_stuck_run_and_is_told_what_was_left(toy, admin_client):
    stuck = sagas.start(toy.name, {"text": "hello"})
    stuck.steps.filter(name="edge").update(state="pending", attempts=0)  # its runner died before the edge
    SagaRun.objects.filter(pk=stuck.pk).update(state="running", lease_until=None)
    done = sagas.start(toy.name, {"text": "other"})

    response = admin_client.post(reverse("admin:sync_sagarun_changelist"),
                                 {"action": "resume", "_selected_action": [stuck.pk, done.pk]}, follow=True)

    stuck.refresh_from_db()
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["1 run queued to resume. 1 was left as it was."]
    assert stuck.state == "completed" and ("edge", "done", 1, 0) in steps(stuck)
