"""Checkout: the saga's checkouts/s and end-to-end latency with concurrent shoppers, against
the same checkout as one SQL transaction, in one run; and the units oversold (must be 0).

    python -m bench checkout [--clients 8] [--seconds 4] [--blocks 3] [--runs 3] [--products 4] [--quick]

The services profile as shipped: PostgreSQL, cosmosdb-server (carts, stock),
Azurite (receipts), RabbitMQ (the outbox's on-commit dispatch), in a database,
Cosmos database, queue and receipts container of its own (bench/checkout_env.py).

Load: ``--clients`` processes (bench/checkout_clients.py), each a shopper with its
own connections, in a closed loop: one unit of one of ``--products`` hot products
into the cart, then check out. The clock runs around the checkout call only (the
cart read and checked, the order placed and carried to its end, the cart
emptied): end to end, as the shopper's request would wait for it.

- **ours**: apps.orders.checkout.checkout(): the order pending in SQL, then the
  saga (reserve the stock in its document under a condition, pay on delivery,
  the receipt written to blob storage, confirm with the purchase counts), every
  step recorded in SQL, every change announced through the outbox;
- **baseline**: bench/checkout_baseline.py: the same cart checks, then the order
  (confirmed) and its lines with a conditional ``UPDATE ... SET quantity =
  quantity - n WHERE quantity >= n`` on a SQL stock table, in one transaction.
  It is the strongest fair baseline: what a skilled Django developer writes when
  everything lives in one SQL database. It cannot oversell, takes one round trip
  per line for the stock, and pays nothing for other stores, step records or
  events; the difference is what the saga across stores costs.

Each run times ``--blocks`` pairs of blocks of ``--seconds``, ours and the
baseline in turn, the one going first alternating, so a busy moment of the
shared machine falls on both alike. No Celery worker runs (the projections'
delivery is bench sync's subject, and its backlog would slow whichever block
came next); ours still publishes its dispatch messages to the broker.

Overselling: the hot products start with 1,000,000 units in each mode's stock;
after the runs, for each product and mode, confirmed units must not exceed it
and the stock left must be exactly what was not confirmed (ours: one hold per
confirmed order, and no announced stock state below zero). Each run also ends
with a sell-out per mode: the clients race for a fresh product with
2 × clients units, 4 attempts each, so half of them must be refused.
"""
import argparse
import os
import time

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Sum

from apps.catalog.models import Category, Product
from apps.catalog.stock import AGGREGATE as STOCK_AGGREGATE
from apps.catalog.stock import Stock, set_quantity
from apps.orders.models import OrderLine
from apps.stores import stores
from apps.sync.models import OutboxEvent
from bench import checkout_baseline, harness
from bench.checkout_clients import MODES, Clients, client_name
from bench.harness import spread
from bench.stats import percentile

INITIAL_STOCK = 1_000_000
SELL_OUT_ATTEMPTS = 4
QUICK = {"seconds": 1.5, "blocks": 1, "runs": 1}


def parse_arguments(args):
    parser = argparse.ArgumentParser(prog="python -m bench checkout", description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="shopper processes checking out at once")
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each timed block")
    parser.add_argument("--blocks", type=int, default=3, help="pairs of blocks (ours, baseline) per run")
    parser.add_argument("--runs", type=int, default=3, help="repeated runs")
    parser.add_argument("--products", type=int, default=4, help="hot products the shoppers buy")
    parser.add_argument("--quick", action="store_true",
                        help="defaults of " + ", ".join(f"--{k} {v}" for k, v in QUICK.items()))
    if "--quick" in args:
        parser.set_defaults(**QUICK)
    return harness.require_positive(parser, parser.parse_args(args), counts=("clients", "blocks", "runs", "products"),
                                    durations=("seconds",))


def progress(message):
    harness.progress("checkout", message)


def key_letter(mode):
    """Every idempotency key of a mode starts with its letter, so its orders can be told apart."""
    return mode[0]


# -- the data ---------------------------------------------------------------------------------
def new_product(category, label):
    product = Product(sku=f"BENCH-{label}", name=f"Bench lamp {label}", slug=f"bench-lamp-{label.lower()}",
                      category=category, price="19.90")
    product.save()
    return product


def stock_up(product, units):
    """The same units in both modes' stock: the document (ours) and the SQL table (baseline)."""
    set_quantity(product, units)
    checkout_baseline.set_stock(product.pk, units)


