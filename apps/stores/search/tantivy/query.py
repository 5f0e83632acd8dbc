"""tantivy queries built from search text and from the portable filter tree.

Nothing a user types reaches tantivy's query parser. The text is split into
words by the same analyzer the index uses, and each word becomes a
TermQuery (and, when the exact words find nothing, a FuzzyTermQuery for
small typos), so quotes, parentheses, ``field:value`` and ``*`` are only
characters. Filter values become typed terms; a prefix becomes a regular
expression whose every metacharacter is escaped.
"""
from functools import lru_cache

from tantivy import Occur, Query

from ...exceptions import InvalidQuery
from ...query import Q
from .schema import FIELD_TYPES, WORDS, datetime_of, tantivy_value
from ..values import exact_value, values_of

# A pasted page of text should not become a query of thousands of clauses.
MAX_WORDS = 64
# One edit on a two- or three-letter word matches too many other words.
FUZZY_MIN_LENGTH = 4
# A word matched through a typo counts for less than the word itself.
FUZZY_WEIGHT = 0.5
# The characters the regex crate treats as syntax (regex_syntax::is_meta_character).
REGEX_META = frozenset("\\.+*?()|[]{}^$#&-~")
RANGES = {"gt": ("lower", False), "gte": ("lower", True), "lt": ("upper", False), "lte": ("upper", True)}


def analyzed(text):
    """The words of ``text`` as the index analyzes them, at most MAX_WORDS."""
    return WORDS.analyze(text)[:MAX_WORDS]


def escape_regex(text):
    return "".join("\\" + char if char in REGEX_META else char for char in text)


def any_of(queries):
    return queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Should, q) for q in queries])


def negate(query):
    # A boolean query of MustNot clauses alone matches nothing in tantivy.
    return Query.boolean_query([(Occur.Must, Query.all_query()), (Occur.MustNot, query)])


def text_query(layout, text, fuzzy=False):
    """Every word must match a searchable field (with ``fuzzy``, up to one typo); None for blank text."""
    if not text.strip():
        return None
    words = list(dict.fromkeys(analyzed(text)))
    fields, schema = layout.text_fields, layout.schema
    if not words or not fields:
        # Text made only of punctuation matches nothing rather than everything.
        return Query.empty_query()
    clauses = []
    for word in words:
        options = []
        for name, boost in fields:
            options.append(Query.boost_query(Query.term_query(schema, name, word), boost))
            if fuzzy and len(word) >= FUZZY_MIN_LENGTH:
                near = Query.fuzzy_term_query(schema, name, word, distance=1)
                options.append(Query.boost_query(near, boost * FUZZY_WEIGHT))
        clauses.append((Occur.Must, any_of(options)))
    return clauses[0][1] if len(clauses) == 1 else Query.boolean_query(clauses)


def may_hold_typos(text):
    """Whether a fuzzy text query could find more than the exact one."""
    return any(len(word) >= FUZZY_MIN_LENGTH for word in analyzed(text))


def filter_query(layout, where):
    """The filter tree as one tantivy query."""
    conditions = where.children
    children = []
    if where.connector == Q.AND:
        # A lower and an upper bound of one field, ANDed, are one range: one pass over the field, not two.
        conditions, between = _paired_bounds(conditions)
        children.extend(_between(layout, *pair) for pair in between)
    children.extend(
        filter_query(layout, child) if isinstance(child, Q) else condition_query(layout, child)
        for child in conditions
    )
    if not children:
        return Query.all_query()
    if len(children) == 1:
        return children[0]
    occur = Occur.Must if where.connector == Q.AND else Occur.Should
    return Query.boolean_query([(occur, child) for child in children])


def _paired_bounds(children):
    """``children`` less the range conditions that pair up (one lower and one upper bound of a
    field), and those pairs."""
    bounds = {}
    for child in children:
        if not isinstance(child, Q) and child.op in RANGES:
            bounds.setdefault(child.field, []).append(child)
    pairs = []
    for found in bounds.values():
        if len(found) == 2 and RANGES[found[0].op][0] != RANGES[found[1].op][0]:
            pairs.append(sorted(found, key=lambda condition: RANGES[condition.op][0]))  # lower, then upper
    if not pairs:
        return children, pairs
    paired = {id(condition) for pair in pairs for condition in pair}
    return [child for child in children if id(child) not in paired], pairs


def _between(layout, lower, upper):
    field = layout.definition.field(lower.field)
    return Query.range_query(
        layout.schema,
        field.name,
        FIELD_TYPES[field.type],
        lower_bound=tantivy_value(field, lower.value),
        upper_bound=tantivy_value(field, upper.value),
        include_lower=RANGES[lower.op][1],
        include_upper=RANGES[upper.op][1],
    )


