"""Azure Cosmos DB for NoSQL (locally: cosmosdb-server, started by scripts/cosmosdb-server.js).

Queries are parameterized SQL only: values travel as ``@p0, @p1, ...``, and
the only names written into the query text are field segments checked
against FIELD_SEGMENT, inside ``c["field"]["sub"]``. Errors of the SDK are
translated into the store's own exceptions, and each call reports its
request charge (RU) to the metrics hook.
"""
import threading
from contextlib import contextmanager
from functools import cached_property

from azure.core import MatchConditions
from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from azure.cosmos import CosmosClient, PartitionKey, exceptions

from ..exceptions import Conflict, InvalidQuery, NotFound, PreconditionFailed, StoreError, Unavailable
from ..query import Q
from .base import (
    DocumentStore,
    Page,
    checked_condition,
    current_operation,
    decode_continuation,
    encode_continuation,
    fingerprint,
)

# Worth retrying later: throttled, timed out, or the service is busy or failing over.
RETRYABLE_STATUS = {408, 429, 449, 500, 502, 503, 504}
COMPARISONS = {"eq": "=", "ne": "!=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
# Cosmos DB's own properties that callers see; _rid, _self and _attachments stay inside.
STORE_KEYS = ("_etag", "_ts")


def store_error(error):
    """The store's exception for an SDK's HTTP error."""
    if isinstance(error, exceptions.CosmosAccessConditionFailedError):
        return PreconditionFailed("The document has changed since it was read.")
    if isinstance(error, exceptions.CosmosResourceNotFoundError):
        return NotFound("The document does not exist.")
    if isinstance(error, exceptions.CosmosResourceExistsError):
        return Conflict("A document with this id exists in the partition.")
    if error.status_code == 400:
        return InvalidQuery(f"Cosmos DB refused the request: {error.http_error_message}")
    if error.status_code in RETRYABLE_STATUS:
        return Unavailable(f"Cosmos DB answered {error.status_code}; retry later.")
    return StoreError(f"Cosmos DB answered {error.status_code}: {error.http_error_message}")


@contextmanager
def translated_errors():
    """Raise the store's exceptions instead of the SDK's."""
    try:
        yield
    except exceptions.CosmosHttpResponseError as e:
        record_charge(e.headers or {})  # a refused request is billed too
        raise store_error(e) from e
    except (ServiceRequestError, ServiceResponseError, exceptions.CosmosClientTimeoutError) as e:
        raise Unavailable(f"Cosmos DB cannot be reached: {e}") from e


def record_charge(headers, _result=None):
    """Add a response's request charge to the running store call (an SDK response_hook).

    The SDK hands each call its own response headers here, unlike the client's
    shared ``last_response_headers``, which another thread may overwrite.
    """
    operation = current_operation()
    charge = headers.get("x-ms-request-charge")
    if operation is not None and charge:
        operation.request_charge = (operation.request_charge or 0) + float(charge)


def public(document):
    return {k: v for k, v in document.items() if not k.startswith("_") or k in STORE_KEYS}


def type_check(value):
    """The Cosmos SQL function that tests a field has the JSON type of ``value``."""
    if value is None:
        return "IS_NULL"
    if isinstance(value, bool):
        return "IS_BOOL"
    return "IS_NUMBER" if isinstance(value, (int, float)) else "IS_STRING"


def field_ref(path):
    # Each segment matched FIELD_SEGMENT (letters, digits, _), so it cannot close the quotes.
    return "c" + "".join(f'["{segment}"]' for segment in path)


# How a piece of SQL binds: AND binds tighter than OR, so only an OR inside an AND needs parentheses.
ATOM, AND, OR = "atom", "and", "or"


class QueryBuilder:
    """Compiles a Q tree into Cosmos SQL text and its parameters.

    Parentheses are written only where AND/OR precedence needs them:
    cosmosdb-server's parser takes time exponential in their nesting (five
    levels cost over a second per query).
    """

    def __init__(self):
        self.parameters = []

    def param(self, value):
        name = f"@p{len(self.parameters)}"
        self.parameters.append({"name": name, "value": value})
        return name

    def filter(self, node):
        """SQL for a Q tree, and how it binds (ATOM, AND or OR)."""
        if not isinstance(node, Q):
            return self.condition(checked_condition(node))
        parts = [self.filter(child) for child in node.children]
        if not parts:
            return ("true" if node.connector == Q.AND else "false"), ATOM
        if len(parts) == 1:
            return parts[0]
        if node.connector == Q.OR:
            return " OR ".join(sql for sql, _ in parts), OR
        return " AND ".join(f"({sql})" if binds == OR else sql for sql, binds in parts), AND

    def condition(self, condition):
        field, op, value = field_ref(condition.path), condition.op, condition.value
        if op == "ne":
            # cosmosdb-server finds "10" != 10 true; Cosmos DB compares one type only.
            return f"{type_check(value)}({field}) AND {field} != {self.param(value)}", AND
        if op in COMPARISONS:
            return f"{field} {COMPARISONS[op]} {self.param(value)}", ATOM
        if op == "in":
            return f"{field} IN ({', '.join(self.param(v) for v in value)})", ATOM
        if op == "contains":
            name = self.param(value)
            return (
                f"IS_STRING({field}) AND CONTAINS({field}, {name}) OR "
                f"IS_ARRAY({field}) AND ARRAY_CONTAINS({field}, {name})"
            ), OR
        if op == "startswith":
            return f"IS_STRING({field}) AND STARTSWITH({field}, {self.param(value)})", AND
        return (f"IS_DEFINED({field})" if value else f"NOT IS_DEFINED({field})"), ATOM

    def where(self, container, where, partition_key):
        clauses = []
        if partition_key is not None:
            # cosmosdb-server ignores the partition key header of a query and
            # wants the key in the WHERE clause; Cosmos DB accepts it either way.
            clauses.append((f"{field_ref(container.partition_path)} = {self.param(partition_key)}", ATOM))
        if where is not None:
            clauses.append(self.filter(where))
        if not clauses:
            return ""
        return " WHERE " + " AND ".join(f"({sql})" if binds == OR else sql for sql, binds in clauses)


def order_clause(order):
    if not order:
        return ""
    return " ORDER BY " + ", ".join(field_ref(path) + (" DESC" if desc else "") for path, desc in order)


class CosmosDocumentStore(DocumentStore):
    """Documents in Azure Cosmos DB for NoSQL; the database and containers are created on demand.

    ``throughput`` (RU/s) is provisioned on the database and shared by its
    containers; leave it None for serverless accounts or an existing database.
    """

    required_options = ("endpoint", "key", "database")
    default_options = {"verify_tls": True, "consistency_level": None, "throughput": None}

    def __init__(self, alias="default", **options):
        super().__init__(alias, **options)
        self._containers = {}
        self._lock = threading.Lock()

    @cached_property
    def client(self):
        """The CosmosClient, built on first use (it reads the account when built)."""
        kwargs = {"connection_verify": self.options["verify_tls"]}
        if self.options["consistency_level"]:
            kwargs["consistency_level"] = self.options["consistency_level"]
        return CosmosClient(self.options["endpoint"], credential=self.options["key"], **kwargs)

    @cached_property
    def database(self):
        """The database proxy, created if it does not exist."""
        return self.client.create_database_if_not_exists(
            self.options["database"], offer_throughput=self.options["throughput"], response_hook=record_charge
        )

    def _proxy(self, container):
        proxy = self._containers.get(container.name)
        if proxy is None:
            # One creation at a time: two concurrent create_if_not_exists can both try to create.
            with self._lock, translated_errors():
                proxy = self._containers.get(container.name) or self.database.create_container_if_not_exists(
                    id=container.name,
                    partition_key=PartitionKey(path=container.partition_key),
                    response_hook=record_charge,
                )
                self._containers[container.name] = proxy
        return proxy

    def close(self):
        """Drop the client; the next call builds a new one."""
        self._containers = {}
        client = self.__dict__.pop("client", None)
        self.__dict__.pop("database", None)
        if client is not None:
            client.close()

    # -- containers -------------------------------------------------------
    def _ensure_container(self, container):
        self._proxy(container)

    @translated_errors()
    def _delete_container(self, container):
        self._containers.pop(container.name, None)
        try:
            self.database.delete_container(container.name, response_hook=record_charge)
        except exceptions.CosmosResourceNotFoundError:
            pass  # already gone is what was asked

    # -- items ------------------------------------------------------------
    @translated_errors()
    def _get(self, container, id, partition_key):
        item = self._proxy(container).read_item(id, partition_key=partition_key, response_hook=record_charge)
        return public(item)

    @translated_errors()
    def _create(self, container, document, partition_key):
        return public(self._proxy(container).create_item(document, response_hook=record_charge))

    @translated_errors()
    def _upsert(self, container, document, partition_key, if_match):
        item = self._proxy(container).upsert_item(
            document, response_hook=record_charge, **self._precondition(if_match)
        )
        return public(item)

    @translated_errors()
    def _replace(self, container, document, partition_key, if_match):
        item = self._proxy(container).replace_item(
            document["id"], document, response_hook=record_charge, **self._precondition(if_match)
        )
        return public(item)

    @translated_errors()
    def _delete(self, container, id, partition_key, if_match):
        self._proxy(container).delete_item(
            id, partition_key=partition_key, response_hook=record_charge, **self._precondition(if_match)
        )

    @staticmethod
    def _precondition(if_match):
        if if_match is None:
            return {}
        return {"etag": if_match, "match_condition": MatchConditions.IfNotModified}

    # -- queries ----------------------------------------------------------
    def _scope(self, partition_key):
        if partition_key is None:
            return {"enable_cross_partition_query": True}
        return {"partition_key": partition_key}

    @translated_errors()
    def _query(self, container, where, partition_key, order, limit, continuation):
        builder = QueryBuilder()
        sql = "SELECT * FROM c" + builder.where(container, where, partition_key) + order_clause(order)
        query = fingerprint(container.name, sql, builder.parameters)
        token = None if continuation is None else decode_continuation(continuation, query)
        if token is not None and not isinstance(token, str):
            raise InvalidQuery("The continuation token is malformed.")
        while True:
            pager = self._proxy(container).query_items(
                sql,
                parameters=builder.parameters,
                max_item_count=limit,
                response_hook=record_charge,
                **self._scope(partition_key),
            ).by_page(token)
            items = [public(item) for item in next(pager, [])]
            token = pager.continuation_token
            # Cosmos DB may answer an empty page that still has a token; the contract's
            # pages are empty only at the end.
            if items or not token:
                break
        return Page(items, encode_continuation(query, token) if token else None)

    @translated_errors()
    def _count(self, container, where, partition_key):
        builder = QueryBuilder()
        sql = "SELECT VALUE COUNT(1) FROM c" + builder.where(container, where, partition_key)
        results = self._proxy(container).query_items(
            sql, parameters=builder.parameters, response_hook=record_charge, **self._scope(partition_key)
        )
        # A cross-partition count may come back as one partial count per partition.
        return int(sum(results))
