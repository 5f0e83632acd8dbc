"""The checkout benchmark's baseline: the same checkout with the SQL order alone, no saga.

What a skilled Django developer writes for a shop whose stock lives in SQL: the
same cart read and checks as apps.orders.checkout (its cart_lines_problems),
then ONE transaction that takes each line's units with a conditional decrement
(``UPDATE ... SET quantity = quantity - n WHERE product_id = p AND quantity >= n``,
never below zero, no read-modify-write to race) and inserts the order,
confirmed, and its lines into the very tables the site uses (same indexes and
the same unique idempotency key). Nothing else: no saga records, no outbox
events, no document store, no receipt blob, no purchase counts.
"""
from django.db import IntegrityError, connection, transaction

from apps.orders.checkout import CheckoutRefused, cart_lines_problems, check_key
from apps.orders.models import Order, OrderLine
from apps.orders.payments import payment_method

STOCK_TABLE = "bench_checkout_stock"


def create_stock_table():
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {STOCK_TABLE} (product_id bigint PRIMARY KEY, "
                       "quantity integer NOT NULL CHECK (quantity >= 0))")


def set_stock(product_id, quantity):
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {STOCK_TABLE} (product_id, quantity) VALUES (%s, %s) "
                       "ON CONFLICT (product_id) DO UPDATE SET quantity = EXCLUDED.quantity", [product_id, quantity])


def stock(product_id):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT quantity FROM {STOCK_TABLE} WHERE product_id = %s", [product_id])
        return cursor.fetchone()[0]


class OutOfStock(Exception):
    pass


def sql_checkout(user, cart, *, payment_method_code=None, key):
    """The cart's order, confirmed, in one transaction; CheckoutRefused with nothing written
    when a check fails or a line's stock is short. The same ``key`` returns the same order."""
    check_key(key)
    existing = Order.objects.filter(user=user, idempotency_key=key).first()
    if existing is not None:
        return existing
    method = payment_method(payment_method_code)
    lines = cart.lines()
    if not lines:
        raise CheckoutRefused("Your cart is empty.", code="empty")
    problems = cart_lines_problems(lines)
    if problems:
        raise CheckoutRefused(problems, code="cart")
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                # Lines in product order, so two orders of the same products lock them in the same order.
                for line in sorted(lines, key=lambda line: line.product_id):
                    cursor.execute(f"UPDATE {STOCK_TABLE} SET quantity = quantity - %s "
                                   "WHERE product_id = %s AND quantity >= %s",
                                   [line.quantity, line.product_id, line.quantity])
                    if cursor.rowcount != 1:
                        raise OutOfStock(line.product.name)
            order = Order(user=user, idempotency_key=key, total=sum(line.subtotal for line in lines),
                          payment_method=method.code, status=Order.Status.CONFIRMED,
                          payment_state=Order.Payment.AUTHORIZED)
            order.payment_reference = method.authorize(order, key=key)
            Order.objects.bulk_create([order])  # bulk_create: a plain INSERT, no outbox event
            OrderLine.objects.bulk_create(
                OrderLine(order=order, product=line.product, product_name=line.product.name, sku=line.product.sku,
                          unit_price=line.product.price, quantity=line.quantity) for line in lines)
    except OutOfStock as short:
        raise CheckoutRefused(f"Not enough of {short} left in stock: lower the quantity.", code="cart") from None
    except IntegrityError:
        return Order.objects.get(user=user, idempotency_key=key)  # a concurrent request with the key won
    cart.clear()
    return order
