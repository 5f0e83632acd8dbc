"""Giving dead or failed deliveries a fresh start, for operators (the admin and the
``projections redrive`` command)."""
from django.db import transaction
from django.utils import timezone

from .dispatch import dispatch
from .models import Delivery
from .relay_flags import resume_projections


def redrive(queryset):
    """Give dead (or failed) deliveries a fresh start and queue them; returns how many."""
    chosen = queryset.filter(status__in=[Delivery.Status.DEAD, Delivery.Status.FAILED])
    rows = list(chosen.values_list("pk", "event_id", "projection"))
    resume_projections({projection for _, _, projection in rows})
    with transaction.atomic():
        Delivery.objects.filter(pk__in=[pk for pk, _, _ in rows]).update(
            status=Delivery.Status.PENDING, outcome="", attempts=0, next_attempt_at=timezone.now()
        )
        by_event = {}
        for _, event_id, projection in rows:
            by_event.setdefault(event_id, set()).add(projection)
        for sequence, projections in sorted(by_event.items()):
            transaction.on_commit(lambda s=sequence, p=sorted(projections): dispatch(s, p), robust=True)
    return len(rows)
