"""OData $filter expressions for Azure AI Search: every value quoted or typed, never spliced in."""
import pytest

from apps.stores.exceptions import InvalidQuery
from apps.stores.query import Condition, Q
from apps.stores.search import IndexDefinition
from apps.stores.search.index import IndexedField
from apps.stores.search.azure.odata import filter_expression, quote

INDEX = IndexDefinition("odata-goods", fields=(
    IndexedField("name", "text", searchable=True, filterable=True),
    IndexedField("category", "keyword", filterable=True),
    IndexedField("tags", "keyword", filterable=True, collection=True),
    IndexedField("price", "float", filterable=True),
    IndexedField("stock", "int", filterable=True),
    IndexedField("ratings", "int", filterable=True, collection=True),
    IndexedField("in_stock", "bool", filterable=True),
    IndexedField("added", "datetime", filterable=True),
    IndexedField("description", "text", searchable=True),
))

HOSTILE_STRINGS = [
    "' or 1 eq 1", "'", "''", "'''", "x' or category eq 'y", "fruit') or (true", "') or search.ismatch('*",
    "\\'", "\\", "' and price gt 0 or '", "'; drop", "a''b", "日本語", "🍎'🍐", "\u202e'\u202d", "\x00'", "\n' or\n",
    "%27 or 1 eq 1", "&#39; or 1 eq 1", "' " * 500,
]


def odata(where):
    return filter_expression(INDEX, where)


def literals(expression):
    """Split an expression into the text outside string literals and the decoded literals."""
    outside, found, position = [], [], 0
    while position < len(expression):
        if expression[position] != "'":
            outside.append(expression[position])
            position += 1
            continue
        position += 1
        value = []
        while True:
            if position >= len(expression):
                raise AssertionError(f"unterminated literal in {expression!r}")
            if expression[position] == "'":
                if expression[position + 1 : position + 2] == "'":
                    value.append("'")
                    position += 2
                    continue
                position += 1
                break
            value.append(expression[position])
            position += 1
        found.append("".join(value))
        outside.append("?")
    return "".join(outside), found


# -- string literals ---------------------------------------------------------------
@pytest.mark.parametrize("text", HOSTILE_STRINGS, ids=range(len(HOSTILE_STRINGS)))
def test_a_string_value_is_one_literal_holding_exactly_the_value(text):
    expression = odata(Q(category=text))

    assert literals(expression) == ("category eq ?", [text])


@pytest.mark.parametrize("text", HOSTILE_STRINGS, ids=range(len(HOSTILE_STRINGS)))
def test_hostile_strings_stay_literal_in_every_operator(text):
    assert literals(odata(Q(category__ne=text))) == ("category ne ?", [text])
    assert literals(odata(Q(tags=text))) == ("tags/any(t: t eq ?)", [text])
    outside, found = literals(odata(Q(name__startswith=text)))
    assert outside in ("(name ge ? and name lt ?)", "name ge ?") and found[0] == text


def test_quote_doubles_every_single_quote():
    assert quote("' or 1 eq 1") == "''' or 1 eq 1'"
    assert quote("it's") == "'it''s'"
    assert quote("") == "''"
    assert quote("日本語") == "'日本語'"


def test_the_classic_injection_is_one_harmless_comparison():
    assert odata(Q(category="' or 1 eq 1")) == "category eq ''' or 1 eq 1'"


# -- typed values ------------------------------------------------------------------
@pytest.mark.parametrize("where, expected", [
    (Q(price=2), "price eq 2.0"),
    (Q(price=1.5), "price eq 1.5"),
    (Q(price__lt=-0.25), "price lt -0.25"),
    (Q(price__gte=1e20), "price ge 1e+20"),
    (Q(stock=7), "stock eq 7"),
    (Q(stock__lte=2**63 - 1), "stock le 9223372036854775807"),
    (Q(stock=7.0), "stock eq 7"),
    (Q(in_stock=True), "in_stock eq true"),
    (Q(in_stock__ne=False), "in_stock ne false"),
    (Q(added__gte="2024-02-01T10:00:00+01:00"), "added ge 2024-02-01T09:00:00Z"),
    (Q(added__lt="2024-02-01"), "added lt 2024-02-01T00:00:00Z"),
    (Q(category=None), "category eq null"),
    (Q(category__ne=None), "category ne null"),
    (Q(category__exists=True), "category ne null"),
    (Q(category__exists=False), "category eq null"),
    (Q(category=7), "category eq '7'"),
])
def test_typed_values_are_written_from_their_checked_type(where, expected):
    assert odata(where) == expected


