"""The relay's shared flags: a fresh start forgets what a stopped worker left behind."""
import time

from apps.sync.relay_flags import (
    claim_drain, claim_recheck, claim_retry, forget_flags, pause_projection, paused_until, relay_task_queued,
)

SEARCH, DOCUMENTS = "catalog.product.search", "catalog.product.document"


def test_forgetting_the_flags_lets_the_next_worker_start_at_once():
    due = time.time() + 60
    claim_drain(SEARCH)  # a lease left by a worker that was stopped mid-drain
    relay_task_queued(SEARCH)
    claim_recheck(SEARCH)
    pause_projection(SEARCH, due)
    claim_retry(due)
    held_elsewhere = claim_drain(DOCUMENTS)

    forget_flags([SEARCH])

    assert claim_drain(SEARCH) is not None
    assert relay_task_queued(SEARCH) and claim_recheck(SEARCH) and claim_retry(due)
    assert paused_until(SEARCH) is None
    assert held_elsewhere is not None and claim_drain(DOCUMENTS) is None, "other projections' flags stay"
    forget_flags([SEARCH, DOCUMENTS])
