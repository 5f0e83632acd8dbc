"""What the documents bench does, the same for every engine: the products, the operations, the
query mix, and the clock that runs them interleaved in blocks.

An *engine* is one way of doing the work: the document store through its
contract, or a baseline written directly against the backend. Each engine
has ``point_read(n)``, ``upsert(n)``, ``patch(n)`` and ``query(spec)``, and
returns what an application would use (the documents, parsed).
"""
import random
import time
from dataclasses import dataclass

from apps.stores.query import Q
from bench.harness import spread
from bench.stats import percentile

PARTITION_KEY = "/category"
COLOURS = ("red", "green", "blue", "black", "white", "grey", "navy", "olive", "teal", "amber", "pink", "plum")
# A colour no product has: the empty queries ask for it.
MISSING_COLOUR = "ultraviolet"
TAGS = ("sale", "new", "bulk", "eco", "gift")
# Increment a counter and stamp a field: neither changes what the queries select.
SOLD_AT = "2024-06-01T12:00:00Z"
PATCH_OPERATIONS = (("increment", "stock__count", -1), ("set", "sold_at", SOLD_AT))
POINT_OPERATIONS = ("point_read", "upsert", "patch")


def doc_id(number):
    return f"p{number:07d}"


def partition(number, partitions):
    return f"c{number % partitions:03d}"


def product(number, partitions, revision=0):
    """Product ``number``; the same number always gives the same product (prices and colours
    are drawn from a generator seeded by the number, so queries select realistic spreads)."""
    draw = random.Random(number)
    return {
        "id": doc_id(number),
        "category": partition(number, partitions),
        "name": f"Product {number}",
        "price": round(draw.uniform(1, 500), 2),
        "stock": {"count": draw.randrange(100)},
        "tags": draw.sample(TAGS, draw.randrange(1, 3)),
        "attributes": {"colour": draw.choice(COLOURS), "weight_g": draw.randrange(50, 5000)},
        "revision": revision,
    }


@dataclass(frozen=True)
class QuerySpec:
    """One query of the mix, in terms every engine translates into its own language.

    ``partition`` None crosses partitions. Filters: ``colour`` equal, ``price_min``
    inclusive, ``price_below`` exclusive. ``order`` is None (the store's default
    order), ``"price"`` or ``"-price"``; ``limit`` is the page size.
    """

    kind: str
    partition: str | None = None
    colour: str | None = None
    price_min: float | None = None
    price_below: float | None = None
    order: str | None = None
    limit: int = 20


def query_mix(partitions):
    """Query kind -> a function of a Random that draws one query of that kind."""

    def category(draw):
        return f"c{draw.randrange(partitions):03d}"

    def price_window(draw):
        low = round(draw.uniform(1, 498), 2)
        return low, round(low + 2, 2)

    def selective_cross(draw):
        low, high = price_window(draw)
        return QuerySpec("selective_cross", colour=draw.choice(COLOURS), price_min=low, price_below=high)

    return {
        # One colour under a low price in one category: about 1 in 100 of the partition.
        "selective_partition": lambda draw: QuerySpec(
            "selective_partition", partition=category(draw), colour=draw.choice(COLOURS), price_below=60
        ),
        # One colour in a 2-unit price window, any category: about 1 in 3,000 of all documents.
        "selective_cross": selective_cross,
        "empty_partition": lambda draw: QuerySpec(
            "empty_partition", partition=category(draw), colour=MISSING_COLOUR
        ),
        "empty_cross": lambda draw: QuerySpec("empty_cross", colour=MISSING_COLOUR),
        # The 10 dearest of a category, and the 10 cheapest of a colour across categories.
        "ordered_partition": lambda draw: QuerySpec(
            "ordered_partition", partition=category(draw), order="-price", limit=10
        ),
        "ordered_cross": lambda draw: QuerySpec(
            "ordered_cross", colour=draw.choice(COLOURS), order="price", limit=10
        ),
    }


