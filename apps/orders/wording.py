"""An order's state in words a shopper understands (the model's labels are the operators')."""
from .models import Order
from .payments import PayOnDelivery, payment_methods

STATUS_WORDS = {
    Order.Status.PENDING: ("Being placed", "We are reserving your items and taking the payment."),
    Order.Status.CONFIRMED: ("Confirmed", "Your order is confirmed and on its way to being packed."),
    Order.Status.FAILED: ("Not placed", ""),  # the reason the checkout gave follows
    Order.Status.CANCELLING: ("Being cancelled", "We are giving back what this order took."),
    Order.Status.CANCELLED: ("Cancelled", "This order was cancelled; anything taken was given back."),
    Order.Status.COMPENSATION_FAILED: ("On hold", ""),
}


def status_words(order):
    """(headline, explanation) for the order's status; a failed order explains itself by its reason."""
    headline, explanation = STATUS_WORDS.get(order.status, (order.get_status_display(), ""))
    return headline, explanation or order.failure_reason


def payment_words(order):
    """How the order is paid, e.g. "Pay on delivery: you pay the courier $40.00"."""
    method = payment_methods().get(order.payment_method)
    label = method.label if method is not None else order.payment_method
    if order.payment_state == Order.Payment.REFUNDED:
        return f"{label}: refunded"
    if order.payment_state == Order.Payment.AUTHORIZED:
        if order.payment_method == PayOnDelivery.code:
            return f"{label}: you pay the courier ${order.total}"
        return f"{label}: paid"
    return f"{label}: nothing taken"
