"""API: the cached product detail against a plain Django view, both served by gunicorn, in one run.

    python -m bench api [--seconds 3] [--blocks 4] [--runs 3] [--clients 2] [--workers 2] [--quick]

The site runs as shipped in the services profile (PostgreSQL, Redis with the
JSON serializer, cosmosdb-server, tantivy) with the demo catalogue, in a
database, a Cosmos database and a cache prefix of its own (bench/api_env.py).
One gunicorn (sync workers, ``--workers``, ``--no-control-socket``) serves
both endpoints, with the same settings and middleware:

- **ours**: ``GET /api/products/{id}/`` as an anonymous client, its answer
  in the cache (as after a first view): DRF, the throttle's two cache calls,
  the read-your-writes check and the cached JSON read from Redis;
- **baseline**: ``GET /bench/baseline/{id}/`` (bench/api_urls.py), a plain
  Django view returning the same JSON from a dict in the worker's memory.
  It is the strongest baseline: it is what any cache could at best make of
  this endpoint, a Django view with nothing left to do but encode a dict; no
  store, no serializer, no framework between the URL and the answer. Both pay
  the same gunicorn, the same middleware and the same TCP connection per
  request (sync workers close each one), so the difference is what our
  endpoint adds.

Load: ``--clients`` processes, each a closed loop of requests (a new
connection each, as the sync workers want), cycling over the demo products.
Each run times ``--blocks`` pairs of blocks of ``--seconds``, ours and the
baseline in turn, the one going first alternating, so a busy moment of the
shared machine falls on both alike. Reported per endpoint: requests/s and the
p50/p99 latency of every timed request; ``spread`` gives min/median/max over
runs. The goal: ours at least half the baseline's requests/s.

The product page (``/products/{slug}/``) is then timed on the same server with
every store answering: ``warm`` (its reading in the cache; the row is still
read from SQL) under the same load, and ``cold`` (its cache entry deleted
before each request, so the document, search and graph parts are all read,
concurrently), one request at a time. A page that showed the degraded
notice is counted in ``degraded`` (it should be 0).
"""
import argparse
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from apps.catalog import caching
from apps.catalog.models import Product
from apps.catalog.page import BOUGHT_LABEL, PRODUCT_VERTEX
from apps.stores import stores
from apps.sync import relay
from bench import harness
from bench.harness import spread
from bench.stats import percentile

ROOT = Path(__file__).resolve().parents[1]
GOAL_RATIO = 0.5
NOTICE = b"Part of this page is missing right now"
QUICK = {"seconds": 1.0, "blocks": 2, "runs": 3, "cold_pages": 30}


def parse_arguments(args):
    parser = argparse.ArgumentParser(prog="python -m bench api", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each timed block")
    parser.add_argument("--blocks", type=int, default=4, help="pairs of blocks (ours, baseline) per run")
    parser.add_argument("--runs", type=int, default=3, help="repeated runs")
    parser.add_argument("--clients", type=int, default=2, help="load processes, each one request at a time")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--cold-pages", type=int, default=100, help="uncached product pages timed per run")
    parser.add_argument("--quick", action="store_true",
                        help="defaults of " + ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in QUICK.items()))
    if "--quick" in args:
        parser.set_defaults(**QUICK)
    return harness.require_positive(parser, parser.parse_args(args),
                                    counts=("blocks", "runs", "clients", "workers", "cold_pages"),
                                    durations=("seconds",))


def progress(message):
    harness.progress("api", message)


def ms(seconds):
    return round(seconds * 1000, 3)


# -- the data ---------------------------------------------------------------------------------
def prepare_catalogue():
    """The demo catalogue, projected into every store, and purchases in the graph so that
    "also bought" has something to show."""
    call_command("migrate", verbosity=0)
    call_command("stores", "init", verbosity=0)
    call_command("seed_demo", verbosity=0)
    while relay.drain()[1]:
        pass
    products = list(Product.objects.active().order_by("pk"))
    graph = stores["graph"]
    for product in products:
        graph.upsert_vertex(PRODUCT_VERTEX.format(product.pk), "product")
    for buyer in range(50):
        graph.upsert_vertex(f"bench-user:{buyer}", "user")
        for product in products[buyer % len(products)::17][:4]:
            graph.upsert_edge(f"bench-user:{buyer}", BOUGHT_LABEL, PRODUCT_VERTEX.format(product.pk))
    return products