class ContractEngine:
    """The document store, called as the site calls it: the public methods of the contract."""

    def __init__(self, store, container, partitions):
        self.store, self.container, self.partitions = store, container, partitions

    def point_read(self, number):
        return self.store.get(self.container, doc_id(number), partition(number, self.partitions))

    def upsert(self, number):
        return self.store.upsert(self.container, product(number, self.partitions, revision=1))

    def patch(self, number):
        return self.store.patch(
            self.container, doc_id(number), partition(number, self.partitions), PATCH_OPERATIONS
        )

    def query(self, spec):
        lookups = {
            "attributes__colour": spec.colour, "price__gte": spec.price_min, "price__lt": spec.price_below,
        }
        # One flat AND: the way a caller writes it, and no nesting for cosmosdb-server's parser.
        where = Q(**{lookup: value for lookup, value in lookups.items() if value is not None})
        order = (spec.order,) if spec.order else ()
        page = self.store.query(
            self.container, where or None, partition_key=spec.partition, order_by=order, limit=spec.limit
        )
        return page.items

    def close(self):
        self.store.close()


QUERY_KINDS = tuple(query_mix(1))


def figures(nanoseconds):
    """p50/p95/p99 and mean, in milliseconds, of a list of call durations."""
    ordered = sorted(nanoseconds)
    return {
        "calls": len(ordered),
        "p50_ms": round(percentile(ordered, 0.50) / 1e6, 4),
        "p95_ms": round(percentile(ordered, 0.95) / 1e6, 4),
        "p99_ms": round(percentile(ordered, 0.99) / 1e6, 4),
        "mean_ms": round(sum(ordered) / len(ordered) / 1e6, 4),
    }


def interleaved(engines, call, arguments, block, first, warm_up):
    """Time ``call(engine, argument)`` for every engine over ``arguments``, in blocks.

    Each block runs its arguments on one engine, then the same arguments on
    the next; which engine goes first rotates from block to block (starting
    at index ``first``), so a slow spell of the machine falls on all alike.
    Returns the nanoseconds of each call per engine name, and what the
    calls returned (matches per query, summed) per engine name.
    """
    names = list(engines)
    for name in names:
        for argument in arguments[:warm_up]:
            call(engines[name], argument)
    durations = {name: [] for name in names}
    returned = {name: 0 for name in names}
    for index, start in enumerate(range(0, len(arguments), block)):
        chunk = arguments[start:start + block]
        shift = (first + index) % len(names)
        for name in names[shift:] + names[:shift]:
            engine, times = engines[name], durations[name]
            for argument in chunk:
                started = time.perf_counter_ns()
                result = call(engine, argument)
                times.append(time.perf_counter_ns() - started)
                returned[name] += len(result) if isinstance(result, list) else 0
    return durations, returned


def first_calls(engine, numbers, queries):
    """Milliseconds of the first call of each operation on a fresh engine, in a fixed order."""
    timings = {}
    operations = [("point_read", lambda: engine.point_read(numbers[0])),
                  ("upsert", lambda: engine.upsert(numbers[1])),
                  ("patch", lambda: engine.patch(numbers[2]))]
    operations += [(kind, lambda spec=spec: engine.query(spec)) for kind, spec in queries.items()]
    for name, operation in operations:
        started = time.perf_counter_ns()
        operation()
        timings[name] = round((time.perf_counter_ns() - started) / 1e6, 3)
    return timings


def compare(durations_per_run, store="store", baseline="baseline"):
    """Store against baseline for one operation: pooled percentiles, the contract's overhead,
    and the spread over runs of the per-run p50s and overhead."""
    pooled = {name: [ns for run in durations_per_run for ns in run[name]] for name in (store, baseline)}
    result = {name: figures(values) for name, values in pooled.items()}
    for level in ("p50", "p95", "p99"):
        store_ms, baseline_ms = result[store][f"{level}_ms"], result[baseline][f"{level}_ms"]
        result[f"overhead_{level}"] = round(store_ms / baseline_ms, 2) if baseline_ms else None
        result[f"overhead_{level}_ms"] = round(store_ms - baseline_ms, 4)
    per_run = [
        {name: figures(run[name])["p50_ms"] for name in (store, baseline)} for run in durations_per_run
    ]
    result["spread"] = {
        "store_p50_ms": spread([run[store] for run in per_run]),
        "baseline_p50_ms": spread([run[baseline] for run in per_run]),
        "overhead_p50": spread([round(run[store] / run[baseline], 2) for run in per_run if run[baseline]]),
    }
    return result