def prepare(options):
    call_command("migrate", verbosity=0)
    call_command("stores", "init", verbosity=0)
    checkout_baseline.create_stock_table()
    category = Category.objects.create(name="Bench lamps", slug="bench-lamps")
    hot = [new_product(category, f"H{n}") for n in range(options.products)]
    for product in hot:
        stock_up(product, INITIAL_STOCK)
    sell_outs = {(run, mode): new_product(category, f"S{run}{key_letter(mode)}")
                 for run in range(options.runs) for mode in MODES}
    for product in sell_outs.values():
        stock_up(product, sell_out_units(options))
    for index in range(options.clients):
        get_user_model().objects.create_user(client_name(index))  # no password: nobody signs in as it
    return hot, sell_outs


def sell_out_units(options):
    return 2 * options.clients


# -- the measures -------------------------------------------------------------------------------
def figures(blocks):
    latencies = sorted(value for block in blocks for value in block["latencies"])
    seconds = sum(block["seconds"] for block in blocks)
    outcomes = {}
    for block in blocks:
        for status, count in block["outcomes"].items():
            outcomes[status] = outcomes.get(status, 0) + count
    if not latencies:
        raise RuntimeError(f"no checkout was confirmed: {outcomes}")
    return {"confirmed": len(latencies), "checkouts_per_s": round(len(latencies) / seconds, 1),
            "p50_ms": round(percentile(latencies, 0.5) * 1000, 2),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
            "outcomes": outcomes}


def measure_run(clients, hot, options, run):
    ids = [product.pk for product in hot]
    measured = {mode: [] for mode in MODES}
    for block in range(options.blocks):
        order = MODES if (run * options.blocks + block) % 2 == 0 else tuple(reversed(MODES))
        for mode in order:
            measured[mode].append(clients.block(mode, options.seconds, ids, f"{key_letter(mode)}-r{run}-b{block}"))
    return {mode: figures(blocks) for mode, blocks in measured.items()}


def sell_out(clients, product, mode, options, run):
    """The clients race for a product with 2 × clients units, 4 attempts each."""
    units = sell_out_units(options)
    block = clients.block(mode, 600, [product.pk], f"{key_letter(mode)}-r{run}-sellout", attempts=SELL_OUT_ATTEMPTS)
    sold = confirmed_units(mode, product)
    left = stock_left(mode, product)
    return {"units": units, "attempts": sum(block["outcomes"].values()), "outcomes": block["outcomes"],
            "sold": sold, "left": left, "oversold": max(0, sold - units), "lost": units - sold - left}


# -- the stock, checked -------------------------------------------------------------------------
def confirmed_units(mode, product):
    lines = OrderLine.objects.filter(product=product, order__status="confirmed",
                                     order__idempotency_key__startswith=key_letter(mode))
    return lines.aggregate(units=Sum("quantity"))["units"] or 0


def confirmed_orders(mode, product):
    return OrderLine.objects.filter(product=product, order__status="confirmed",
                                    order__idempotency_key__startswith=key_letter(mode)).count()


def stock_left(mode, product):
    if mode == "ours":
        return Stock.objects.get(product=product).quantity
    return checkout_baseline.stock(product.pk)


def holds_of(product):
    document = stores["documents"].get("stock", str(product.pk), str(product.pk))
    return sum(1 for key in document if key.startswith("held_by_"))


def lowest_announced_stock():
    """The lowest quantity any announced state of ours' stock documents ever had."""
    states = OutboxEvent.objects.filter(aggregatetype=STOCK_AGGREGATE).values_list("payload", flat=True)
    return min(state["quantity"] for state in states.iterator())


def check_stock(products, initial_of):
    """Per mode: units oversold, products whose stock left is not initial - confirmed, and (ours)
    products whose holds are not one per confirmed order."""
    checked = {}
    for mode in MODES:
        oversold = mismatched = holds_wrong = 0
        lowest = None
        for product in products:
            initial, sold, left = initial_of(product), confirmed_units(mode, product), stock_left(mode, product)
            oversold += max(0, sold - initial)
            mismatched += left != initial - sold
            lowest = left if lowest is None else min(lowest, left)
            if mode == "ours":
                holds_wrong += holds_of(product) != confirmed_orders(mode, product)
        checked[mode] = {"oversold_units": oversold, "stock_not_initial_minus_confirmed": mismatched,
                         "lowest_stock_left": lowest}
        if mode == "ours":
            checked[mode].update(holds_not_one_per_order=holds_wrong,
                                 lowest_announced_stock=lowest_announced_stock())
    return checked