def api_answers(products, folder):
    """The API's answer for each product, read through the site in this process (the baseline's dict)."""
    client = Client()
    answers = {}
    for product in products:
        response = client.get(f"/api/products/{product.pk}/")
        if response.status_code != 200:
            raise RuntimeError(f"GET /api/products/{product.pk}/ answered {response.status_code}")
        answers[product.pk] = response.json()
    path = Path(folder) / "baseline.json"
    path.write_text(json.dumps(answers))
    return path


# -- the server ---------------------------------------------------------------------------------
def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(workers, baseline_file):
    port = free_port()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.api_settings", BENCH_API_BASELINE_FILE=str(baseline_file))
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "polyglot_site.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--worker-class", "sync", "--no-control-socket", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not harness.port_open(port):
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("gunicorn did not start")
        time.sleep(0.1)
    return server, port


def stop_gunicorn(server):
    harness.stop_process_group(server)


# -- the load -----------------------------------------------------------------------------------
def request_bytes(path):
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
            f"Connection: close\r\n\r\n").encode()


def get(port, request):
    """One request on a new connection: (status, body)."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    answer = b"".join(chunks)
    return answer[9:12], answer


def hammer(job):
    """One load process: requests in a closed loop for ``seconds``; (latencies, failures, degraded)."""
    port, paths, seconds, offset = job
    requests = [request_bytes(path) for path in paths]
    latencies, failures, degraded = [], 0, 0
    clock = time.perf_counter
    deadline = clock() + seconds
    n = offset
    while True:
        started = clock()
        if started >= deadline:
            break
        status, answer = get(port, requests[n % len(requests)])
        latencies.append(clock() - started)
        failures += status != b"200"
        degraded += NOTICE in answer
        n += 1
    return latencies, failures, degraded


def timed_block(pool, port, paths, seconds, clients):
    started = time.perf_counter()
    results = pool.map(hammer, [(port, paths, seconds, client * 7) for client in range(clients)])
    elapsed = time.perf_counter() - started
    latencies = [value for result in results for value in result[0]]
    return {"latencies": latencies, "seconds": elapsed, "failures": sum(r[1] for r in results),
            "degraded": sum(r[2] for r in results)}


def figures(blocks):
    latencies = sorted(value for block in blocks for value in block["latencies"])
    seconds = sum(block["seconds"] for block in blocks)
    return {"requests": len(latencies), "requests_per_s": round(len(latencies) / seconds, 1),
            "p50_ms": ms(percentile(latencies, 0.5)), "p99_ms": ms(percentile(latencies, 0.99)),
            "failures": sum(block["failures"] for block in blocks),
            "degraded": sum(block["degraded"] for block in blocks)}


def measure_api(pool, port, ids, options):
    paths = {"ours": [f"/api/products/{pk}/" for pk in ids], "baseline": [f"/bench/baseline/{pk}/" for pk in ids]}
    measured = {"ours": [], "baseline": []}
    for number in range(options.blocks):
        order = ["ours", "baseline"] if number % 2 == 0 else ["baseline", "ours"]
        for name in order:
            measured[name].append(timed_block(pool, port, paths[name], options.seconds, options.clients))
    return {name: figures(blocks) for name, blocks in measured.items()}


def measure_cold_pages(port, products, count):
    """Product pages read from every store: the cache entry deleted before each request, one at a time."""
    latencies, failures, degraded = [], 0, 0
    for n in range(count):
        product = products[n % len(products)]
        cache.delete(caching.page_key(product.pk))
        request = request_bytes(product.get_absolute_url())
        started = time.perf_counter()
        status, answer = get(port, request)
        latencies.append(time.perf_counter() - started)
        failures += status != b"200"
        degraded += NOTICE in answer
    latencies.sort()
    return {"requests": count, "p50_ms": ms(percentile(latencies, 0.5)), "p99_ms": ms(percentile(latencies, 0.99)),
            "failures": failures, "degraded": degraded}


def run(args):
    options = parse_arguments(args)
    progress("migrating, seeding the demo catalogue and projecting it into every store")
    products = prepare_catalogue()
    ids = [product.pk for product in products]
    page_paths = [product.get_absolute_url() for product in products]
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        baseline_file = api_answers(products, folder)
        server, port = start_gunicorn(options.workers, baseline_file)
        context = multiprocessing.get_context("fork")
        try:
            with context.Pool(options.clients) as pool:
                progress(f"gunicorn on 127.0.0.1:{port} with {options.workers} workers; warming up")
                for paths in (page_paths, [f"/api/products/{pk}/" for pk in ids],
                              [f"/bench/baseline/{pk}/" for pk in ids]):
                    timed_block(pool, port, paths, max(1.0, options.seconds), options.clients)
                for number in range(options.runs):
                    api = measure_api(pool, port, ids, options)
                    warm = figures([timed_block(pool, port, page_paths, options.seconds, options.clients)])
                    cold = measure_cold_pages(port, products, options.cold_pages)
                    ratio = round(api["ours"]["requests_per_s"] / api["baseline"]["requests_per_s"], 3)
                    runs.append({"api": api, "ratio": ratio, "page_warm": warm, "page_cold": cold})
                    progress(f"run {number + 1}/{options.runs}: ours {api['ours']['requests_per_s']} req/s "
                             f"(p99 {api['ours']['p99_ms']} ms), baseline {api['baseline']['requests_per_s']} req/s "
                             f"(p99 {api['baseline']['p99_ms']} ms), ratio {ratio}; page p99 warm "
                             f"{warm['p99_ms']} ms, cold {cold['p99_ms']} ms")
        finally:
            stop_gunicorn(server)
    return report(runs, options, len(ids))


def report(runs, options, products):
    def over_runs(pick):
        return spread([pick(r) for r in runs])

    ratio = over_runs(lambda r: r["ratio"])
    ours_rps = over_runs(lambda r: r["api"]["ours"]["requests_per_s"])
    base_rps = over_runs(lambda r: r["api"]["baseline"]["requests_per_s"])
    ours_p99 = over_runs(lambda r: r["api"]["ours"]["p99_ms"])
    base_p99 = over_runs(lambda r: r["api"]["baseline"]["p99_ms"])
    warm_p99 = over_runs(lambda r: r["page_warm"]["p99_ms"])
    cold_p99 = over_runs(lambda r: r["page_cold"]["p99_ms"])
    problems = sum(r["api"][name]["failures"] for r in runs for name in ("ours", "baseline")) + sum(
        r["page_warm"]["failures"] + r["page_cold"]["failures"] for r in runs)
    degraded = sum(r["page_warm"]["degraded"] + r["page_cold"]["degraded"] for r in runs)
    goal_met = ratio["median"] >= GOAL_RATIO and problems == 0
    return {
        "benchmark": "api",
        "profile": "services",
        "products": products,
        "gunicorn": {"workers": options.workers, "worker_class": "sync"},
        "load": {"clients": options.clients, "block_seconds": options.seconds, "blocks_per_run": options.blocks},
        "headline": [
            {"figure": "API product detail (cached), requests/s", "ours": f"{ours_rps['median']} req/s",
             "baseline": f"{base_rps['median']} req/s plain Django view, dict in memory "
                         f"(ours/baseline per run, median {ratio['median']}×)",
             "goal": f"≥ {GOAL_RATIO}× the baseline", "goal_met": goal_met},
            {"figure": "API product detail (cached), p99", "ours": f"{ours_p99['median']} ms",
             "baseline": f"{base_p99['median']} ms", "goal": "", "goal_met": None},
            {"figure": "product page p99, cached reading", "ours": f"{warm_p99['median']} ms",
             "baseline": "", "goal": "", "goal_met": None},
            {"figure": "product page p99, every store read", "ours": f"{cold_p99['median']} ms",
             "baseline": "", "goal": "", "goal_met": None},
        ],
        "goal": {"ours_over_baseline_requests_per_s": ratio, "goal": f">= {GOAL_RATIO}", "goal_met": goal_met},
        "failed_requests": problems,
        "degraded_pages": degraded,
        "spread": {"ours_requests_per_s": ours_rps, "baseline_requests_per_s": base_rps, "ours_p99_ms": ours_p99,
                   "baseline_p99_ms": base_p99, "page_warm_p99_ms": warm_p99, "page_cold_p99_ms": cold_p99},
        "runs": runs,
        "load_average_at_end": [round(value, 2) for value in os.getloadavg()],
    }
