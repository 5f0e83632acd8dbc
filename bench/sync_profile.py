"""Where a latency run's time went, read from the delivery rows afterwards (no worker logging).

The relay stamps every delivery of one projection's batch with one ``delivered_at``,
after that batch's store write returned, so the stamps give each projection's batches:
how many events each carried and how far apart they came (a batch's write plus the wait
for the next task). Per projection, commit → stamp percentiles say which store's
delivery made the visible latency.
"""
from collections import defaultdict

from apps.sync.models import Delivery
from bench.stats import percentile


def latency_profile(committed, projections):
    """``committed``: {event sequence: commit time} of the measured events."""
    rows = Delivery.objects.filter(event_id__in=list(committed), projection__in=projections).values_list(
        "projection", "event_id", "delivered_at"
    )
    latencies, batches = defaultdict(list), defaultdict(lambda: defaultdict(int))
    for projection, sequence, delivered_at in rows:
        latencies[projection].append((delivered_at - committed[sequence]).total_seconds() * 1000)
        batches[projection][delivered_at] += 1
    profile = {}
    for projection in projections:
        waits, stamps = sorted(latencies[projection]), sorted(batches[projection])
        if not waits:
            continue
        sizes = sorted(batches[projection].values())
        gaps = sorted((later - earlier).total_seconds() * 1000 for earlier, later in zip(stamps, stamps[1:]))
        profile[projection] = {
            "commit_to_stamp_p50_ms": round(percentile(waits, 0.5), 1),
            "commit_to_stamp_p99_ms": round(percentile(waits, 0.99), 1),
            "batches": len(stamps),
            "events_per_batch_p50": percentile(sizes, 0.5),
            "events_per_batch_max": sizes[-1],
            "between_batches_p50_ms": round(percentile(gaps, 0.5), 1) if gaps else None,
            "between_batches_p99_ms": round(percentile(gaps, 0.99), 1) if gaps else None,
        }
    return profile
