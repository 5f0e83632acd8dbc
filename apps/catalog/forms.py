import unicodedata

from django import forms

MAX_SEARCH_TEXT = 200


def clean_search_text(text):
    """Search text without control characters (a NUL would otherwise reach the engine)."""
    kept = (" " if unicodedata.category(c) == "Cc" else c for c in text or "")
    return " ".join("".join(kept).split())


class SearchForm(forms.Form):
    q = forms.CharField(label="Search products", max_length=MAX_SEARCH_TEXT, required=False, strip=True)
    page = forms.IntegerField(min_value=1, required=False)

    def clean_q(self):
        return clean_search_text(self.cleaned_data["q"])
