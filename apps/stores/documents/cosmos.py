"""Azure Cosmos DB for NoSQL (locally: cosmosdb-server, started by scripts/cosmosdb-server.js).

Queries are parameterized SQL only: values travel as ``@p0, @p1, ...``, and
the only names written into the query text are field segments checked
against FIELD_SEGMENT, inside ``c["field"]["sub"]``. The one exception is a
patch's filter predicate, which Cosmos DB takes as SQL text without
parameters (``filter_predicate: str`` in azure-cosmos 4.17, sent as the
request's ``condition``): there each value is written as a constant by
``literal()``, from JSON's own escaping, never by formatting caller text.

Errors of the SDK are translated into the store's own exceptions, and each
call reports its request charge (RU) to the metrics hook. Throttled requests
(429) are retried by the SDK after the delay the service asks for
(``x-ms-retry-after-ms``), within ``throttle_retries`` and
``throttle_max_wait``; a request still throttled after that is Unavailable.

Read-your-writes: the SDK keeps the session token of each write in its
client and sends it with the following reads when the client's consistency
is Session (cosmosdb-server's account default, and the usual one in Azure).
The store keeps one client per process, so every thread of a process reads
its own writes; ``reads_your_writes`` says whether the account allows it.
"""
import json
from contextlib import contextmanager
from decimal import Decimal
from functools import cached_property

from azure.core import MatchConditions
from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from azure.cosmos import CosmosClient, PartitionKey, exceptions

from ..exceptions import Conflict, InvalidQuery, NotFound, PreconditionFailed, StoreError, Unavailable
from ..metrics import current_operation
from ..options import one_of, whole
from ..retry import retry_call
from ..query import Q
from ..paging import Page, decode_continuation, encode_continuation, fingerprint
from .base import (
    DocumentStore,
    apply_patch,
    batch_error,
    checked_condition,
)

