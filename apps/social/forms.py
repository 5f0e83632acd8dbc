from django import forms

from .models import TEXT_MAX_LENGTH


class PostForm(forms.Form):
    """The service checks the text and the picture again (apps.social.posting); this form is the page's."""

    text = forms.CharField(max_length=TEXT_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX_LENGTH}))
    image = forms.ImageField(required=False, help_text="Optional: a JPEG, PNG, GIF or WebP picture.")


class TextForm(forms.Form):
    """One text with a post's limits: a comment, or a post's new text."""

    text = forms.CharField(max_length=TEXT_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 2, "maxlength": TEXT_MAX_LENGTH}))


class PeopleSearchForm(forms.Form):
    q = forms.CharField(max_length=200, required=False, label="Search people and posts")
