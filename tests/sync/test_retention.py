"""Outbox retention: delivered events older than the retention go with their deliveries, in
bounded batches; what sync still needs (undelivered events, later events of their records,
cursors, version counters) stays; replay works on what is kept, rebuild on the home."""
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from apps.sync import maintenance, redrive, relay, retention
from apps.sync.conf import DEFAULTS, sync_setting
from apps.sync.models import AggregateVersion, Delivery, OutboxEvent, ProjectionCursor
from apps.sync.tasks import prune_outbox
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

DOCUMENTS, SEARCH = "catalog.product.document", "catalog.product.search"
WEEK = 7 * 24 * 3600


def events_of(*products):
    return OutboxEvent.objects.filter(aggregatetype="catalog.product", aggregateid__in=[str(p.pk) for p in products])


def age(products, days):
    """Make the products' events ``days`` old, as if they had been written then."""
    events_of(*products).update(created_at=timezone.now() - timedelta(days=days))


def prune(*args):
    out = StringIO()
    call_command("outbox", "prune", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_old_delivered_events_go_with_their_deliveries_and_young_ones_stay(clean_stores):
    old = [ProductFactory(name=f"Old lamp {n}") for n in range(3)]
    old[0].name = "Old lamp renamed"
    old[0].save()
    young = ProductFactory(name="Young lamp")
    age(old, days=8)
    age([young], days=6)
    per_event = Delivery.objects.filter(event=events_of(young).get()).count()

    report = prune()

    assert f"Deleted 4 events and {4 * per_event} deliveries" in report
    assert not events_of(*old).exists()
    assert not Delivery.objects.filter(event__aggregateid__in=[str(p.pk) for p in old]).exists()
    assert events_of(young).count() == 1
    assert Delivery.objects.filter(event__aggregateid=str(young.pk)).count() == per_event
    assert "Deleted 0 events and 0 deliveries" in prune(), "a second run finds nothing more"


@pytest.mark.parametrize("status", ["pending", "failed", "dead"])
def test_an_event_not_delivered_everywhere_stays_with_every_later_event_of_its_record(clean_stores, status):
    waiting, other = ProductFactory(name="Waiting lamp"), ProductFactory(name="Other lamp")
    first = events_of(waiting).get()
    waiting.name = "Waiting lamp, renamed"
    waiting.save()
    Delivery.objects.filter(event=first, projection=SEARCH).update(status=status)
    age([waiting, other], days=30)

    pruned = retention.prune()

    assert (pruned.events, pruned.kept) == (1, 2)
    assert events_of(waiting).count() == 2, "the later event of the record stays too"
    assert Delivery.objects.filter(event__aggregateid=str(waiting.pk)).count() == 6
    assert not events_of(other).exists()


def test_a_redriven_event_goes_once_delivered(clean_stores):
    product = ProductFactory(name="Dead lamp")
    Delivery.objects.filter(event__aggregateid=str(product.pk), projection=SEARCH).update(status="dead")
    age([product], days=8)
    assert retention.prune().events == 0

    redrive.redrive(Delivery.objects.filter(status="dead"))
    assert not Delivery.objects.exclude(status="done").exists()

    assert retention.prune().events == 1
    assert not events_of(product).exists()


def test_the_retention_is_read_from_the_setting(clean_stores):
    product = ProductFactory(name="Lamp")
    age([product], days=1)

    with override_settings(POLYGLOT_SYNC={**settings.POLYGLOT_SYNC, "OUTBOX_RETENTION_SECONDS": 2 * 24 * 3600}):
        assert retention.prune().events == 0
    with override_settings(POLYGLOT_SYNC={**settings.POLYGLOT_SYNC, "OUTBOX_RETENTION_SECONDS": 12 * 3600}):
        assert retention.prune().events == 1


def test_the_default_retention_is_a_week():
    now = timezone.now()
    assert sync_setting("OUTBOX_RETENTION_SECONDS") == DEFAULTS["OUTBOX_RETENTION_SECONDS"] == WEEK
    assert retention.retention_cutoff(now=now) == now - timedelta(days=7)


def test_batches_are_bounded_and_together_take_everything(clean_stores):
    products = [ProductFactory(name=f"Lamp {n}") for n in range(5)]
    age(products, days=8)
    batches = []

    first = retention.prune(batch_size=2, max_batches=1)
    assert (first.events, first.examined, first.next_after is not None) == (2, 2, True)
    rest = retention.prune(after=first.next_after, batch_size=2, on_batch=batches.append)

    assert [(b.examined, b.events) for b in batches] == [(2, 2), (1, 1)]
    assert rest.next_after is None and rest.events == 3
    assert not OutboxEvent.objects.exists()


def test_pruning_stops_at_the_first_young_event(clean_stores, django_assert_max_num_queries):
    old = [ProductFactory(name=f"Old lamp {n}") for n in range(2)]
    young = [ProductFactory(name=f"Young lamp {n}") for n in range(20)]
    age(old, days=8)

    with django_assert_max_num_queries(8):
        pruned = retention.prune(batch_size=4)

    assert (pruned.events, pruned.batches, pruned.next_after) == (2, 1, None)
    assert events_of(*young).count() == 20


def test_cursors_and_version_counters_stay_and_the_next_change_is_delivered(clean_stores):
    product = ProductFactory(name="Lamp")
    product.name = "Lamp v2"
    product.save()
    cursors = set(ProjectionCursor.objects.values_list("projection", "aggregateid", "version"))
    counters = list(AggregateVersion.objects.values_list("aggregatetype", "aggregateid", "version"))
    age([product], days=8)

    assert retention.prune().events == 2
    assert set(ProjectionCursor.objects.values_list("projection", "aggregateid", "version")) == cursors
    assert list(AggregateVersion.objects.values_list("aggregatetype", "aggregateid", "version")) == counters

    product.name = "Lamp v3"
    product.save()
    delivery = Delivery.objects.get(event__aggregateid=str(product.pk), projection=DOCUMENTS)
    assert (delivery.status, delivery.outcome, delivery.event.version) == ("done", "applied", 3)
    held = clean_stores["documents"].get("products", str(product.pk), partition_key=product.category.slug)
    assert (held["name"], held["version"]) == ("Lamp v3", 3)


def test_replay_applies_only_what_is_kept_and_rebuild_reads_the_home(clean_stores):
    pruned_away, kept = ProductFactory(name="Pruned lamp"), ProductFactory(name="Kept lamp")
    age([pruned_away], days=8)
    retention.prune()
    clean_stores["search"].clear("products")

    applied = maintenance.replay(0, SEARCH)

    assert applied == 1
    assert clean_stores["search"].search("products", "lamp").ids == [str(kept.pk)]
    maintenance.rebuild(maintenance.projector_named(SEARCH))
    assert sorted(clean_stores["search"].search("products", "lamp").ids) == sorted([str(pruned_away.pk), str(kept.pk)])


def test_a_pending_delivery_of_a_kept_event_is_still_delivered_after_pruning(clean_stores, monkeypatch):
    from apps.sync import tasks

    delivered = ProductFactory(name="Brass lamp")
    monkeypatch.setattr(tasks.deliver_event, "delay", lambda *args, **kwargs: None)  # a dispatch still on its way
    in_flight = ProductFactory(name="Copper lamp")
    age([delivered, in_flight], days=8)

    assert retention.prune().events == 1
    relay.drain()

    assert set(Delivery.objects.filter(event__aggregateid=str(in_flight.pk)).values_list("status", flat=True)) == {"done"}
    assert clean_stores["search"].search("products", "copper").ids == [str(in_flight.pk)]


def test_the_beat_task_prunes_batch_after_batch(clean_stores):
    products = [ProductFactory(name=f"Lamp {n}") for n in range(5)]
    age(products, days=8)

    with override_settings(POLYGLOT_SYNC={**settings.POLYGLOT_SYNC, "OUTBOX_PRUNE_BATCH": 2}):
        first = prune_outbox.delay()  # eager here: each batch queues the next one, which runs at once

    assert first.get() == {"events": 2, "deliveries": 2 * 3}
    assert not OutboxEvent.objects.exists() and not Delivery.objects.exists()
    schedule = settings.CELERY_BEAT_SCHEDULE["sync-prune-outbox"]
    assert schedule["task"] == prune_outbox.name == "apps.sync.tasks.prune_outbox"


@pytest.mark.parametrize("argument", [["--older-than", "-1"], ["--older-than", "nan"], ["--batch-size", "0"],
                                      ["--batch-size", "2001"]])
def test_the_command_refuses_bad_numbers(clean_stores, argument):
    with pytest.raises(CommandError):
        prune(*argument)


def test_the_command_takes_its_own_age(clean_stores):
    product = ProductFactory(name="Lamp")
    age([product], days=1)

    assert "Deleted 0 events" in prune("--older-than", str(2 * 24 * 3600))
    assert "Deleted 1 events" in prune("--older-than", "3600", "--batch-size", "1")


def test_a_negative_retention_setting_is_refused_in_plain_words(clean_stores):
    with override_settings(POLYGLOT_SYNC={**settings.POLYGLOT_SYNC, "OUTBOX_RETENTION_SECONDS": -5}):
        with pytest.raises(CommandError, match="SYNC_OUTBOX_RETENTION_SECONDS"):
            prune()
