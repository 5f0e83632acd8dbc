from django.dispatch import Signal

# Sent after every store operation, with alias, kind, operation, target,
# seconds, request_charge (None when the backend has no such notion) and error.
store_operation = Signal()