def summarize_cold(cold_runs):
    """Per operation, the spread over runs of the first call's milliseconds, store and baseline."""
    operations, names = list(cold_runs[0]["store"]), ("store", "baseline")
    return {
        operation: {name: spread([run[name][operation] for run in cold_runs]) for name in names}
        for operation in operations
    }


def check_same_answers(engines, specs):
    """Raise if the engines disagree on any query: a baseline must do the same work."""
    for spec in specs:
        answers = {}
        for name, engine in engines.items():
            ids = [document["id"] for document in engine.query(spec)]
            answers[name] = ids if spec.order else sorted(ids)
        if len({tuple(ids) for ids in answers.values()}) > 1:
            raise RuntimeError(f"The engines answer {spec} differently: {answers}")


def run_workload(engines_factory, documents, partitions, options, samples, query_samples, seed, log):
    """Runs of cold first calls then warm interleaved timings; returns the comparison of every operation.

    ``engines_factory()`` opens fresh engines (new connections or clients):
    ``{"store": ..., "baseline": ...}`` and a ``close()`` for them.
    """
    mix = query_mix(partitions)
    cold_runs, warm_runs = [], {operation: [] for operation in (*POINT_OPERATIONS, *mix)}
    matches = {kind: [] for kind in mix}
    for run in range(options.runs):
        draw = random.Random(seed + run)
        engines, close = engines_factory()
        try:
            # Cold: the first call of each operation on a fresh connection; rotate who goes first.
            cold_specs = {kind: make(draw) for kind, make in mix.items()}
            cold_numbers = [draw.randrange(documents) for _ in range(3)]
            names = list(engines) if run % 2 == 0 else list(engines)[::-1]
            cold_runs.append({name: first_calls(engines[name], cold_numbers, cold_specs) for name in names})
            if run == 0:
                examples = [make(random.Random(seed + i)) for make in mix.values() for i in range(3)]
                check_same_answers(engines, examples)
            numbers = [draw.randrange(documents) for _ in range(samples)]
            warm_up = min(options.warm_up, samples)
            for operation in POINT_OPERATIONS:
                log(f"run {run + 1}/{options.runs}: {operation}")
                durations, _ = interleaved(
                    engines, lambda engine, n, op=operation: getattr(engine, op)(n),
                    numbers, options.block, run, warm_up,
                )
                warm_runs[operation].append(durations)
            for kind, make in mix.items():
                log(f"run {run + 1}/{options.runs}: {kind} queries")
                specs = [make(draw) for _ in range(query_samples)]
                durations, returned = interleaved(
                    engines, lambda engine, spec: engine.query(spec), specs,
                    max(1, options.block // 5), run, min(options.warm_up // 10, query_samples),
                )
                warm_runs[kind].append(durations)
                matches[kind].append(returned["store"] / len(specs))
        finally:
            close()
    warm = {operation: compare(runs) for operation, runs in warm_runs.items()}
    for kind, specs in mix.items():
        example = specs(random.Random(seed))
        warm[kind]["query"] = describe(example)
        warm[kind]["mean_matches"] = round(sum(matches[kind]) / len(matches[kind]), 2)
    return {"warm": warm, "cold": summarize_cold(cold_runs)}


def describe(spec):
    parts = ["one category" if spec.partition else "all categories"]
    if spec.colour:
        parts.append("colour = a missing colour" if spec.colour == MISSING_COLOUR else "colour = one of 12")
    if spec.price_min is not None:
        parts.append(f"price in a {round(spec.price_below - spec.price_min, 2)}-unit window")
    elif spec.price_below is not None:
        parts.append(f"price < {spec.price_below}")
    if spec.order:
        parts.append(f"order by {spec.order}")
    parts.append(f"first page of {spec.limit}")
    return ", ".join(parts)
