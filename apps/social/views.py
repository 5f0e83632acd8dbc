"""The social pages: a person's profile (follow, followers, following), the feed with a
form to post, a post with its comments and like, and search. Plain HTML forms; the
views validate, call a service, and render or redirect."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import counts, feed, posting, search, services
from .forms import TextForm, PeopleSearchForm, PostForm
from .models import Post

LISTS = {"followers": services.followers, "following": services.following, "mutual": services.mutual_follows}


def _person_or_404(user_id):
    try:
        return services.active_user(user_id)
    except ValidationError:
        raise Http404("No such person.") from None


def _post_or_404(post_id, viewer):
    try:
        return posting.visible_post(post_id, viewer if viewer.is_authenticated else None)
    except ValidationError:
        raise Http404("No such post.") from None


def _page_number(request):
    try:
        return max(1, min(int(request.GET.get("page", 1)), 100_000))
    except ValueError:
        return 1


def profile(request, user_id):
    person = _person_or_404(user_id)
    tab = request.GET.get("tab") if request.GET.get("tab") in LISTS else "followers"
    people = LISTS[tab](person.pk, page=_page_number(request), per_page=20)
    me = request.user if request.user.is_authenticated else None
    return render(request, "social/profile.html", {
        "person": person, "tab": tab, "people": people,
        "followers": counts.followers(person.pk), "following": counts.following(person.pk),
        "is_following": bool(me) and services.is_following(me.pk, person.pk),
        "is_me": bool(me) and me.pk == person.pk,
        "posts": [p for p in Post.objects.filter(author=str(person.pk), limit=20)
                  if not p.hidden or (me and (me.is_staff or me.pk == person.pk))],
        "suggestions": services.people_you_may_know(me.pk) if me and me.pk == person.pk else [],
    })


@login_required
@require_POST
def follow(request, user_id):
    person = _person_or_404(user_id)
    try:
        if request.POST.get("action") == "unfollow":
            services.unfollow(request.user, person.pk)
        else:
            services.follow(request.user, person.pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("social:profile", user_id=person.pk)


@login_required
def feed_page(request):
    """The feed, with the form to post at its top."""
    form = PostForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            values = form.cleaned_data
            post = posting.create_post(request.user, values["text"], values.get("image"))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Posted.")
            return redirect("social:post", post_id=post.id)
    try:
        page = feed.page(request.user.pk, request.GET.get("cursor") or None)
    except ValidationError:
        return HttpResponseBadRequest("Not a cursor this feed gave.", content_type="text/plain")
    status = 400 if form.errors else 200
    return render(request, "social/feed.html", {
        "form": form, "page": page, "bought": services.bought_by_people_you_follow(request.user.pk),
    }, status=status)


def _post_context(request, post, form):
    me = request.user if request.user.is_authenticated else None
    return {
        "post": post, "comments": posting.comments_on(post.id), "form": form,
        "likes": counts.post_likes(post.id), "liked": bool(me) and services.likes_post(me.pk, post.id),
        "is_author": bool(me) and str(me.pk) == post.author,
    }


def post_page(request, post_id):
    post = _post_or_404(post_id, request.user)
    return render(request, "social/post.html", _post_context(request, post, TextForm()))


@login_required
@require_POST
def like(request, post_id):
    post = _post_or_404(post_id, request.user)
    if request.POST.get("action") == "unlike":
        services.unlike_post(request.user, post.id)
    else:
        services.like_post(request.user, post.id)
    return redirect("social:post", post_id=post.id)


@login_required
@require_POST
def comment(request, post_id):
    post = _post_or_404(post_id, request.user)
    form = TextForm(request.POST)
    if form.is_valid():
        try:
            posting.add_comment(request.user, post.id, form.cleaned_data["text"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("social:post", post_id=post.id)
    return render(request, "social/post.html", _post_context(request, post, form), status=400)


@login_required
@require_POST
def edit_post(request, post_id):
    """The author's new text; a bad one shows the page again with the error (400)."""
    post = _post_or_404(post_id, request.user)
    form = TextForm(request.POST)
    if form.is_valid():
        try:
            posting.edit_post(request.user, post.id, form.cleaned_data["text"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            return redirect("social:post", post_id=post.id)
    else:
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
    return render(request, "social/post.html", _post_context(request, post, TextForm()), status=400)


@login_required
@require_POST
def delete_post(request, post_id):
    post = _post_or_404(post_id, request.user)
    posting.delete_post(request.user, post.id)  # PermissionDenied (403) unless it is the author's
    messages.success(request, "Your post is deleted.")
    return redirect("social:profile", user_id=request.user.pk)


@login_required
@require_POST
def hide_post(request, post_id):
    post = _post_or_404(post_id, request.user)
    posting.hide_post(request.user, post.id, hidden=request.POST.get("action") != "show")
    return redirect("social:post", post_id=post.id)


def search_page(request):
    form = PeopleSearchForm(request.GET or None)
    people = posts = []
    if form.is_valid() and form.cleaned_data["q"]:
        people = search.search_people(form.cleaned_data["q"])
        posts = search.search_posts(form.cleaned_data["q"])
    return render(request, "social/search.html", {"form": form, "people": people, "posts": posts},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def like_product(request, product_id):
    """Like or unlike a product on sale from its page; a draft or unknown product is a 404."""
    try:
        product = services.likeable_product(product_id)
    except ValidationError:
        raise Http404("No such product.") from None
    if request.POST.get("action") == "unlike":
        services.unlike_product(request.user, product.pk)
    else:
        services.like_product(request.user, product.pk)
    return redirect(product.get_absolute_url())
