"""Sync settings, read from settings.POLYGLOT_SYNC with these defaults."""
from django.conf import settings

DEFAULTS = {
    "MAX_ATTEMPTS": 8,
    "RETRY_BASE_SECONDS": 2.0,
    "RETRY_MAX_SECONDS": 300.0,
    "SWEEP_GRACE_SECONDS": 5.0,
    "SWEEP_BATCH": 500,
    "BROKER_RETRY_AFTER_SECONDS": 10.0,
    "READ_YOUR_WRITES_WAIT_SECONDS": 0.5,
    "STALENESS_BOUND_SECONDS": 5.0,
    # Where tasks run in-process (embedded), retry failed deliveries from a timer thread.
    "IN_PROCESS_RETRIES": False,
    # Sagas: how long a runner holds a run before the periodic task may take it over
    # (a runner renews it at every step), and the backoff between a step's attempts.
    "SAGA_LEASE_SECONDS": 60.0,
    "SAGA_RETRY_BASE_SECONDS": 0.2,
    "SAGA_RETRY_MAX_SECONDS": 5.0,
    # How long a worker's hold on draining a projection lasts without renewal (it renews it
    # every batch); a dead worker's hold runs out after this, and a queued look takes over.
    "DRAIN_LEASE_SECONDS": 30.0,
    # Outbox retention (apps.sync.retention): events delivered everywhere go after this long,
    # with their deliveries, this many events looked at per transaction.
    "OUTBOX_RETENTION_SECONDS": 7 * 24 * 3600.0,
    "OUTBOX_PRUNE_BATCH": 1000,
}


def sync_setting(name):
    configured = getattr(settings, "POLYGLOT_SYNC", {})
    if name not in DEFAULTS:
        raise KeyError(f"POLYGLOT_SYNC has no setting {name!r}")
    return configured.get(name, DEFAULTS[name])
