"""One writer process for the concurrent-writers test: edits and deletes shared products
through the API (the whole request stack: middleware, DRF, services, outbox) for a
while, and writes what the API answered to a JSON file.

    python -m tests.sync.api_writer --user editor --ids 1,2,3 --seconds 8 --seed 1 --out answers.json
"""
import argparse
import json
import random
import time

import django


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", required=True)
    parser.add_argument("--ids", required=True)
    parser.add_argument("--categories", required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=args.user))
    ids = [int(pk) for pk in args.ids.split(",")]
    categories = args.categories.split(",")
    rng = random.Random(args.seed)
    answers = []
    deadline = time.monotonic() + args.seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        pk = rng.choice(ids)
        url = f"/api/products/{pk}/"
        roll = rng.random()
        change = {"name": f"w{args.seed} n{n}", "price": f"{rng.randint(1, 999)}.{rng.randint(0, 99):02d}"}
        if rng.random() < 0.3:
            change["category"] = rng.choice(categories)
        if roll < 0.02 and pk in ids[:len(ids) // 3]:  # a third of the products may be deleted
            response = client.delete(url)
            kind = "delete"
        elif roll < 0.25:
            read = client.get(url)
            headers = {"HTTP_IF_MATCH": read["ETag"]} if read.status_code == 200 else {}
            response = client.patch(url, change, content_type="application/json", **headers)
            kind = "conditional patch"
        else:
            response = client.patch(url, change, content_type="application/json")
            kind = "patch"
        body = response.json() if response.get("Content-Type", "").startswith("application/json") else None
        answers.append({"kind": kind, "id": pk, "status": response.status_code,
                        "version": body.get("version") if isinstance(body, dict) else None})
    with open(args.out, "w") as out:
        json.dump(answers, out)


if __name__ == "__main__":
    main()
