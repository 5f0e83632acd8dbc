"""Sync: commit-to-projection latency with a real worker, and relay throughput.

    python -m bench sync [--rate 200] [--seconds 15] [--events 10000]

Runs on the services profile (PostgreSQL, RabbitMQ, cosmosdb-server on
127.0.0.1), in a database of its own (see bench/sync_env.py).

latency: products are saved at a steady ``--rate`` per second while one
Celery worker process (prefork, concurrency 1) delivers them; for each event,
the time from its commit to the moment the last of its projections (the
product document in cosmosdb-server and the product in tantivy) was marked
done. The first second is left out as warm-up.

throughput: ``--events`` committed events are waiting; one relay process
delivers them in batches (relay.sweep) and the figure is events per second,
once with the product projections as configured (documents in
cosmosdb-server, one request per document) and once with the documents
projection on the embedded SQLite backend, to show the relay's own ceiling.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.core.management import call_command
from django.db.models import Max
from django.test import override_settings
from django.utils import timezone

from apps.catalog.models import Category, Product
from apps.stores import stores
from apps.sync import outbox, relay
from apps.sync.models import Delivery, OutboxEvent
from apps.sync.projectors import registry
from bench.stats import percentile

ROOT = Path(__file__).resolve().parents[1]
GOAL_P99_MS = 250
GOAL_EVENTS_PER_SECOND = 2000


def parse_arguments(args):
    parser = argparse.ArgumentParser(prog="python -m bench sync", description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=200, help="events per second for the latency run")
    parser.add_argument("--seconds", type=float, default=15, help="length of the latency run")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes of the one Celery worker")
    parser.add_argument("--events", type=int, default=10_000, help="waiting events for the throughput runs")
    parser.add_argument("--cosmos-events", type=int, default=2_000, help="events for the cosmosdb-server throughput run")
    return parser.parse_args(args)


def progress(message):
    print(f"[bench sync {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def start_worker(log_dir, concurrency):
    log = open(Path(log_dir) / "worker.log", "w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "polyglot_site", "worker", "--pool=prefork", f"--concurrency={concurrency}",
         "--loglevel=warning", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=dict(os.environ, DJANGO_SETTINGS_MODULE="polyglot_site.settings"),
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    return worker, log


def wait_for_worker(timeout=60):
    from polyglot_site.celery import app

    deadline = time.monotonic() + timeout
    while not app.control.ping(timeout=0.5):
        if time.monotonic() > deadline:
            raise RuntimeError("the worker did not start")


def wait_until_delivered(timeout):
    deadline = time.monotonic() + timeout
    while Delivery.objects.exclude(status=Delivery.Status.DONE).exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"deliveries still waiting after {timeout}s")
        time.sleep(0.1)


def measure_latency(rate, seconds):
    category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    committed = {}
    interval, total = 1.0 / rate, int(rate * seconds)
    started = time.perf_counter()
    for n in range(total):
        delay = started + n * interval - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        outbox.emitted_sequences.set(())
        Product(sku=f"B-{n}", name=f"Bench lamp {n}", slug=f"bench-lamp-{n}", category=category, price=10).save()
        committed[outbox.emitted_sequences.get()[-1]] = timezone.now()
    achieved = total / (time.perf_counter() - started)
    wait_until_delivered(120)
    done = dict(Delivery.objects.values("event_id").annotate(last=Max("delivered_at")).values_list("event_id", "last"))
    warm_up = int(rate)
    timeline = [(done[seq] - commit).total_seconds() * 1000 for seq, commit in committed.items()]
    # One sample per second of the run: a rising line means the worker fell behind the rate.
    each_second = [round(timeline[i]) for i in range(0, len(timeline), int(rate))]
    progress(f"latency of the first event of each second (ms): {each_second}")
    latencies = sorted(
        (done[sequence] - commit).total_seconds() * 1000 for sequence, commit in list(committed.items())[warm_up:]
    )
    return {
        "events": len(latencies),
        "target_rate_per_s": rate,
        "achieved_rate_per_s": round(achieved, 1),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(latencies[-1], 1),
        "first_event_of_each_second_ms": each_second,
    }


def waiting_events(count, prefix):
    """``count`` committed product events with their deliveries, as if the dispatch had been lost."""
    now = timezone.now()
    events = OutboxEvent.objects.bulk_create(
        OutboxEvent(
            aggregatetype=Product.outbox_aggregate_type, aggregateid=f"{prefix}{n}", type="saved", version=1,
            payload={"id": f"{prefix}{n}", "sku": f"{prefix}-{n}", "name": f"Waiting lamp {n}", "slug": f"{prefix}-{n}",
                     "description": "A lamp that waited in the outbox.", "category": f"c{n % 20}",
                     "category_name": f"Category {n % 20}", "price": "12.50", "status": "active",
                     "updated_at": now.isoformat(), "version": 1},
        )
        for n in range(count)
    )
    projections = [p.name for p in registry.for_type(Product.outbox_aggregate_type)]
    Delivery.objects.bulk_create(
        (Delivery(event=event, projection=name, created_at=now) for event in events for name in projections),
        batch_size=5000,
    )


def measure_throughput(count, prefix):
    waiting_events(count, prefix)
    started = time.perf_counter()
    with override_settings(POLYGLOT_SYNC={"SWEEP_GRACE_SECONDS": 0, "SWEEP_BATCH": 2000}):
        while relay.sweep():
            pass
    elapsed = time.perf_counter() - started
    assert not Delivery.objects.exclude(status=Delivery.Status.DONE).exists(), "every delivery done"
    return {"events": count, "seconds": round(elapsed, 2), "events_per_s": round(count / elapsed, 1)}


def embedded_documents():
    configured = dict(stores.backends)
    path = Path(os.environ["POLYGLOT_DATA_DIR"]) / "bench-documents.sqlite3"
    configured["documents"] = {"BACKEND": "apps.stores.documents.sqlite.SQLiteDocumentStore",
                               "OPTIONS": {"path": str(path)}}
    return override_settings(POLYGLOT_STORES=configured)


def run(args):
    options = parse_arguments(args)
    progress("migrating the benchmark database")
    call_command("migrate", verbosity=0)
    call_command("stores", "init", verbosity=0)
    with tempfile.TemporaryDirectory() as log_dir:
        worker, log = start_worker(log_dir, options.concurrency)
        try:
            wait_for_worker()
            progress(f"latency: {options.rate:g} events/s for {options.seconds:g} s with a real worker")
            latency = measure_latency(options.rate, options.seconds)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            log.close()
    progress(f"throughput: {options.cosmos_events} waiting events, documents in cosmosdb-server")
    cosmos = measure_throughput(options.cosmos_events, "c")
    progress(f"throughput: {options.events} waiting events, documents in SQLite")
    with embedded_documents():
        embedded = measure_throughput(options.events, "e")
    return {
        "benchmark": "sync",
        "machine": {"cpus": os.cpu_count()},
        "commit_to_projection_latency": {**latency, "goal_p99_ms": GOAL_P99_MS,
                                         "goal_met": latency["p99_ms"] < GOAL_P99_MS},
        "relay_throughput": {
            "batch_size": relay.BATCH_SIZE,
            "documents_in_cosmosdb_server": cosmos,
            "documents_in_sqlite": embedded,
            "goal_events_per_s": GOAL_EVENTS_PER_SECOND,
            "goal_met": max(cosmos["events_per_s"], embedded["events_per_s"]) > GOAL_EVENTS_PER_SECOND,
        },
    }
