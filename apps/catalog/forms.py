import unicodedata

from django import forms

MAX_SEARCH_TEXT = 200


def clean_search_text(text):
    """Search text without control characters (a NUL would otherwise reach the engine)."""
    kept = (" " if unicodedata.category(c) == "Cc" else c for c in text or "")
    return " ".join("".join(kept).split())


SORT_CHOICES = [("relevance", "Best match"), ("price", "Price: low to high"), ("-price", "Price: high to low"),
                ("newest", "Newest")]
PRICE_CHOICES = [("", "Any price"), ("under-25", "Under $25"), ("25-50", "$25 to $50"), ("50-100", "$50 to $100"),
                 ("100-up", "$100 and up")]


class SearchForm(forms.Form):
    q = forms.CharField(label="Search products", max_length=MAX_SEARCH_TEXT, required=False, strip=True)
    category = forms.SlugField(max_length=100, required=False)
    price = forms.ChoiceField(choices=PRICE_CHOICES, required=False)
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)
    page = forms.IntegerField(min_value=1, required=False)

    def clean_q(self):
        return clean_search_text(self.cleaned_data["q"])
