"""API errors a client can cause answer 4xx, never 500 (the DRF EXCEPTION_HANDLER)."""
from django.core.exceptions import RequestDataTooBig, ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from apps.stores.exceptions import InvalidQuery, Unavailable


class StoreUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A store this request needs is unavailable; try again shortly."
    default_code = "store_unavailable"


def exception_handler(exc, context):
    """DRF's handler, plus: model validation is a 400 with field errors, a query a store
    refuses is a 400 saying why, a store that is down is a 503."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, InvalidQuery):
        exc = exceptions.ValidationError({"detail": str(exc)})
    elif isinstance(exc, Unavailable):
        exc = StoreUnavailable()
    elif isinstance(exc, RequestDataTooBig):
        # A form body past DATA_UPLOAD_MAX_MEMORY_SIZE: a JSON 400 like every other refusal, not Django's page.
        exc = exceptions.ValidationError({"detail": str(exc)})
    return drf_exception_handler(exc, context)
