"""The checkout benchmark's clients: one spawned process per shopper, each with its own
Django set-up and connections (PostgreSQL, cosmosdb-server, Azurite, RabbitMQ), that
check out in a closed loop when told to.

Each client gets a block as ``(mode, start_at, seconds, product_ids, key_prefix, attempts)``
on its inbox, waits for ``start_at`` (a wall-clock time, the same for every client),
then repeats until the block's time or its ``attempts`` are over: put one unit of the
next product in the cart (not timed: shopping), check out (timed: end to end, the
call returning the order as it ended). It answers with its latencies and outcomes.
"""
import multiprocessing
import time
from collections import Counter

MODES = ("ours", "baseline")


def client_name(index):
    return f"bench-shopper-{index}"


def _checkout_function(mode):
    if mode == "ours":
        from apps.orders.checkout import checkout

        return checkout
    from bench.checkout_baseline import sql_checkout

    return sql_checkout


def client_main(index, inbox, outbox):
    import sys

    sys.stdout = sys.stderr  # the benchmark's stdout carries its JSON object only
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from apps.orders.cart import UserCart
    from apps.orders.checkout import CheckoutRefused

    user = get_user_model().objects.get(username=client_name(index))
    cart = UserCart(user.pk)
    cart.clear()
    functions = {mode: _checkout_function(mode) for mode in MODES}
    outbox.put("ready")
    for mode, start_at, seconds, product_ids, key_prefix, attempts in iter(inbox.get, None):
        checkout = functions[mode]
        latencies, outcomes = [], Counter()
        time.sleep(max(0.0, start_at - time.time()))
        n = 0
        while time.time() < start_at + seconds and (attempts is None or n < attempts):
            cart.add(product_ids[(index + n) % len(product_ids)], 1)
            started = time.perf_counter()
            try:
                status = checkout(user, cart, key=f"{key_prefix}-{index}-{n}").status
            except CheckoutRefused:
                status = "refused"
            elapsed = time.perf_counter() - started
            if status == "confirmed":
                latencies.append(elapsed)
            else:
                cart.clear()  # a confirmed checkout empties the cart itself
            outcomes[status] += 1
            n += 1
        outbox.put({"latencies": latencies, "outcomes": dict(outcomes), "ended_at": time.time()})


class Clients:
    """``count`` client processes, started once and given blocks until closed."""

    def __init__(self, count):
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited sockets
        self.channels = [(context.Queue(), context.Queue()) for _ in range(count)]
        self.processes = [context.Process(target=client_main, args=(index, inbox, outbox), daemon=True)
                          for index, (inbox, outbox) in enumerate(self.channels)]
        for process in self.processes:
            process.start()
        for _, outbox in self.channels:
            if outbox.get(timeout=180) != "ready":
                raise RuntimeError("a checkout client did not start")

    def block(self, mode, seconds, product_ids, key_prefix, attempts=None):
        """Every client checks out from the same moment; the block's figures."""
        start_at = time.time() + 0.3
        for inbox, _ in self.channels:
            inbox.put((mode, start_at, seconds, list(product_ids), key_prefix, attempts))
        answers = [outbox.get(timeout=seconds + 600) for _, outbox in self.channels]
        outcomes = Counter()
        for answer in answers:
            outcomes.update(answer["outcomes"])
        return {"latencies": [value for answer in answers for value in answer["latencies"]],
                "outcomes": dict(outcomes), "seconds": max(answer["ended_at"] for answer in answers) - start_at}

    def close(self):
        for inbox, _ in self.channels:
            inbox.put(None)
        for process in self.processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
