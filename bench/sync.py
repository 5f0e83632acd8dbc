"""Sync: commit-to-visible latency with real workers, and throughput through the broker.

    python -m bench sync [--rate 200] [--seconds 20] [--window 60] [--producers 2] [--runs 3] [--quick]

Runs the services profile as shipped (PostgreSQL, RabbitMQ, documents in
cosmosdb-server, search in tantivy), in a database, queue and Cosmos database
of its own; bench/sync_env.py starts cosmosdb-server (by pid) if it is not
running, and removes everything afterwards. One Celery worker with two
processes delivers; dispatch queues one relay task per projection, and one
worker at a time drains a projection (so the document store and the search
index are written at once, by the two processes).

Every measure of every run starts from the same state (bench/sync_reset.py):
an empty outbox (events, deliveries, cursors, version counters), an empty
product table (TRUNCATE, ids from 1 again), an empty products container, a
new empty products index, no relay flags and no queued message, and a worker
started for that measure alone. So run 3 measures what run 1 did, not a
database grown by the runs before it; each run's JSON says what the stores
held when it started (``started_with``, all 0).

latency: products are saved (half creates, half updates of earlier ones) at a
steady ``--rate`` per second. Each event's clock starts at its COMMIT (an
on_commit callback registered before the save, so it runs first) and stops
when the later of its document and search deliveries was stamped (the cached
product page's delivery only drops entries, and is left out), which the relay does after
the projection's write has returned (the document replaced in cosmosdb-server,
the tantivy commit done): the moment a reader could see the new version. The
first second of each run is warm-up. The goal is a latency at that rate: a run whose
producer kept less than 95% of ``--rate`` fails it, however fast its deliveries were
(the producer is one process sharing the machine's cores with the rest). Each run's
``per_projection`` says where the
time went (bench/sync_profile.py): per projection, commit → delivered
percentiles, its batches' sizes and the time between them.

throughput: ``--producers`` processes save products as fast as they can (half
updates) for ``--window`` seconds while the worker delivers, through the
broker. Reported: the producers' rate, the events fully delivered within the
window, the backlog at its end and how long it took to drain. Live producers
on this machine's 2 cores write far fewer than 2,000 events/s, so the relay's
own ceiling is measured too: a backlog of ``--backlog`` committed events
drained by the two worker processes through the broker (one task per
projection, as dispatch sends them).

There is no second implementation to compare with here: the baseline is the
direct write a request would otherwise make (each save writing the document
and the index itself), which the projections' figures are read against:
``direct_write_ms`` times exactly those two writes, in this process.
"""
import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from django.core.management import call_command
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.catalog.models import Category, Product
from apps.sync import outbox
from apps.sync.models import Delivery, OutboxEvent
from apps.sync.projectors import State, registry
from bench import harness
from bench.harness import spread
from bench.stats import percentile
from bench.sync_profile import latency_profile
from bench.sync_reset import start_afresh

ROOT = Path(__file__).resolve().parents[1]
GOAL_P99_MS = 250
GOAL_EVENTS_PER_SECOND = 2000
# A latency run counts for the goal only if its producer kept at least this share of the rate.
RATE_SHORTFALL = 0.95


def parse_arguments(args):
    parser = argparse.ArgumentParser(prog="python -m bench sync", description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=200, help="events per second for the latency runs")
    parser.add_argument("--seconds", type=float, default=20, help="length of each latency run")
    parser.add_argument("--window", type=float, default=60, help="length of each throughput window")
    parser.add_argument("--producers", type=int, default=2, help="live producer processes")
    parser.add_argument("--backlog", type=int, default=20_000, help="waiting events for the relay's ceiling")
    parser.add_argument("--runs", type=int, default=3, help="repeated runs of each measure")
    parser.add_argument("--quick", action="store_true", help="short runs, for development")
    options = parser.parse_args(args)
    if options.quick:
        options.rate, options.seconds, options.window, options.backlog, options.runs = 100, 4, 8, 2000, 1
    return options


def progress(message):
    harness.progress("sync", message)