@pytest.mark.parametrize("where, message", [
    (Q(price="1 or true"), "not a valid float"),
    (Q(stock="7) or (true"), "not a valid int"),
    (Q(stock=2**63), "not a valid int"),
    (Q(stock=1.5), "not a valid int"),
    (Q(in_stock="true"), "not a valid bool"),
    (Q(added="yesterday' or '1"), "not a valid datetime"),
    (Q(price__lt=None), "needs a value"),
    (Q(category__startswith="x") | Q(price__startswith="1"), "applies to text fields"),
    (Q(colour="red"), "not a filterable field"),
    (Q(description="custard"), "not a filterable field"),
    (Q(category__contains="x"), "do not offer"),
])
def test_values_that_do_not_fit_the_field_are_invalid(where, message):
    with pytest.raises(InvalidQuery, match=message):
        odata(where)


# -- lists, prefixes, trees -----------------------------------------------------------
def test_list_fields_are_tested_with_any():
    assert odata(Q(tags="sale")) == "tags/any(t: t eq 'sale')"
    assert odata(Q(tags__ne="sale")) == "not tags/any(t: t eq 'sale')"
    assert odata(Q(tags=None)) == "not tags/any()"
    assert odata(Q(tags__exists=True)) == "tags/any()"
    assert odata(Q(ratings__gte=4)) == "ratings/any(t: t ge 4)"
    assert odata(Q(tags__in=["a", "b"])) == "tags/any(t: search.in(t, 'a|b', '|'))"


def test_in_uses_search_in_with_a_delimiter_no_value_holds():
    assert odata(Q(category__in=["a", "b'c"])) == "search.in(category, 'a|b''c', '|')"
    assert odata(Q(category__in=["a|b", "c,d"])) == "search.in(category, 'a|b;c,d', ';')"
    assert odata(Q(category__in=["x", None])) == "(search.in(category, 'x', '|') or category eq null)"


def test_in_falls_back_to_comparisons_when_search_in_cannot_hold_the_values():
    every_delimiter = "|,;~^`#$%&!"
    assert odata(Q(category__in=[every_delimiter, "b"])) == f"(category eq '{every_delimiter}' or category eq 'b')"
    assert odata(Q(category__in=["", "b"])) == "(category eq '' or category eq 'b')"
    assert odata(Q(stock__in=[1, 2])) == "(stock eq 1 or stock eq 2)"


def test_startswith_is_a_range_on_the_exact_value():
    assert odata(Q(name__startswith="App")) == "(name ge 'App' and name lt 'Apq')"
    assert odata(Q(name__startswith="it'")) == "(name ge 'it''' and name lt 'it(')"
    assert odata(Q(name__startswith="")) == "name ne null"
    assert odata(Q(name__startswith="a\ud7ff")) == "(name ge 'a\ud7ff' and name lt 'a\ue000')"
    assert odata(Q(name__startswith="z\U0010ffff")) == "name ge 'z\U0010ffff'"


def test_and_or_trees_keep_their_grouping():
    where = (Q(category="bakery") & Q(stock__lt=10)) | (Q(tags="fresh") & Q(in_stock=False))

    assert odata(where) == (
        "((category eq 'bakery') and (stock lt 10)) or ((tags/any(t: t eq 'fresh')) and (in_stock eq false))"
    )


def test_several_lookups_in_one_q_are_anded():
    assert odata(Q(category="fruit", price__lte=2)) == "(category eq 'fruit') and (price le 2.0)"


def test_an_empty_group_is_no_condition_and_is_left_out():
    assert odata(Q(Q(), Q(category="a"), connector=Q.OR)) == "category eq 'a'"
    assert odata(Q(Q(connector=Q.OR), Q(category="a"))) == "category eq 'a'"
    assert odata(None) is None


def test_a_field_name_that_is_not_an_identifier_is_refused():
    odd_name = "name eq 'x' or true"
    odd = IndexDefinition("odd-goods", fields=(IndexedField(odd_name, "keyword", filterable=True),))

    with pytest.raises(InvalidQuery, match="cannot be used"):
        filter_expression(odd, Q(Condition((odd_name,), "eq", "y")))
