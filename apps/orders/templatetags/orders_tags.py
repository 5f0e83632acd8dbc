"""``{{ order.status|shopper_status }}``: an order's status as the shopper's pages word it."""
from django import template

from apps.orders.wording import STATUS_WORDS

register = template.Library()


@register.filter
def shopper_status(status):
    return STATUS_WORDS[status][0] if status in STATUS_WORDS else status