def start_worker(log_dir, label, concurrency=2):
    log = open(Path(log_dir) / f"worker-{label}.log", "w")
    # A node name of its own: another worker on this machine (a test's, a site's) keeps its own.
    name = f"{os.environ['CELERY_TASK_DEFAULT_QUEUE']}@{socket.gethostname()}"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "polyglot_site", "worker", "--pool=prefork", f"--concurrency={concurrency}",
         "-n", name, "--loglevel=warning", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=dict(os.environ, DJANGO_SETTINGS_MODULE="polyglot_site.settings"),
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    return worker, log, name


def stop_worker(worker):
    """Stop the worker and its pool processes, whatever they were doing."""
    harness.stop_process_group(worker)


@contextmanager
def fresh_worker(log_dir, label):
    """Empty the state (bench/sync_reset.py), then run the measure with a worker of its own,
    started for it and stopped after it. Yields what the stores held at the start."""
    started_with = start_afresh()
    if any(started_with.values()):
        raise RuntimeError(f"the state was not emptied before the measure: {started_with}")
    worker, log, name = start_worker(log_dir, label)
    try:
        wait_for_worker(name)
        yield started_with
    finally:
        stop_worker(worker)
        log.close()


def wait_for_worker(name, timeout=60):
    """Until this worker answers: other workers on the same broker (a test's, another
    bench's) answer a ping too, and must not start the clock early."""
    from polyglot_site.celery import app

    deadline = time.monotonic() + timeout
    while not app.control.ping(destination=[name], timeout=0.5):
        if time.monotonic() > deadline:
            raise RuntimeError("the worker did not start")


def wait_until_delivered(timeout):
    deadline = time.monotonic() + timeout
    while Delivery.objects.exclude(status=Delivery.Status.DONE).exists():
        dead = Delivery.objects.filter(status=Delivery.Status.DEAD).values_list("last_error", flat=True).first()
        if dead is not None:
            raise RuntimeError(f"a delivery is dead, so the figures would mean nothing: {dead}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"deliveries still waiting after {timeout}s")
        time.sleep(0.05)
    return time.monotonic()


# Where a reader sees the new version; the product's cache projection only drops entries.
VISIBLE_IN = ("catalog.product.document", "catalog.product.search")


def visible_at():
    """{event sequence: when the later of its document and search deliveries was stamped}."""
    deliveries = Delivery.objects.filter(projection__in=VISIBLE_IN)
    return dict(deliveries.values("event_id").annotate(last=Max("delivered_at")).values_list("event_id", "last"))


def measure_latency(rate, seconds, run):
    categories = list(Category.objects.all())
    rng = random.Random(run)
    committed, products = {}, []
    interval, total = 1.0 / rate, int(rate * seconds)
    started = time.perf_counter()
    for n in range(total):
        delay = started + n * interval - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        stamp = []
        outbox.emitted_sequences.set(())
        with transaction.atomic():
            transaction.on_commit(lambda: stamp.append(timezone.now()))  # first callback: the commit itself
            if products and n % 2:
                product = rng.choice(products)
                product.name = f"Bench lamp {product.pk} #{n}"
                product.save()
            else:
                product = Product(sku=f"R{run}-{n}", name=f"Bench lamp {n}", slug=f"bench-lamp-{run}-{n}",
                                  category=rng.choice(categories), price=10)
                product.save()
                products.append(product)
        committed[outbox.emitted_sequences.get()[-1]] = stamp[0]
    achieved = total / (time.perf_counter() - started)
    wait_until_delivered(180)
    done = visible_at()
    measured = dict(list(committed.items())[int(rate):])  # the first second is warm-up
    latencies = sorted((done[seq] - commit).total_seconds() * 1000 for seq, commit in measured.items())
    return {"events": len(latencies), "achieved_rate_per_s": round(achieved, 1),
            "p50_ms": round(percentile(latencies, 0.50), 1), "p95_ms": round(percentile(latencies, 0.95), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1), "max_ms": round(latencies[-1], 1),
            "per_projection": latency_profile(measured, VISIBLE_IN)}


def measure_direct_writes(count=300):
    """The baseline: what a request would pay to write the document and the index itself."""
    projectors = registry.for_type(Product.outbox_aggregate_type)
    category = Category.objects.first()
    product = Product(sku="DIRECT-0", name="Direct lamp", slug="direct-lamp", category=category, price=10)
    product.save()
    timings = []
    for n in range(count):
        product.name = f"Direct lamp {n}"
        state = State(Product.outbox_aggregate_type, str(product.pk), "saved", product.version + n + 1,
                      product.outbox_payload())
        started = time.perf_counter()
        for projector in projectors:
            projector.apply(state)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"writes": count, "p50_ms": round(percentile(timings, 0.5), 2), "p99_ms": round(percentile(timings, 0.99), 2)}


