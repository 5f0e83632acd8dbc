"""One live producer for the sync benchmark's throughput run: saves products (creates and
updates, as a shop's admin and API do) as fast as it can for a while, then prints how
many events it committed.

    python -m bench.sync_producer --seconds 60 --prefix p0 --seed 0
"""
import argparse
import random
import time

import django


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--update-share", type=float, default=0.5)
    args = parser.parse_args()
    django.setup()
    from apps.catalog.models import Category, Product

    rng = random.Random(args.seed)
    categories = list(Category.objects.all())
    mine, committed = [], 0
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        if mine and rng.random() < args.update_share:
            product = rng.choice(mine)
            product.name = f"{product.name.split(' #')[0]} #{committed}"
            product.price = rng.randint(1, 500)
            product.save()
        else:
            n = len(mine)
            product = Product(sku=f"{args.prefix}-{n}", name=f"Live lamp {args.prefix} {n}",
                              slug=f"live-lamp-{args.prefix}-{n}", category=rng.choice(categories), price=10)
            product.save()
            mine.append(product)
        committed += 1
    print(committed)


if __name__ == "__main__":
    main()
