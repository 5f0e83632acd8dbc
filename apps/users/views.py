"""Shopper accounts on Django's own auth views (sign in, sign out, password reset), plus
sign-up and the profile page: no third-party account library for what Django ships."""
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters

from .avatars import save_profile
from .forms import ProfileForm, SignUpForm

PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"


@sensitive_post_parameters("password1", "password2")
def sign_up(request):
    if request.user.is_authenticated:
        return redirect("users:profile")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
        except IntegrityError:  # the same email signed up a moment ago
            form.add_error("email", "An account with this email exists: sign in, or reset its password.")
        else:
            login(request, user, backend=PASSWORD_BACKEND)
            messages.success(request, "Welcome! Your account is ready.")
            return redirect(_next_page(request) or "users:profile")
    return render(request, "users/sign_up.html", {"form": form, "next": _next_page(request) or ""})


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, request.FILES or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        save_profile(form.save(commit=False), form.prepared_avatar)
        messages.success(request, "Your profile is saved.")
        return redirect("users:profile")
    return render(request, "users/profile.html", {"form": form})


def _next_page(request):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return None
