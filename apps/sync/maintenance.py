"""Operator tools over projections: status, rebuild, replay and reconcile.

Each works through a projector's own apply(), so a rebuilt or repaired
projection holds exactly what live delivery would have written.
"""
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.db import transaction

from .models import OutboxEvent, ProjectionCursor
from .projectors import State, digest, registry


def apply_state(projector, state):
    """Apply a state whatever the cursor says, then move the cursor up to it (never down)."""
    with transaction.atomic():
        cursor, _ = ProjectionCursor.objects.select_for_update().get_or_create(
            projection=projector.name, aggregatetype=state.aggregatetype, aggregateid=state.aggregateid
        )
        projector.apply(state)
        if state.version > cursor.version:
            cursor.version = state.version
            cursor.save(update_fields=["version", "updated_at"])


def projector_named(name):
    try:
        return registry.get(name)
    except KeyError:
        raise ValueError(f"No projection named {name!r}; registered: {', '.join(registry.names())}.") from None


def rebuild(projector, progress=None):
    """Write every record's current home state into the projection, then remove what the
    home no longer has. Returns how many records were written."""
    written = 0
    for state in projector.home_states():
        apply_state(projector, state)
        written += 1
        if progress:
            progress(1)
    reconcile(projector, repair=True)
    return written


def replay(since, projection=None, progress=None):
    """Bring each projection up to the newest event of every aggregate changed since ``since``.

    Applies one event per aggregate (the newest), ignoring cursors, so it also
    repairs a projection restored from an old backup. Returns how many were applied.
    """
    projectors = [projector_named(projection)] if projection else registry.all()
    newest = {}
    for event in OutboxEvent.objects.filter(sequence__gte=since).order_by("sequence").iterator(chunk_size=1000):
        newest[(event.aggregatetype, event.aggregateid)] = event
    applied = 0
    for event in newest.values():
        for projector in projectors:
            if projector.aggregatetype == event.aggregatetype:
                apply_state(projector, State(event.aggregatetype, event.aggregateid, event.type, event.version, event.payload))
                applied += 1
        if progress:
            progress(1)
    return applied


@dataclass
class Drift:
    projection: str
    missing: list = field(default_factory=list)  # at home, not in the projection
    stale: list = field(default_factory=list)  # in both, the projection holds an older version
    differs: list = field(default_factory=list)  # same version or newer, other content
    duplicated: list = field(default_factory=list)  # held more than once (say, in two partitions)
    extra: list = field(default_factory=list)  # in the projection, gone from the home
    checked: int = 0
    skipped: bool = False  # the projection keeps nothing to compare (a cache)

    KINDS = ("missing", "stale", "differs", "duplicated", "extra")

    @property
    def clean(self):
        return not any(getattr(self, kind) for kind in self.KINDS)

    def summary(self):
        return ", ".join(f"{len(getattr(self, kind))} {kind}" for kind in self.KINDS if getattr(self, kind))


def reconcile(projector, *, repair=False, progress=None):
    """Compare each record at home with the projection's copies, by version and by
    content (a digest of the projected fields); with ``repair``, fix the drift.

    Holds the projection's records in memory while it compares them. A
    projection that keeps nothing durable (a cache) is skipped.
    """
    if not projector.reconcilable:
        return Drift(projector.name, skipped=True)
    copies = defaultdict(list)
    for record in projector.projected_records():
        copies[record.aggregateid].append(record)
    drift = Drift(projector.name)
    for state in projector.home_states():
        drift.checked += 1
        held = copies.pop(state.aggregateid, [])
        kind = _drift_kind(projector, state, held)
        if kind is None:
            continue
        getattr(drift, kind).append(state.aggregateid)
        if repair:
            apply_state(projector, replace(state, repair=True))
        if progress:
            progress(1)
    for aggregateid, held in copies.items():
        drift.extra.append(aggregateid)
        if repair:
            newest = max(record.version for record in held)
            apply_state(projector, State(projector.aggregatetype, aggregateid, "deleted", newest + 1, {"id": aggregateid}))
    return drift


def _drift_kind(projector, state, held):
    if not held:
        return "missing"
    if max(record.version for record in held) < state.version:
        return "stale"
    expected = projector.content(state)
    wanted = digest(expected, expected)
    if not any(record.version >= state.version and digest(record.content, expected) == wanted for record in held):
        return "differs"
    if len(held) > 1:
        return "duplicated"
    return None
