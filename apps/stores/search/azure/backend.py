"""Azure AI Search (azure-search-documents), for the ``azure`` profile.

Each IndexDefinition is an alias (``products``) for a concrete index with a
version (``products-v3``). Reads and writes go through the alias; rebuild()
creates ``products-v4`` from the current definition, fills it, moves the
alias with one ``PUT /aliases('products')`` (under the alias's ETag, so two
rebuilds cannot both win) and deletes ``products-v3``. clear() is a rebuild
with no documents: Azure has no "delete every document".

The schema comes from the declared fields: searchable fields are
``SearchableField`` (ASCII-folding standard analyzer, as tantivy folds
accents), the others ``SimpleField``, with filterable, facetable and
sortable as declared; boosts become the default scoring profile's text
weights; autocomplete fields feed a suggester.

Text typed by a user is taken literally: the simple query syntax with every
character that is not a letter or digit escaped by a backslash, so ``+``,
``|``, ``-``, quotes, ``*``, parentheses and ``\\`` are only characters;
``searchMode=all`` (every word must match, as with tantivy) over the
searchable fields only. Filters are OData built by apps.stores.search.azure.odata.

Document keys may hold only letters, digits, ``_``, ``-`` and ``=``: any
other id is stored base64url-encoded behind ``k=`` and decoded on the way
back. Writes go in batches of up to 1000 actions. Azure answers 207 when some
actions failed: the ones whose status says "try again" (409, 422, 429, 503
...) are sent again with exponential backoff up to ``retries`` times; a
refused document (400) is an InvalidQuery. Whole requests answered 503 or
504 are retried by the SDK's own retry policy. SDK errors become the
store's: 404 NotFound, 400 InvalidQuery, 409 Conflict, 412
PreconditionFailed, 408/429/5xx and connection errors Unavailable.

Where it differs from the tantivy backend (and so from the contract suite,
which cannot run here: no emulator exists, see tests/stores/test_search_azure_wire.py):
no fuzzy retry for typos; where documents without a sort field land is
Azure's rule; and a write made through the alias while a rebuild runs goes
to the old index only (rebuild_keeps_concurrent_writes is False): run
``manage.py projections reconcile --repair`` after a rebuild that overlapped
live traffic.

Tests answer at the wire by setting an instance's ``transport`` attribute
(tests/stores/azure_search_wire.py); it is deliberately not an OPTIONS key.
"""
import base64
import logging
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from html import escape
from itertools import islice

from azure.core import MatchConditions
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError
from azure.search.documents import SearchClient
from azure.search.documents.indexes import SearchIndexClient
from azure.search.documents.indexes.models import (
    ScoringProfile,
    SearchAlias,
    SearchableField,
    SearchIndex,
    SearchSuggester,
    SimpleField,
    TextWeights,
)
from ...exceptions import Conflict, InvalidQuery, NotFound, PreconditionFailed, StoreError, Unavailable
from ...options import seconds, text, whole
from ...retry import retry_call
from ..base import SearchBackend, SearchHit, SearchResults, batches
from .odata import filter_expression, quote
from ..values import as_datetime, exact_value, values_of

logger = logging.getLogger(__name__)

EDM_TYPES = {
    "text": "Edm.String",
    "keyword": "Edm.String",
    "int": "Edm.Int64",
    "float": "Edm.Double",
    "bool": "Edm.Boolean",
    "datetime": "Edm.DateTimeOffset",
}
ANALYZER = "standardasciifolding.lucene"
SCORING_PROFILE = "boosts"
SUGGESTER = "autocomplete"
# Azure AI Search takes at most 1000 actions per indexing request.
MAX_BATCH = 1000
# Per-document statuses in a 207 answer that mean "send it again".
RETRYABLE_ITEM_STATUS = frozenset({409, 422, 429, 500, 502, 503, 504})
UNAVAILABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
# As the tantivy backend's MAX_WORDS: a pasted page of text is not a query of thousands of clauses.
MAX_TERMS = 64
# The suggest API takes 1 to 100 characters, and answers at most 100 suggestions.
MAX_SUGGEST_TEXT = 100
MAX_SUGGESTIONS = 100
# Azure AI Search refuses $skip beyond this.
MAX_SKIP = 100_000
# Document keys may hold letters, digits, _, - and =; other ids are encoded, behind "k=".
KEY_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,511}$")
ENCODED_KEY = "k="
# Highlight marks no text contains, replaced by <em> once the fragment is escaped.
MARK_START, MARK_END = "\ue000", "\ue001"


