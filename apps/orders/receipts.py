"""Receipts: an HTML page per confirmed order, kept privately in ``STORAGES["receipts"]``
(a private blob container in services and azure, a folder on disk in embedded).

Nobody reaches a receipt by its name: the order page hands its owner (or staff)
an expiring signed link, a SAS link in Blob Storage or a signed /files/ link on
disk (polyglot_site.signed_files), and an expired or altered link is refused.
"""
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.template.loader import render_to_string

from .wording import payment_words

ALIAS = "receipts"


def receipt_name(order):
    return f"receipts/{order.number}.html"


def render_receipt(order):
    """The receipt's HTML, as write_receipt stores it."""
    return render_to_string("orders/receipt.html", {"order": order, "lines": list(order.lines.all()),
                                                    "payment": payment_words(order)})


def write_receipt(order):
    """Render and store the order's receipt; writing it again replaces it. Returns its name."""
    storage, name = storages[ALIAS], receipt_name(order)
    html = render_receipt(order)
    # The storage overwrites (see STORAGES["receipts"]): a step repeated after a crash writes
    # the receipt whole again under its name, with no round trip to ask whether it exists.
    saved = storage.save(name, ContentFile(html.encode(), name=name))
    if saved != name:
        storage.delete(saved)
        raise RuntimeError(f"The receipt {name} was stored as {saved}; it will be written again.")
    return name


def delete_receipt(name):
    if name:
        storages[ALIAS].delete(name)


def receipt_exists(name):
    return bool(name) and storages[ALIAS].exists(name)


def receipt_link(order):
    """An expiring link to the order's receipt (ORDERS_RECEIPT_LINK_SECONDS), or None without one."""
    if not order.receipt_name:
        return None
    return storages[ALIAS].url(order.receipt_name, expire=settings.ORDERS_RECEIPT_LINK_SECONDS)
