"""How the API's schema describes the errors every outboxed-record endpoint can answer."""
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, OpenApiTypes, extend_schema

ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description="What was wrong, in `detail` or per field.")

IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description='The ETag of an earlier read ("3"): the write answers 412 if the record changed since.',
)
CONSISTENCY_LEVEL = OpenApiParameter(
    "Consistency-Level", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    enum=["eventual", "read_your_writes", "session", "monotonic_reads", "monotonic", "bounded_staleness", "strong"],
    description="Where the read goes: the projection or the home (strong and bounded_staleness need a signed-in user).",
)

COMMON = {400: ERROR, 401: ERROR, 403: ERROR, 429: ERROR, 503: ERROR}


def documented(success, *, conditional=False, read=False, missing=True, **extra):
    """extend_schema with the success response and every error a client can cause
    (``extra``: more of extend_schema's arguments, such as ``summary``)."""
    responses = {**success, **COMMON}
    if missing:
        responses[404] = ERROR
    if conditional:
        responses[412] = ERROR
    parameters = [IF_MATCH] if conditional else []
    if read:
        parameters.append(CONSISTENCY_LEVEL)
    return extend_schema(responses=responses, parameters=parameters, **extra)


def document_unsupported_media_type(result, generator, request, public):
    """drf-spectacular hook: every operation that takes a body may answer 415, for a body
    in a media type none of its parsers reads (DRF's UnsupportedMediaType)."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                operation.setdefault("responses", {}).setdefault("415", {
                    "description": "The body's media type is not one this endpoint reads "
                                   "(JSON, a form, or multipart).",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                })
    return result