def to_key(id):
    if KEY_SAFE.match(id):
        return id
    return ENCODED_KEY + base64.urlsafe_b64encode(id.encode()).decode()


def from_key(key):
    if key.startswith(ENCODED_KEY):
        return base64.urlsafe_b64decode(key[len(ENCODED_KEY) :].encode()).decode()
    return key


def simple_query(text):
    """User text as simple query syntax matching its words literally; "" if it has no words."""
    terms = []
    for term in text.split():
        if not any(char.isalnum() for char in term):
            continue  # only punctuation: the analyzer would drop it anyway
        terms.append("".join(char if char.isalnum() else "\\" + char for char in term))
        if len(terms) == MAX_TERMS:
            break
    return " ".join(terms)


def suggest_text(prefix):
    """The words of ``prefix`` for the suggest API, which wants 1 to 100 characters."""
    return " ".join(re.findall(r"\w+", prefix))[:MAX_SUGGEST_TEXT].strip()


def folded(text):
    """``text`` without accents, case-folded: how the analyzer compares words."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def schema(definition, index_name):
    """The Azure SearchIndex for an IndexDefinition."""
    # The key sorts and filters so that scan() can page past the 100,000-hit window by key.
    fields = [SimpleField(name="id", type="Edm.String", key=True, filterable=True, sortable=True)]
    for field in definition.fields:
        if field.searchable or field.autocomplete:  # a suggester's fields must be searchable
            fields.append(SearchableField(
                name=field.name,
                collection=field.collection,
                filterable=field.filterable,
                facetable=field.facet,
                sortable=field.sortable,
                analyzer_name=ANALYZER,
            ))
        else:
            edm = EDM_TYPES[field.type]
            fields.append(SimpleField(
                name=field.name,
                type=f"Collection({edm})" if field.collection else edm,
                filterable=field.filterable,
                facetable=field.facet,
                sortable=field.sortable,
            ))
    extra = {}
    weights = {field.name: float(field.boost) for field in definition.searchable if field.boost != 1}
    if weights:
        profile = ScoringProfile(name=SCORING_PROFILE, text_weights=TextWeights(weights=weights))
        extra["scoring_profiles"] = [profile]
        extra["default_scoring_profile"] = SCORING_PROFILE
    if definition.autocomplete:
        extra["suggesters"] = [SearchSuggester(name=SUGGESTER, source_fields=list(definition.autocomplete))]
    return SearchIndex(name=index_name, fields=fields, **extra)


def wire_document(definition, document):
    """A checked search document as Azure takes it: key-safe id, typed JSON values."""
    wire = {"id": to_key(document["id"])}
    for name, value in document.items():
        field = definition.field(name)
        if field is None:
            continue
        converted = [_wire_value(field, v) for v in values_of(value)]
        wire[name] = converted if field.collection else (converted[0] if converted else None)
    return wire


def _wire_value(field, value):
    exact = exact_value(field, value)
    if field.type == "datetime":
        return exact.isoformat().replace("+00:00", "Z")
    return exact


def read_document(raw):
    """A document as Azure returns it, as it was indexed: no @search keys, no nulls, the original id."""
    document = {k: v for k, v in raw.items() if not k.startswith("@") and v is not None}
    document["id"] = from_key(raw["id"])
    return document


def marked_html(fragment):
    return escape(fragment).replace(MARK_START, "<em>").replace(MARK_END, "</em>")


def store_error(error, what):
    """The store's exception for an SDK HTTP error."""
    status, message = error.status_code, (error.message or "").strip()
    if status == 404:
        return NotFound(f"{what}: not found. {message}")
    if status == 400:
        return InvalidQuery(f"Azure AI Search refused {what}: {message}")
    if status == 409:
        return Conflict(f"{what}: conflict. {message}")
    if status == 412:
        return PreconditionFailed(f"{what}: changed meanwhile. {message}")
    if status in UNAVAILABLE_STATUS:
        return Unavailable(f"Azure AI Search answered {status} to {what}; retry later.")
    return StoreError(f"Azure AI Search answered {status} to {what}: {message}")


