from django import forms


class SearchForm(forms.Form):
    q = forms.CharField(label="Search products", max_length=200, required=False, strip=True)
    page = forms.IntegerField(min_value=1, required=False)
