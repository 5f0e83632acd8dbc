"""Writing a review from the product page (a POST; the page itself shows the form)."""
from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from .models import Product
from .reviews import RATINGS, TEXT_MAX_LENGTH, AlreadyReviewed, Review


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(choices=[(n, f"{n} ★") for n in reversed(RATINGS)], coerce=int,
                                    widget=forms.RadioSelect)
    text = forms.CharField(label="Your review", max_length=TEXT_MAX_LENGTH, required=False,
                           widget=forms.Textarea(attrs={"rows": 4}))


@require_POST
def write_review(request, slug):
    """Store the signed-in shopper's review, then go back to the product's reviews saying how it went."""
    product = get_object_or_404(Product.objects.active().select_related("category"), slug=slug)
    back = f"{product.get_absolute_url()}#reviews"
    if not request.user.is_authenticated:
        return redirect_to_login(back)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label or field.capitalize()}: {error}")
        return redirect(back)
    try:
        Review.objects.create(product=product, author=request.user, **form.cleaned_data)
    except AlreadyReviewed as error:
        messages.error(request, str(error))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, "Thank you: your review is published.")
    return redirect(back)
