"""The sync console in the admin: newest first, the record each row concerns, filters,
plurals that read right, and nothing sync needs can be deleted from it."""
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from apps.sync.models import Delivery, OutboxEvent
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

CHANGELIST = "admin:sync_delivery_changelist"


def shown(response):
    return list(response.context["cl"].result_list)


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_deliveries_are_listed_newest_first_with_a_link_to_their_record(admin_client, clean_stores):
    older, newer = ProductFactory(name="Older lamp"), ProductFactory(name="Newer lamp")

    response = admin_client.get(reverse(CHANGELIST), {"projection": "catalog.product.search"})

    assert [d.event.aggregateid for d in shown(response)] == [str(newer.pk), str(older.pk)]
    assert reverse("admin:catalog_product_change", args=[newer.pk]) in response.content.decode()
    events = admin_client.get(reverse("admin:sync_outboxevent_changelist"), {"aggregatetype": "catalog.product"})
    assert [e.aggregateid for e in shown(events)] == [str(newer.pk), str(older.pk)]


def test_nothing_sync_needs_can_be_deleted_from_the_admin(admin_client, clean_stores):
    product = ProductFactory()
    delivery, event = Delivery.objects.filter(event__aggregateid=str(product.pk)).first(), OutboxEvent.objects.first()

    page = admin_client.get(reverse(CHANGELIST))
    actions = [choice[0] for choice in page.context["action_form"].fields["action"].choices]

    assert "delete_selected" not in actions and "redrive" in actions
    assert admin_client.get(reverse("admin:sync_delivery_delete", args=[delivery.pk])).status_code == 403
    assert admin_client.get(reverse("admin:sync_outboxevent_delete", args=[event.pk])).status_code == 403
    assert admin_client.post(reverse("admin:sync_outboxevent_changelist"),
                             {"action": "delete_selected", "_selected_action": [event.pk]}).status_code == 200
    assert OutboxEvent.objects.filter(pk=event.pk).exists()


def test_redrive_says_how_many_in_words_that_fit_the_number(admin_client, clean_stores):
    product = ProductFactory()
    deliveries = Delivery.objects.filter(event__aggregateid=str(product.pk))
    dead = deliveries.get(projection="catalog.product.search")
    Delivery.objects.filter(pk=dead.pk).update(status="dead", last_error="Unavailable: down", attempts=8)

    response = admin_client.post(reverse(CHANGELIST), {"action": "redrive", "_selected_action": [d.pk for d in deliveries]},
                                 follow=True)

    assert messages_of(response) == ["1 delivery queued again. 2 were not failed or dead and were left as they were."]
    dead.refresh_from_db()
    assert (dead.status, dead.last_error) == ("done", ""), "a redriven delivery that succeeded shows no old error"


def test_redriving_what_is_not_dead_is_a_clear_message_and_runs_nothing(admin_client, clean_stores):
    product = ProductFactory()
    done = list(Delivery.objects.filter(event__aggregateid=str(product.pk)))

    response = admin_client.post(reverse(CHANGELIST), {"action": "redrive", "_selected_action": [d.pk for d in done]},
                                 follow=True)

    assert messages_of(response) == ["Nothing was redriven: only failed or dead deliveries can be redriven."]
    assert {d.attempts for d in Delivery.objects.filter(pk__in=[d.pk for d in done])} == {1}


def test_deliveries_filter_by_age_status_and_projection(admin_client, clean_stores):
    old, new = ProductFactory(), ProductFactory()
    Delivery.objects.filter(event__aggregateid=str(old.pk)).update(created_at=timezone.now() - timedelta(days=9))

    def ids(**query):
        products = {str(old.pk), str(new.pk)}
        return {d.event.aggregateid for d in shown(admin_client.get(reverse(CHANGELIST), query))} & products

    assert ids(age="hour") == {str(new.pk)}
    assert ids(age="older") == {str(old.pk)}
    assert ids(age="older", status="pending") == set()
    assert len(shown(admin_client.get(reverse(CHANGELIST), {"projection": "catalog.product.search"}))) == 2
