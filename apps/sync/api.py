"""Optimistic concurrency for API clients of outboxed records.

Reads answer an ``ETag`` made from the record's version; PUT, PATCH and
DELETE with ``If-Match`` answer 412 when the record moved on since, checked
again atomically by the write itself. Without ``If-Match`` the last writer
wins, each with its own version. A record another writer deleted is a 404,
never brought back.
"""
import re

from rest_framework import status
from rest_framework.exceptions import APIException, NotAuthenticated, NotFound, ParseError, ValidationError

from . import consistency
from .consistency import remember_seen
from .exceptions import RecordGone, StaleVersion

ENTITY_TAG = re.compile(r'\s*(?:W/)?"(\d{1,19})"\s*')
CONDITIONAL_METHODS = ("PUT", "PATCH", "DELETE")


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed since you read it; read it again and retry."
    default_code = "precondition_failed"


def read_source(request, projection, *, default):
    """consistency.read_source() for an API view: an unknown Consistency-Level is a 400 naming
    the header, a level that may read the home asked by an anonymous client a 401/403."""
    try:
        return consistency.read_source(request, projection, default=default)
    except consistency.InvalidConsistencyLevel as error:
        raise ValidationError({consistency.HEADER: [str(error)]}) from error
    except consistency.ConsistencyNotAllowed as error:
        raise NotAuthenticated(str(error)) from error


def etag(version):
    return f'"{version}"'


def parse_if_match(header):
    """The versions an If-Match header accepts: None for "*" (any), else a set of ints.

    ParseError (a 400) if it is not a list of entity tags made by this API.
    """
    if header.strip() == "*":
        return None
    tags = header.split(",")
    versions = set()
    for tag in tags[:20]:
        match = ENTITY_TAG.fullmatch(tag)
        if not match:
            raise ParseError('If-Match takes "*" or the ETag of a previous response, such as "3".')
        versions.add(int(match.group(1)))
    if len(tags) > 20:
        raise ParseError("If-Match lists at most 20 entity tags.")
    return versions


class VersionedWritesMixin:
    """For a viewset of OutboxedModel records: ETag on reads, If-Match on writes, and
    the versions a session was shown remembered for monotonic reads.

    The write path calls ``self.expected_version`` (None when the client did
    not ask for a check) and passes it to save() or delete().
    """

    expected_version = None

    def get_object(self):
        instance = super().get_object()
        header = self.request.headers.get("If-Match")
        if header is not None and self.request.method in CONDITIONAL_METHODS:
            accepted = parse_if_match(header)
            if accepted is not None:
                if instance.version not in accepted:
                    raise PreconditionFailed()
                self.expected_version = instance.version
        return instance

    def handle_exception(self, exc):
        if isinstance(exc, StaleVersion):
            exc = PreconditionFailed()
        elif isinstance(exc, RecordGone):
            exc = NotFound("This record was deleted by another request.")
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code >= 300:
            return response
        version, shown = records_of(response)
        if version is not None:
            response["ETag"] = etag(version)
        if shown:
            # The class's queryset names the model without building a queryset per answer.
            queryset = self.queryset if self.queryset is not None else self.get_queryset()
            remember_seen(request, queryset.model.outbox_aggregate_type, shown)
        return response


def records_of(response):
    """The version of the record an answer is (None for a page of records, or no record),
    and (id, version) for each record it shows.

    An answer that names its record (``shown_record``: a cached answer, served as the
    JSON it was kept as) is taken at its word, so its data is not decoded for this.
    """
    record = getattr(response, "shown_record", None)
    if record is not None:
        return record[1], [record]
    data = getattr(response, "data", None)
    if not isinstance(data, dict):
        return None, []
    version = data["version"] if isinstance(data.get("version"), int) else None
    return version, [(item["id"], item["version"]) for item in data.get("results", [data])
                     if isinstance(item, dict) and "id" in item and "version" in item]