def run(args):
    options = parse_arguments(args)
    progress("migrating, creating the products, their stock in both homes and the shoppers")
    hot, sell_outs = prepare(options)
    progress(f"starting {options.clients} client processes")
    clients = Clients(options.clients)
    runs = []
    try:
        ids = [product.pk for product in hot]
        for mode in MODES:  # warm-up: connections, templates, the first orders
            clients.block(mode, 1.0, ids, f"{key_letter(mode)}-warm")
        for number in range(options.runs):
            measured = measure_run(clients, hot, options, number)
            outs = {mode: sell_out(clients, sell_outs[(number, mode)], mode, options, number) for mode in MODES}
            ratio = round(measured["ours"]["checkouts_per_s"] / measured["baseline"]["checkouts_per_s"], 3)
            runs.append({**measured, "ratio": ratio, "sell_out": outs})
            progress(f"run {number + 1}/{options.runs}: ours {measured['ours']['checkouts_per_s']}/s "
                     f"(p50 {measured['ours']['p50_ms']} ms, p99 {measured['ours']['p99_ms']} ms), baseline "
                     f"{measured['baseline']['checkouts_per_s']}/s (p50 {measured['baseline']['p50_ms']} ms, p99 "
                     f"{measured['baseline']['p99_ms']} ms); sold out: ours {outs['ours']['sold']}, baseline "
                     f"{outs['baseline']['sold']} of {outs['ours']['units']}")
    finally:
        clients.close()
    progress("checking every product's stock against the confirmed orders")
    units = sell_out_units(options)
    stock = check_stock([*hot, *sell_outs.values()],
                        lambda product: INITIAL_STOCK if product in hot else units)
    return report(runs, stock, options)


def report(runs, stock, options):
    def over_runs(mode, key):
        return spread([r[mode][key] for r in runs])

    ours_rate, base_rate = over_runs("ours", "checkouts_per_s"), over_runs("baseline", "checkouts_per_s")
    ours_p50, base_p50 = over_runs("ours", "p50_ms"), over_runs("baseline", "p50_ms")
    ours_p99, base_p99 = over_runs("ours", "p99_ms"), over_runs("baseline", "p99_ms")
    ratio = spread([r["ratio"] for r in runs])
    oversold = {mode: stock[mode]["oversold_units"] + sum(r["sell_out"][mode]["oversold"] for r in runs)
                for mode in MODES}
    consistent = all(stock[mode]["stock_not_initial_minus_confirmed"] == 0 for mode in MODES) and (
        stock["ours"]["holds_not_one_per_order"] == 0 and stock["ours"]["lowest_announced_stock"] >= 0)
    no_oversell = oversold["ours"] == 0 and oversold["baseline"] == 0 and consistent
    return {
        "benchmark": "checkout",
        "profile": "services",
        "load": {"clients": options.clients, "client_kind": "processes, each with its own connections",
                 "block_seconds": options.seconds, "blocks_per_run": options.blocks, "hot_products": options.products},
        "headline": [
            {"figure": f"checkouts/s, {options.clients} concurrent shoppers", "ours": f"{ours_rate['median']}/s",
             "baseline": f"{base_rate['median']}/s one SQL transaction, no saga "
                         f"(ours/baseline per run, median {ratio['median']}×)",
             "goal": "", "goal_met": None},
            {"figure": "checkout end to end, p50", "ours": f"{ours_p50['median']} ms",
             "baseline": f"{base_p50['median']} ms", "goal": "", "goal_met": None},
            {"figure": "checkout end to end, p99", "ours": f"{ours_p99['median']} ms",
             "baseline": f"{base_p99['median']} ms", "goal": "", "goal_met": None},
            {"figure": "units oversold (hot products and sell-outs)", "ours": str(oversold["ours"]),
             "baseline": str(oversold["baseline"]), "goal": "0, stock never below zero", "goal_met": no_oversell},
        ],
        "oversold_units": oversold,
        "stock_checks": stock,
        "goal": {"oversold_units": 0, "goal_met": no_oversell},
        "spread": {"ours_checkouts_per_s": ours_rate, "baseline_checkouts_per_s": base_rate,
                   "ours_p50_ms": ours_p50, "baseline_p50_ms": base_p50, "ours_p99_ms": ours_p99,
                   "baseline_p99_ms": base_p99, "ours_over_baseline": ratio},
        "runs": runs,
        "load_average_at_end": [round(value, 2) for value in os.getloadavg()],
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