def condition_query(layout, condition):
    """One Condition on a declared filterable field, already checked by values.check_condition."""
    field = layout.definition.field(condition.field)
    op, value = condition.op, condition.value
    if op == "exists":
        exists = Query.exists_query(field.name)
        return exists if value else negate(exists)
    if op == "eq":
        return _equals(layout, field, value)
    if op == "ne":
        # Like Azure AI Search's ``ne``, a document without the field matches.
        return negate(_equals(layout, field, value))
    if op == "in":
        return any_of([_equals(layout, field, item) for item in value])
    if op in RANGES:
        return _range(layout, field, op, value)
    # Only startswith is left: check_condition refused every other operator.
    return Query.regex_query(layout.schema, field.name, escape_regex(value) + "(?s:.*)")


def _equals(layout, field, value):
    if value is None:
        return negate(Query.exists_query(field.name))
    return Query.term_query(layout.schema, field.name, tantivy_value(field, value))


def _range(layout, field, op, value):
    bound, inclusive = RANGES[op]
    return Query.range_query(
        layout.schema,
        field.name,
        FIELD_TYPES[field.type],
        **{f"{bound}_bound": tantivy_value(field, value), f"include_{bound}": inclusive},
    )


def restricted(text_q, filter_q):
    """The text query narrowed by the filter, which must not change the ranking."""
    clauses = []
    if text_q is not None:
        clauses.append((Occur.Must, text_q))
    if filter_q is not None:
        clauses.append((Occur.Must, Query.const_score_query(filter_q, 0.0)))
    if not clauses:
        return Query.all_query()
    return clauses[0][1] if len(clauses) == 1 else Query.boolean_query(clauses)


def prefix_query(layout, words):
    """Documents whose autocomplete fields hold ``words``, the last one as a prefix; None if none apply."""
    names = layout.definition.autocomplete
    if not words or not names:
        return None
    options = []
    for name in names:
        text_name = layout.text_name(name)
        if len(words) == 1:
            # A single-word phrase prefix stops after 50 expansions; a regex has no such cap.
            options.append(Query.regex_query(layout.schema, text_name, escape_regex(words[0]) + ".*"))
        else:
            options.append(Query.phrase_prefix_query(layout.schema, text_name, words))
    return any_of(options)


def prefix_position(words, value_words):
    """Where ``words`` start in ``value_words`` (the last one as a prefix), or None."""
    *whole, last = words
    for start in range(len(value_words) - len(whole)):
        end = start + len(whole)
        if value_words[start:end] == whole and value_words[end].startswith(last):
            return start
    return None


def sort_sources(layout, sources, order):
    """Sort documents by several fields as tantivy sorts by one: missing values last either way."""
    for name, descending in reversed(order):
        field = layout.definition.field(name)
        keyed = [(_sort_key(field, source.get(name)), source) for source in sources]
        present = [pair for pair in keyed if pair[0] is not None]
        present.sort(key=lambda pair: pair[0], reverse=descending)  # stable, so earlier keys survive
        sources = [source for _, source in present] + [source for key, source in keyed if key is None]
    return sources


def _sort_key(field, value):
    values = values_of(value)
    if not values:
        return None
    try:
        return exact_value(field, values[0])
    except InvalidQuery:
        return None


@lru_cache(maxsize=256)
def facet_request(names, size):
    """The aggregation counting the values of the fields ``names`` (a tuple), up to ``size`` of each.

    segment_size as large as size makes the counts exact: with the default, each segment sends
    only its top terms and a value common overall but rare per segment is undercounted. The
    request is read, never changed, by tantivy, so one serves every search.
    """
    terms = {"size": size, "segment_size": size}
    return {name: {"terms": {"field": name, **terms}} for name in names}


def facet_counts(field, buckets):
    """tantivy's terms buckets as ``[{"value": ..., "count": ...}]``, most frequent first."""
    if field.type in ("text", "keyword"):
        counts = [{"value": bucket["key"], "count": bucket["doc_count"]} for bucket in buckets]
        return sorted(counts, key=_most_frequent_first)
    counts = []
    for bucket in buckets:
        key = bucket["key"]
        if field.type == "bool":
            key = bucket.get("key_as_string", "true" if key else "false") == "true"
        elif field.type == "int":
            key = int(key)
        elif field.type == "datetime":
            key = datetime_of(int(key))
        elif field.type == "float":
            key = float(key)
        counts.append({"value": key, "count": bucket["doc_count"]})
    return sorted(counts, key=_most_frequent_first)


def _most_frequent_first(item):
    return -item["count"], item["value"]
