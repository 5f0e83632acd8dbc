from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from .avatars import prepare_avatar
from .models import User


class SignUpForm(UserCreationForm):
    email = forms.EmailField(required=True, help_text="For resetting your password; never shown to others.")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_email(self):
        email = self.cleaned_data["email"]
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError("An account with this email exists: sign in, or reset its password.",
                                  code="email_taken")
        return email


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("display_name", "bio", "avatar")
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"avatar": "A picture (JPEG, PNG, GIF or WebP) of at most 5 MB."}

    prepared_avatar = None

    def clean_avatar(self):
        """A new upload is checked and its thumbnail made here, so a bad file writes nothing."""
        avatar = self.cleaned_data.get("avatar")
        if isinstance(avatar, UploadedFile):
            self.prepared_avatar = prepare_avatar(avatar)
        return avatar
