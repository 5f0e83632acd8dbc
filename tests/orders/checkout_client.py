"""One shopper's checkout in a process of its own, for the race and crash tests.

    python -m tests.orders.checkout_client --user ada --key KEY [--payment on_delivery] [--go PATH]

The shopper's cart is filled beforehand (by the test). The process sets Django
up, says ``ready`` on stdout, waits until the file ``--go`` exists (so that
many processes start their checkouts at the same moment), calls
apps.orders.checkout.checkout() and prints one JSON line: the order's id and
status, or the refusal's messages.

Test-only faults, read here and never by the site's code: CHECKOUT_CRASH_AFTER
names a step (``reserve``, ``pay``, ``receipt``, ``confirm``) or an undo
(``undo:pay``) after whose effect the process kills itself with SIGKILL, before
the runner records it; CHECKOUT_FAIL_STEP names a step that always fails here
(so the run compensates).
"""
import argparse
import json
import os
import signal
import time
from dataclasses import replace

import django


def dies_after(action):
    def effect_then_death(context):
        action(context)
        os.kill(os.getpid(), signal.SIGKILL)  # kill -9: no cleanup, no record, as a killed runner leaves it

    return effect_then_death


def always_fails(context):
    raise RuntimeError("planned fault (CHECKOUT_FAIL_STEP)")


def install_faults(crash_after, fail_step):
    """The checkout saga again, with the planned faults in its steps (this process only)."""
    from apps.orders import checkout
    from apps.sync import sagas

    steps = []
    for step in checkout.CHECKOUT.steps:
        if step.name == fail_step:
            step = replace(step, do=always_fails)
        if crash_after == step.name:
            step = replace(step, do=dies_after(step.do))
        if crash_after == f"undo:{step.name}":
            step = replace(step, undo=dies_after(step.undo))
        steps.append(step)
    sagas.register(replace(checkout.CHECKOUT, steps=steps))


def wait_for(path, timeout=120):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise SystemExit(f"{path} never appeared")
        time.sleep(0.002)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--payment", default=None)
    parser.add_argument("--go", default=None, help="start the checkout once this file exists")
    args = parser.parse_args()

    django.setup()
    from django.contrib.auth import get_user_model

    from apps.orders.cart import UserCart
    from apps.orders.checkout import CheckoutRefused, checkout

    crash_after, fail_step = os.environ.get("CHECKOUT_CRASH_AFTER"), os.environ.get("CHECKOUT_FAIL_STEP")
    if crash_after or fail_step:
        install_faults(crash_after, fail_step)
    user = get_user_model().objects.get(username=args.user)
    cart = UserCart(user.pk)
    cart.lines()  # the connections to SQL and the document store are open before the start
    print("ready", flush=True)
    if args.go:
        wait_for(args.go)
    started = time.perf_counter()
    try:
        order = checkout(user, cart, payment_method_code=args.payment, key=args.key)
        answer = {"order": order.pk, "status": order.status}
    except CheckoutRefused as refused:
        answer = {"order": None, "status": "refused", "messages": refused.messages}
    answer.update(user=args.user, seconds=round(time.perf_counter() - started, 3))
    print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
