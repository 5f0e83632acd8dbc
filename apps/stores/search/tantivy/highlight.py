"""Highlights for tantivy hits, marked up as Azure AI Search does by default: ``<em>word</em>``.

The words are not stored in the index (the whole document is, as JSON), so
each snippet is cut from a throw-away tantivy Document holding the field's
text. tantivy reports highlighted ranges in bytes of the UTF-8 fragment.
"""
from html import escape

import tantivy

from ..values import as_text, values_of


def highlights(layout, searcher, text_q, sources):
    """For each source document, ``{field: [html fragment]}`` of the searchable fields the text matched."""
    create = tantivy.SnippetGenerator.create
    generators = {
        field.name: create(searcher, text_q, layout.schema, layout.text_name(field.name))
        for field in layout.definition.searchable
    }
    marked = []
    for source in sources:
        found = {}
        for name, generator in generators.items():
            values = values_of(source.get(name))
            if not values:
                continue
            document = tantivy.Document()
            for value in values:
                document.add_text(layout.text_name(name), as_text(value))
            fragment = snippet_html(generator.snippet_from_doc(document))
            if fragment:
                found[name] = [fragment]
        marked.append(found)
    return marked


def snippet_html(snippet):
    """The snippet's fragment, HTML-escaped, with its matched words in ``<em>``; "" if none matched."""
    ranges = sorted((r.start, r.end) for r in snippet.highlighted())
    if not ranges:
        return ""
    data = snippet.fragment().encode()
    parts, position = [], 0
    for start, end in ranges:
        if start < position:
            continue  # overlapping ranges: the first one already marked these bytes
        parts.append(escape(data[position:start].decode(errors="replace")))
        parts.append("<em>" + escape(data[start:end].decode(errors="replace")) + "</em>")
        position = end
    parts.append(escape(data[position:].decode(errors="replace")))
    return "".join(parts)
