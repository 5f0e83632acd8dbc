"""How far each projection is behind its homes."""
from django.db.models import Count, Min
from django.utils import timezone

from .conf import sync_setting
from .models import Delivery
from .projectors import registry


def projection_lag():
    """Per projection: undelivered deliveries by status, and the age of the oldest one.

    ``events_behind`` counts pending, failed and dead deliveries;
    ``oldest_undelivered_seconds`` is 0 when the projection is up to date.
    """
    now = timezone.now()
    report = {
        name: {"pending": 0, "failed": 0, "dead": 0, "events_behind": 0, "oldest_undelivered_seconds": 0.0}
        for name in registry.names()
    }
    rows = (
        Delivery.objects.exclude(status=Delivery.Status.DONE)
        .values("projection", "status")
        .annotate(count=Count("id"), oldest=Min("created_at"))
    )
    for row in rows:
        entry = report.setdefault(
            row["projection"],
            {"pending": 0, "failed": 0, "dead": 0, "events_behind": 0, "oldest_undelivered_seconds": 0.0},
        )
        entry[row["status"]] = row["count"]
        entry["events_behind"] += row["count"]
        age = round((now - row["oldest"]).total_seconds(), 3)
        entry["oldest_undelivered_seconds"] = max(entry["oldest_undelivered_seconds"], age)
    return report


def lag_seconds(projection):
    """Age in seconds of the projection's oldest undelivered event (0 when caught up)."""
    oldest = (
        Delivery.objects.filter(projection=projection)
        .exclude(status=Delivery.Status.DONE)
        .aggregate(oldest=Min("created_at"))["oldest"]
    )
    return 0.0 if oldest is None else (timezone.now() - oldest).total_seconds()


def lag_problems(report):
    """What is wrong in a ``projection_lag()`` report, one plain sentence per projection.

    Dead and failed deliveries are problems at once; pending ones only once
    the oldest waits past the staleness bound, since fresh events are in flight.
    """
    bound = sync_setting("STALENESS_BOUND_SECONDS")
    problems = []
    for name, entry in sorted(report.items()):
        found = [f"{entry[status]} {status}" for status in ("dead", "failed") if entry[status]]
        if entry["oldest_undelivered_seconds"] > bound:
            found.append(f"oldest undelivered event {entry['oldest_undelivered_seconds']:g} s old (bound {bound:g} s)")
        if found:
            problems.append(f"{name}: {', '.join(found)}")
    return problems