# Worth retrying later: throttled, timed out, or the service is busy or failing over.
RETRYABLE_STATUS = {408, 429, 449, 500, 502, 503, 504}
COMPARISONS = {"eq": "=", "ne": "!=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
# Cosmos DB's own properties that callers see; _rid, _self and _attachments stay inside.
STORE_KEYS = ("_etag", "_ts")
CONSISTENCY_LEVELS = ("Strong", "BoundedStaleness", "Session", "ConsistentPrefix", "Eventual")
# The levels at which a client reads what it has just written.
READS_YOUR_WRITES = ("Strong", "BoundedStaleness", "Session")
# The portable patch operations and Cosmos DB's names for them.
PATCH_OPERATIONS = {"set": "set", "increment": "incr", "add": "add", "remove": "remove"}
# Reads and replaces a patch applied by replace tries before giving up under contention.
REPLACE_ATTEMPTS = 5


def store_error(error):
    """The store's exception for an SDK's HTTP error (a batch's error included)."""
    status, message = error.status_code, error.http_error_message
    if status == 412:
        return PreconditionFailed(f"The document has changed or does not meet the condition: {message}")
    if status == 404:
        return NotFound("The document does not exist.")
    if status == 409:
        return Conflict("A document with this id exists in the partition.")
    if status == 400:
        return InvalidQuery(f"Cosmos DB refused the request: {message}")
    if status == 429:
        return Unavailable("Cosmos DB still throttles after the retries; retry later or add throughput.")
    if status in RETRYABLE_STATUS:
        return Unavailable(f"Cosmos DB answered {status}; retry later.")
    return StoreError(f"Cosmos DB answered {status}: {message}")


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


def literal(value):
    """A scalar as a Cosmos SQL constant, for the patch predicate, which takes no parameters.

    A string is written by json.dumps with ASCII escapes: JSON's escapes
    (backslash before a quote, a backslash, n, t, uXXXX ...) are a subset of
    Cosmos SQL's, so the constant holds the value exactly and no character of
    it can end the constant early.
    Numbers are written in plain decimals: Cosmos DB also reads exponents,
    cosmosdb-server does not.
    """
    if value is None or isinstance(value, (bool, str)):
        return json.dumps(value, ensure_ascii=True)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    raise InvalidQuery(f"{value!r} is not a value a patch condition can compare.")


def cosmos_patch(operations):
    """Cosmos DB's JSON Patch operations for checked PatchOperations.

    Paths need no JSON Pointer escaping: field segments hold no ``/`` or ``~``.
    ``add`` appends, at the array's ``/-``.
    """
    result = []
    for operation in operations:
        path = "/" + "/".join(operation.path) + ("/-" if operation.op == "add" else "")
        entry = {"op": PATCH_OPERATIONS[operation.op], "path": path}
        if operation.op != "remove":
            entry["value"] = operation.value
        result.append(entry)
    return result


def array_paths(operations):
    """The fields an ``add`` appends to, each of which must hold an array."""
    return sorted({operation.path for operation in operations if operation.op == "add"})


def adds_after_changes(operations):
    """Whether an ``add`` follows an operation that changed its field (or a parent) in the same patch.

    Cosmos DB would test such an add against the stored document, not the
    document as the earlier operations left it, and ``remove`` then ``add``
    would store a key "-"; these patches are applied by read and replace.
    """
    for index, operation in enumerate(operations):
        if operation.op != "add":
            continue
        for earlier in operations[:index]:
            same_append = earlier.op == "add" and earlier.path == operation.path
            if not same_append and operation.path[: len(earlier.path)] == earlier.path:
                return True
    return False


def body(item):
    """The caller's part of a stored item, without Cosmos DB's own keys."""
    return {k: v for k, v in item.items() if not k.startswith("_")}


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
        return " WHERE " + all_of(clauses) if clauses else ""


def all_of(clauses):
    """SQL that holds when every (sql, binds) clause does."""
    return " AND ".join(f"({sql})" if binds == OR else sql for sql, binds in clauses)


class PredicateBuilder(QueryBuilder):
    """Compiles a patch's condition into a filter predicate, ``FROM c WHERE ...``.

    Cosmos DB's filter predicate takes no parameters, so each value is a
    ``literal()`` where a query would have ``@p0``.
    """

    def param(self, value):
        return literal(value)

    def predicate(self, condition, arrays):
        """The predicate: the condition, and that each field an ``add`` appends to holds an array.

        Cosmos DB would append to an object by adding a key "-"; the guard
        refuses that as the embedded backend does.
        """
        clauses = [(f"IS_ARRAY({field_ref(path)})", ATOM) for path in arrays]
        if condition is not None:
            clauses.append(self.filter(condition))
        return "FROM c WHERE " + all_of(clauses) if clauses else None


def order_clause(order):
    if not order:
        return ""
    return " ORDER BY " + ", ".join(field_ref(path) + (" DESC" if desc else "") for path, desc in order)


# A batch of reads that met this many missing documents reads the rest one by one.
GET_MANY_BATCH_MISSES = 3


class CosmosDocumentStore(DocumentStore):
    """Documents in Azure Cosmos DB for NoSQL; the database and containers are created on demand.

    ``throughput`` (RU/s) is provisioned on the database and shared by its
    containers; leave it None for serverless accounts or an existing database.
    ``consistency_level`` lowers the account's default for this client (None
    keeps it). ``throttle_retries`` and ``throttle_max_wait`` (seconds, in
    total) bound how long a throttled call keeps retrying before it raises
    Unavailable: a web request should fail soon rather than hang.
    """

    required_options = ("endpoint", "key", "database")
    default_options = {
        "verify_tls": True,
        "consistency_level": None,
        "throughput": None,
        "throttle_retries": 9,
        "throttle_max_wait": 10,
        # Seconds each attempt of a call may wait for the server (the SDK tries a timed-out
        # read a few times), then Unavailable: a server that stops answering must not hold
        # a worker, and the row locks it holds, for ever.
        "timeout": 30,
    }
    option_rules = {
        "consistency_level": one_of(*CONSISTENCY_LEVELS, nullable=True),
        # The SDK reads 0 as "use the default", so at least 1.
        "throttle_retries": whole(least=1),
        "throttle_max_wait": whole(least=1),
        "timeout": whole(least=1),
    }
    supports_atomic_batch = True
    # A forked worker shares neither its parent's connections nor its session.
    per_process = ("client", "database", "_containers")

    @cached_property
    def client(self):
        """This process's CosmosClient, built on first use (it reads the account when built).

        One client per process: it holds the session tokens that give the
        process read-your-writes, and the connection pool.
        """
        kwargs = {
            "connection_verify": self.options["verify_tls"],
            # The SDK waits the x-ms-retry-after-ms the service sends with each 429.
            "retry_throttle_total": self.options["throttle_retries"],
            "retry_throttle_backoff_max": self.options["throttle_max_wait"],
            "timeout": self.options["timeout"],
            "read_timeout": self.options["timeout"],
        }
        if self.options["consistency_level"]:
            kwargs["consistency_level"] = self.options["consistency_level"]
        with translated_errors():
            return CosmosClient(self.options["endpoint"], credential=self.options["key"], **kwargs)

    @property
    def consistency_level(self):
        """The consistency this client reads at: the option, else the account's default."""
        return self.client.client_connection.default_headers.get("x-ms-consistency-level")

    @property
    def reads_your_writes(self):
        """Whether a read sees this process's earlier writes (Strong, BoundedStaleness or Session)."""
        return self.consistency_level in READS_YOUR_WRITES

    @cached_property
    def database(self):
        """The database proxy, created if it does not exist."""
        with translated_errors():
            try:
                return self.client.create_database_if_not_exists(
                    self.options["database"],
                    offer_throughput=self.options["throughput"],
                    response_hook=record_charge,
                )
            except exceptions.CosmosResourceExistsError:
                # Another process created it between our read and our create.
                return self.client.get_database_client(self.options["database"])

    @cached_property
    def _containers(self):
        """The container proxies built so far, by name."""
        return {}

    def _proxy(self, container):
        proxy = self._containers.get(container.name)
        if proxy is None:
            database = self.database
            # One creation at a time in this process; another process may still win the race
            # between create_if_not_exists's read and its create, which answers 409.
            with self._lock, translated_errors():
                proxy = self._containers.get(container.name)
                if proxy is None:
                    try:
                        proxy = database.create_container_if_not_exists(
                            id=container.name,
                            partition_key=PartitionKey(path=container.partition_key),
                            response_hook=record_charge,
                        )
                    except exceptions.CosmosResourceExistsError:
                        proxy = database.get_container_client(container.name)
                self._containers[container.name] = proxy
        return proxy

    def close(self):
        """Drop the client; the next call builds a new one (with a new session)."""
        with self._lock:
            client = self._drop_per_process().get("client")
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

    def _get_many(self, container, partition_key, ids):
        """One transactional batch of reads. A read of a missing document fails the whole
        batch (naming it), so it is left out and the rest read again; after a few misses
        the rest are read one by one, which costs less than a batch per miss."""
        found, wanted, misses = {}, list(ids), 0
        with translated_errors():
            proxy = self._proxy(container)
            while wanted and misses < GET_MANY_BATCH_MISSES:
                try:
                    results = proxy.execute_item_batch(
                        [("read", (id,), {}) for id in wanted], partition_key=partition_key,
                        response_hook=record_charge,
                    )
                except exceptions.CosmosBatchOperationError as e:
                    record_charge(e.headers or {})
                    if e.status_code != 404 or e.error_index is None:
                        raise
                    del wanted[e.error_index]
                    misses += 1
                    continue
                found.update((item["id"], public(item)) for item in (r["resourceBody"] for r in results))
                return found
        return {**found, **super()._get_many(container, partition_key, wanted)}

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

    @translated_errors()
    def _patch(self, container, id, partition_key, operations, condition, if_match):
        proxy = self._proxy(container)
        if adds_after_changes(operations):
            return self._patch_by_replace(
                proxy, container, id, partition_key, operations, condition, if_match
            )
        arrays = array_paths(operations)
        try:
            item = proxy.patch_item(
                id,
                partition_key,
                cosmos_patch(operations),
                filter_predicate=PredicateBuilder().predicate(condition, arrays),
                response_hook=record_charge,
                **self._precondition(if_match),
            )
        except exceptions.CosmosHttpResponseError as e:
            if e.status_code in (400, 412) and (arrays or condition is not None or if_match is not None):
                stored = proxy.read_item(id, partition_key=partition_key, response_hook=record_charge)
                self._check_patch_precondition(proxy, container, stored, partition_key, condition, if_match)
                apply_patch(body(stored), operations)  # InvalidQuery naming the operation that does not fit
            raise
        return public(item)

    @staticmethod
    def _check_patch_precondition(proxy, container, stored, partition_key, condition, if_match):
        """PreconditionFailed if the stored item fails ``if_match`` or ``condition``.

        The contract checks a patch's precondition before its operations;
        Cosmos DB answers 400 for an operation that does not fit even when the
        precondition fails too (and 412 when the array guard of an ``add``
        fails), so a refused patch is explained from the stored document.
        """
        doc_id = stored["id"]
        if if_match is not None and stored["_etag"] != if_match:
            raise PreconditionFailed(f"The {container.name} document {doc_id!r} has changed since read.")
        if condition is None:
            return
        builder = QueryBuilder()
        sql = "SELECT VALUE c.id FROM c" + builder.where(container, Q(id=doc_id) & condition, partition_key)
        found = proxy.query_items(
            sql, parameters=builder.parameters, partition_key=partition_key, response_hook=record_charge
        )
        if not list(found):
            raise PreconditionFailed(
                f"The {container.name} document {doc_id!r} does not meet the patch condition {condition!r}."
            )

    def _patch_by_replace(self, proxy, container, id, partition_key, operations, condition, if_match):
        """Apply the patch as the embedded backend does, and replace the document if it has not changed."""

        def read_and_replace():
            stored = proxy.read_item(id, partition_key=partition_key, response_hook=record_charge)
            self._check_patch_precondition(proxy, container, stored, partition_key, condition, if_match)
            document = apply_patch(body(stored), operations)
            item = proxy.replace_item(id, document, response_hook=record_charge, **self._precondition(stored["_etag"]))
            return public(item)

        # Another writer came between the read and the replace: read again, after a short wait.
        try:
            return retry_call(
                read_and_replace,
                retry_if=lambda e: isinstance(e, exceptions.CosmosAccessConditionFailedError),
                retries=REPLACE_ATTEMPTS - 1,
                base=0.01,
                cap=0.2,
            )
        except exceptions.CosmosAccessConditionFailedError:
            message = f"The {container.name} document {id!r} kept changing during a patch; retry later."
            raise Unavailable(message) from None

    def _execute_batch(self, container, partition_key, operations):
        batch = []
        for operation in operations:
            options = {"if_match_etag": operation.if_match} if operation.if_match else {}
            if operation.op == "delete":
                arguments = (operation.id,)
            elif operation.op == "replace":
                arguments = (operation.id, operation.document)
            else:
                arguments = (operation.document,)
            batch.append((operation.op, arguments, options))
        with translated_errors():
            proxy = self._proxy(container)
            try:
                results = proxy.execute_item_batch(
                    batch, partition_key=partition_key, response_hook=record_charge
                )
            except exceptions.CosmosBatchOperationError as e:
                record_charge(e.headers or {})
                index = e.error_index
                raise batch_error(store_error(e), index, operations[index].op) from e
        return [public(result["resourceBody"]) if result.get("resourceBody") else None for result in results]

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
        token = None if continuation is None else decode_continuation(continuation, query, str)
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
