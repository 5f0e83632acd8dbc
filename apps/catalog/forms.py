import unicodedata

from django import forms

from .search_extras import RATING_STEPS

MAX_SEARCH_TEXT = 200


def clean_search_text(text):
    """Search text without control characters (a NUL would otherwise reach the engine)."""
    kept = (" " if unicodedata.category(c) == "Cc" else c for c in text or "")
    return " ".join("".join(kept).split())


SORT_CHOICES = [("relevance", "Best match"), ("price", "Price: low to high"), ("-price", "Price: high to low"),
                ("newest", "Newest"), ("rating", "Customer rating")]
PRICE_CHOICES = [("", "Any price"), ("under-25", "Under $25"), ("25-50", "$25 to $50"), ("50-100", "$50 to $100"),
                 ("100-up", "$100 and up")]

RATING_CHOICES = [("", "Any rating"), *((str(stars), f"{stars}★ and up") for stars in RATING_STEPS)]
IN_STOCK_CHOICES = [("", "In stock or not"), ("1", "In stock only")]


class SearchForm(forms.Form):
    q = forms.CharField(label="Search products", max_length=MAX_SEARCH_TEXT, required=False, strip=True)
    category = forms.SlugField(max_length=100, required=False)
    price = forms.ChoiceField(choices=PRICE_CHOICES, required=False)
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)
    rating = forms.TypedChoiceField(label="Customer rating", choices=RATING_CHOICES, coerce=int, required=False,
                                    empty_value=None)
    in_stock = forms.TypedChoiceField(label="Availability", choices=IN_STOCK_CHOICES, coerce=bool, required=False,
                                      empty_value=None)
    page = forms.IntegerField(min_value=1, required=False)

    def clean_q(self):
        return clean_search_text(self.cleaned_data["q"])
