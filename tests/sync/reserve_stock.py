"""python -m tests.sync.reserve_stock SKU ATTEMPTS: reserve one unit ATTEMPTS times; print how many applied."""
import sys

import django

if __name__ == "__main__":
    django.setup()
    from tests.sync import stock_home

    stock_home.install()
    sku, attempts = sys.argv[1], int(sys.argv[2])
    print(sum(stock_home.reserve(sku, 1).applied for _ in range(attempts)))