def measure_live_throughput(window, producers, run):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="polyglot_site.settings")
    before = OutboxEvent.objects.aggregate(last=Max("sequence"))["last"] or 0
    started_at = timezone.now()
    processes = [subprocess.Popen([sys.executable, "-m", "bench.sync_producer", "--seconds", str(window),
                                   "--prefix", f"L{run}-{n}", "--seed", str(n)], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for n in range(producers)]
    outputs = [process.communicate(timeout=window + 120) for process in processes]
    window_end = timezone.now()
    for process, (out, err) in zip(processes, outputs):
        if process.returncode != 0:
            raise RuntimeError(f"a producer failed: {err[-2000:]}")
    produced = sum(int(out.strip().splitlines()[-1]) for out, _ in outputs)
    backlog = Delivery.objects.exclude(status=Delivery.Status.DONE).values("event_id").distinct().count()
    stopped = time.monotonic()
    drained = wait_until_delivered(600)
    done = visible_at()
    events = [seq for seq in done if seq > before]
    in_window = sum(1 for seq in events if done[seq] <= window_end)
    elapsed = (window_end - started_at).total_seconds()
    return {"producers": producers, "window_s": round(elapsed, 1), "events_produced": produced,
            "produced_per_s": round(produced / elapsed, 1), "delivered_in_window_per_s": round(in_window / elapsed, 1),
            "backlog_at_window_end": backlog, "drain_after_window_s": round(drained - stopped, 2)}


def waiting_events(count, prefix):
    """``count`` committed product events with their deliveries, as if their dispatch had been lost."""
    now = timezone.now()
    categories = list(Category.objects.values_list("slug", "name"))
    events = OutboxEvent.objects.bulk_create(
        (OutboxEvent(
            aggregatetype=Product.outbox_aggregate_type, aggregateid=f"{prefix}{n}", type="saved", version=1,
            payload={"id": f"{prefix}{n}", "sku": f"{prefix}-{n}", "name": f"Waiting lamp {n}", "slug": f"{prefix}-{n}",
                     "description": "A lamp that waited in the outbox.", "category": categories[n % len(categories)][0],
                     "category_name": categories[n % len(categories)][1], "price": "12.50", "status": "active",
                     "created_at": now.isoformat(), "updated_at": now.isoformat()},
        ) for n in range(count)), batch_size=5000,
    )
    projections = [p.name for p in registry.for_type(Product.outbox_aggregate_type)]
    Delivery.objects.bulk_create(
        (Delivery(event=event, projection=name, created_at=now) for event in events for name in projections),
        batch_size=5000,
    )
    return events[-1].sequence


def measure_relay_ceiling(count, run):
    """A backlog drained by the two worker processes through the broker."""
    from apps.sync.tasks import deliver_event

    last = waiting_events(count, f"w{run}-")
    started = time.monotonic()
    for projection in registry.for_type(Product.outbox_aggregate_type):  # as dispatch does: one task per projection
        deliver_event.delay(last, projection.name)
    finished = wait_until_delivered(900)
    elapsed = finished - started
    return {"events": count, "seconds": round(elapsed, 2), "events_per_s": round(count / elapsed, 1)}


def summarise(runs, keys):
    return {key: spread([run[key] for run in runs]) for key in keys}


def latency_goal(latency_runs, rate):
    """(p99 spread, achieved-rate spread, whether every run kept the rate, whether the goal is met).

    The goal is a latency at a rate: every run's p99 under GOAL_P99_MS, and a run whose
    producer fell short of the rate (by more than RATE_SHORTFALL allows) fails it.
    """
    p99 = spread([r["p99_ms"] for r in latency_runs])
    achieved = spread([r["achieved_rate_per_s"] for r in latency_runs])
    at_rate = achieved["min"] >= RATE_SHORTFALL * rate
    return p99, achieved, at_rate, p99["max"] < GOAL_P99_MS and at_rate


def run(args):
    options = parse_arguments(args)
    progress("migrating the benchmark database")
    call_command("migrate", verbosity=0)
    call_command("stores", "init", verbosity=0)
    call_command("seed_demo", "--products", "40", "--shoppers", "0", "--no-pictures", verbosity=0)  # the categories
    latency_runs, live_runs, ceiling_runs = [], [], []
    measures = (
        ("latency", f"latency at {options.rate:g} events/s for {options.seconds:g} s", latency_runs,
         lambda number: measure_latency(options.rate, options.seconds, number)),
        ("live", f"{options.producers} live producers for {options.window:g} s", live_runs,
         lambda number: measure_live_throughput(options.window, options.producers, number)),
        ("ceiling", f"a backlog of {options.backlog} events", ceiling_runs,
         lambda number: measure_relay_ceiling(options.backlog, number)),
    )
    with tempfile.TemporaryDirectory() as log_dir:
        progress("baseline: the two writes a request would make itself")
        direct = measure_direct_writes()
        for number in range(options.runs):
            for name, what, results, measure in measures:
                progress(f"run {number + 1}/{options.runs}: {what}, from an empty outbox, product table and index")
                with fresh_worker(log_dir, f"{name}-{number + 1}") as started_with:
                    results.append({**measure(number), "started_with": started_with})
    p99, achieved, at_rate, latency_met = latency_goal(latency_runs, options.rate)
    ceiling = spread([r["events_per_s"] for r in ceiling_runs])
    live = spread([r["delivered_in_window_per_s"] for r in live_runs])
    p50 = spread([r["p50_ms"] for r in latency_runs])
    return {
        "benchmark": "sync",
        "headline": [
            {"figure": f"commit → visible p99 at {options.rate:g} events/s",
             "ours": f"{p99['median']} ms (at {achieved['median']:g} events/s)",
             "baseline": f"direct writes {direct['p99_ms']} ms (p99, in the request)",
             "goal": f"< {GOAL_P99_MS} ms in every run", "goal_met": latency_met},
            {"figure": "commit → visible p50", "ours": f"{p50['median']} ms",
             "baseline": f"direct writes {direct['p50_ms']} ms", "goal": "", "goal_met": None},
            {"figure": f"live producers ({options.producers}) delivered", "ours": f"{live['median']} events/s",
             "baseline": "", "goal": "keeps up", "goal_met": None},
            {"figure": "relay ceiling, 2 worker processes", "ours": f"{ceiling['median']} events/s",
             "baseline": "", "goal": f"> {GOAL_EVENTS_PER_SECOND} events/s",
             "goal_met": ceiling["median"] > GOAL_EVENTS_PER_SECOND},
        ],
        "commit_to_visible_latency": {
            "target_rate_per_s": options.rate, "runs": latency_runs,
            "spread": summarise(latency_runs, ["achieved_rate_per_s", "p50_ms", "p99_ms"]),
            "baseline_direct_write_ms": direct,
            "goal_p99_ms": GOAL_P99_MS, "reached_the_rate": at_rate, "goal_met": latency_met,
        },
        "live_throughput": {"runs": live_runs,
                            "spread": summarise(live_runs, ["produced_per_s", "delivered_in_window_per_s"])},
        "relay_ceiling_two_workers": {
            "runs": ceiling_runs, "spread": {"events_per_s": ceiling},
            "goal_events_per_s": GOAL_EVENTS_PER_SECOND, "goal_met": ceiling["median"] > GOAL_EVENTS_PER_SECOND,
        },
    }