@contextmanager
def translated_errors(what):
    """Raise the store's exceptions instead of the SDK's."""
    try:
        yield
    except HttpResponseError as e:
        raise store_error(e, what) from e
    except (ServiceRequestError, ServiceResponseError) as e:
        raise Unavailable(f"Azure AI Search cannot be reached ({what}): {e}") from e


class NotAllWritten(Exception):
    """Some documents of a batch failed for a reason that passes: ``failed`` maps keys to results."""

    def __init__(self, failed):
        super().__init__(f"{len(failed)} documents failed")
        self.failed = failed


@dataclass
class AzureBuild:
    """A rebuild under way: the new index, and the alias as it was when the rebuild began."""

    definition: object
    index_name: str
    previous: object  # SearchAlias or None


class AzureSearchBackend(SearchBackend):
    """SearchBackend over Azure AI Search.

    OPTIONS: endpoint and key (an admin key), api_version (the SDK's by default),
    retries and retry_backoff (seconds, doubled per retry) for throttled or
    failed requests and documents, timeout (seconds to wait for an answer).
    """

    supports_fuzzy = False
    rebuild_keeps_concurrent_writes = False
    required_options = ("endpoint", "key")
    default_options = {"api_version": None, "retries": 3, "retry_backoff": 0.8, "timeout": 30}
    option_rules = {
        "endpoint": text(r"https://\S+", "the service's https:// address"),
        "api_version": text(r"\d{4}-\d{2}-\d{2}(-preview)?", "an api-version such as '2024-07-01', or None",
                            nullable=True),
        "retries": whole(),
        "retry_backoff": seconds(),
        "timeout": seconds(),
    }
    max_facet_values = 100
    #: An azure-core HttpTransport for the clients, None for the SDK's default. Not an OPTIONS
    #: key: tests set it on an instance before its first call, to answer at the wire.
    transport = None
    per_process = ("index_client", "_search_clients")

    # -- clients --------------------------------------------------------------
    def _client_options(self):
        options = {
            "retry_total": self.options["retries"],
            "retry_backoff_factor": self.options["retry_backoff"],
            "read_timeout": self.options["timeout"],
        }
        if self.options["api_version"]:
            options["api_version"] = self.options["api_version"]
        if self.transport is not None:
            options["transport"] = self.transport
        return options

    @cached_property
    def credential(self):
        return AzureKeyCredential(self.options["key"])

    @cached_property
    def index_client(self):
        return SearchIndexClient(self.options["endpoint"], self.credential, **self._client_options())

    @cached_property
    def _search_clients(self):
        """index name -> its SearchClient."""
        return {}

    def _client(self, index_name):
        client = self._search_clients.get(index_name)
        if client is None:
            options = self._client_options()
            client = SearchClient(self.options["endpoint"], index_name, self.credential, **options)
            client = self._search_clients.setdefault(index_name, client)
        return client

    def close(self):
        dropped = self._drop_per_process()
        clients = list(dropped.get("_search_clients", {}).values())
        for client in clients + ([dropped["index_client"]] if "index_client" in dropped else []):
            client.close()

    # -- indexes and the alias -------------------------------------------------
    def _alias(self, name):
        """The alias as the service has it, None if it does not exist."""
        try:
            with translated_errors(f"reading the alias {name}"):
                return self.index_client.get_alias(name)
        except NotFound:
            return None

    def _next_index_name(self, name):
        with translated_errors("listing indexes"):
            names = list(self.index_client.list_index_names())
        versions = [int(m.group(1)) for m in map(re.compile(rf"^{re.escape(name)}-v(\d+)$").match, names) if m]
        return f"{name}-v{max(versions, default=0) + 1}"

    def _ensure_index(self, definition):
        name = definition.name
        current = self._alias(name)
        if current is not None:
            with translated_errors(f"reading the index {current.indexes[0]}"):
                existing = self.index_client.get_index(current.indexes[0])
            if field_shapes(existing) != field_shapes(schema(definition, existing.name)):
                raise Unavailable(
                    f"The search index {existing.name} behind {name} was built from another definition; "
                    "rebuild it (manage.py search_index rebuild)."
                )
            return
        index_name = self._next_index_name(name)
        with translated_errors(f"creating the index {index_name}"):
            self.index_client.create_or_update_index(schema(definition, index_name))
        with translated_errors(f"creating the alias {name}"):
            self.index_client.create_or_update_alias(SearchAlias(name=name, indexes=[index_name]))

    # -- writes -------------------------------------------------------------
    def _index_documents(self, definition, documents):
        self._write(definition.name, [wire_document(definition, d) for d in documents], "upload")

    def _delete_documents(self, definition, ids):
        self._write(definition.name, [{"id": to_key(id)} for id in ids], "delete")

    def _write(self, index_name, documents, action):
        for chunk in batches(documents, MAX_BATCH):
            self._write_batch(index_name, chunk, action)

    def _write_batch(self, index_name, documents, action):
        """Send one batch; resend the documents a 207 answer reports as failed for a reason that passes."""
        client = self._client(index_name)
        send = client.upload_documents if action == "upload" else client.delete_documents
        pending = {document["id"]: document for document in documents}

        def send_pending():
            with translated_errors(f"writing {len(pending)} documents to {index_name}"):
                results = send(documents=list(pending.values()))
            failed = {}
            for result in results:
                if result.succeeded:
                    pending.pop(result.key, None)
                elif result.status_code in RETRYABLE_ITEM_STATUS:
                    failed[result.key] = result
                else:
                    raise InvalidQuery(
                        f"Azure AI Search refused document {from_key(result.key)!r} "
                        f"({result.status_code}): {result.error_message}"
                    )
            if pending:
                logger.info("Azure AI Search: %d documents for %s failed.", len(pending), index_name)
                raise NotAllWritten(failed)

        try:
            retry_call(
                send_pending,
                retry_if=lambda error: isinstance(error, NotAllWritten),
                retries=self.options["retries"],
                base=self.options["retry_backoff"],
            )
        except NotAllWritten as e:
            keys = ", ".join(repr(from_key(key)) for key in islice(pending, 5))
            reason = next(iter(e.failed.values())).error_message if e.failed else "no answer"
            raise Unavailable(
                f"{len(pending)} documents were not written to {index_name} after {self.options['retries']} "
                f"retries ({keys}...): {reason}"
            ) from None

    def _clear(self, definition):
        build = self._start_rebuild(definition)
        try:
            self._finish_rebuild(build)
        except BaseException:
            self._abandon_rebuild(build)
            raise

    # -- rebuild --------------------------------------------------------------
    def _start_rebuild(self, definition):
        previous = self._alias(definition.name)
        index_name = self._next_index_name(definition.name)
        with translated_errors(f"creating the index {index_name}"):
            self.index_client.create_index(schema(definition, index_name))
        return AzureBuild(definition, index_name, previous)

    def _rebuild_batch(self, build, documents):
        wire = [wire_document(build.definition, document) for document in documents]
        self._write(build.index_name, wire, "upload")

    def _finish_rebuild(self, build):
        name = build.definition.name
        alias = SearchAlias(name=name, indexes=[build.index_name])
        try:
            with translated_errors(f"moving the alias {name} to {build.index_name}"):
                if build.previous is None:
                    self.index_client.create_alias(alias)
                else:
                    alias.e_tag = build.previous.e_tag
                    unchanged = MatchConditions.IfNotModified
                    self.index_client.create_or_update_alias(alias, match_condition=unchanged)
        except (PreconditionFailed, Conflict) as e:
            message = f"The alias {name} was moved by someone else during this rebuild; it was dropped."
            raise Conflict(message) from e
        for old in build.previous.indexes if build.previous else ():
            if old == build.index_name:
                continue
            try:
                with translated_errors(f"deleting the index {old}"):
                    self.index_client.delete_index(old)
            except StoreError as e:  # the swap is done; a leftover index only costs space
                logger.warning("Search index %s was replaced but could not be deleted: %s", old, e)

    def _abandon_rebuild(self, build):
        try:
            with translated_errors(f"deleting the index {build.index_name}"):
                self.index_client.delete_index(build.index_name)
        except StoreError as e:
            logger.warning("Could not delete the abandoned search index %s: %s", build.index_name, e)

    # -- reads ----------------------------------------------------------------
    def _count(self, definition):
        with translated_errors(f"counting {definition.name}"):
            return self._client(definition.name).get_document_count()

    def _search(self, definition, text, where, facets, order, page, page_size, highlight):
        offset = (page - 1) * page_size
        if offset > MAX_SKIP:
            raise InvalidQuery(f"Only the first {MAX_SKIP + page_size} hits can be read; narrow it.")
        query = simple_query(text) if text.strip() else "*"
        if not query:
            # Only punctuation: it matches nothing, as with tantivy.
            return SearchResults(hits=[], total=0, facets={name: [] for name in facets})
        searchable = [field.name for field in definition.searchable]
        if query != "*" and not searchable:
            return SearchResults(hits=[], total=0, facets={name: [] for name in facets})
        arguments = {
            "search_text": query,
            "query_type": "simple",
            "search_mode": "all",
            "include_total_count": True,
            "skip": offset or None,
            "top": page_size,
            "filter": filter_expression(definition, where),
            "facets": [f"{name},count:{self.max_facet_values}" for name in facets] or None,
            "order_by": [f"{name} {'desc' if descending else 'asc'}" for name, descending in order] or None,
        }
        if query != "*":
            arguments["search_fields"] = searchable
            if highlight and searchable:
                arguments.update(
                    highlight_fields=",".join(searchable),
                    highlight_pre_tag=MARK_START,
                    highlight_post_tag=MARK_END,
                )
        with translated_errors(f"searching {definition.name}"):
            results = self._client(definition.name).search(**arguments)
            # Hits first: asking for the count first would make the SDK send the search twice.
            raw_hits = list(islice(results, page_size))
            total = results.get_count()
            raw_facets = results.get_facets() or {}
        hits = []
        for raw in raw_hits:
            marked = raw.get("@search.highlights") or {}
            hits.append(SearchHit(
                id=from_key(raw["id"]),
                score=0.0 if order else float(raw.get("@search.score") or 0.0),
                document=read_document(raw),
                highlights={name: [marked_html(f) for f in fragments] for name, fragments in marked.items()},
            ))
        counted = {
            name: facet_counts(definition.field(name), raw_facets.get(name, [])) for name in facets
        }
        return SearchResults(hits=hits, total=total or 0, facets=counted)

    def _scan_page(self, definition, after, page_size):
        # $skip stops at 100,000: past it, Azure's way is to order by the key and filter past the last one.
        arguments = {"search_text": "*", "order_by": ["id asc"], "top": page_size}
        if after is not None:
            arguments["filter"] = f"id gt {quote(after)}"
        with translated_errors(f"scanning {definition.name}"):
            raw_hits = list(islice(self._client(definition.name).search(**arguments), page_size))
        pairs = [(from_key(raw["id"]), read_document(raw)) for raw in raw_hits]
        return pairs, (raw_hits[-1]["id"] if len(raw_hits) == page_size else None)

    def _suggest(self, definition, prefix, limit):
        names = definition.autocomplete
        text = suggest_text(prefix)
        if not names or not text:
            return []
        # Only the matched text is needed (no $select), and as many as the service gives, to
        # gather ``limit`` distinct values from documents that share one.
        with translated_errors(f"suggesting from {definition.name}"):
            results = self._client(definition.name).suggest(
                search_text=text, suggester_name=SUGGESTER, top=MAX_SUGGESTIONS
            )
        wanted = folded(text)
        values = list(dict.fromkeys(result.text for result in results if result.text))
        # As tantivy: values that start with the prefix first, then shorter ones, then alphabetically.
        values.sort(key=lambda value: (not folded(value).startswith(wanted), len(value), value.lower(), value))
        return values[:limit]


def facet_counts(field, buckets):
    """Azure's facet buckets as ``[{"value": ..., "count": ...}]``, most frequent first."""
    counts = []
    for bucket in buckets:
        value = bucket.get("value")
        if field.type == "int" and isinstance(value, float):
            value = int(value)
        elif field.type == "datetime" and isinstance(value, str):
            value = as_datetime(value).isoformat()
        counts.append({"value": value, "count": int(bucket.get("count") or 0)})
    return sorted(counts, key=lambda item: (-item["count"], item["value"]))


def field_shapes(index):
    """What must match between an index and a definition: each field's name, type and abilities."""
    return {
        (f.name, str(getattr(f.type, "value", f.type)), bool(f.searchable), bool(f.filterable),
         bool(f.facetable), bool(f.sortable))
        for f in index.fields
    }
