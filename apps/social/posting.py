"""Posts and comments: the commands that change them, used by the pages and the API alike.

Everything a request sends is checked before anything is written: the text
(1 to 5,000 characters), the image (a real picture, verified by Pillow, within
the upload limit). The image is stored first (Django's default storage: blobs
or files) and removed again if the post cannot be recorded, so a refused post
leaves nothing behind.
"""
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from .models import TEXT_MAX_LENGTH, Comment, Post

IMAGE_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}


def clean_text(text):
    if not isinstance(text, str):
        raise ValidationError({"text": "Write some text."}, code="required")
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write some text."}, code="required")
    if len(text) > TEXT_MAX_LENGTH:
        message = f"A post has at most {TEXT_MAX_LENGTH:,} characters (this one has {len(text):,})."
        raise ValidationError({"text": message},
                              code="too_long")
    return text


def clean_image(upload):
    """The upload as a verified picture and its file extension; ValidationError otherwise."""
    if getattr(upload, "size", 0) > settings.MAX_UPLOAD_BYTES:
        limit_mb = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
        raise ValidationError({"image": f"The picture is larger than {limit_mb} MB."},
                              code="too_large")
    try:
        checked = forms.ImageField().clean(upload)
    except ValidationError as error:
        raise ValidationError({"image": error.messages}) from error
    extension = IMAGE_EXTENSIONS.get(getattr(checked.image, "format", None))
    if extension is None:
        raise ValidationError({"image": "Send a JPEG, PNG, GIF or WebP picture."}, code="invalid_image")
    return checked, extension


def create_post(author, text, image=None):
    """A new post by ``author``; ValidationError for bad text or a picture that is not one."""
    text = clean_text(text)
    upload = clean_image(image) if image else None
    post_id = Post.objects.new_id()
    stored = ""
    if upload:
        checked, extension = upload
        checked.seek(0)
        stored = default_storage.save(f"posts/{author.pk}/{post_id}.{extension}", checked)
    try:
        return Post.objects.save(Post(
            id=post_id, author=str(author.pk), author_name=str(author), text=text, image=stored,
            created=timezone.now().isoformat(timespec="microseconds"),
        ))
    except Exception:
        if stored:
            default_storage.delete(stored)
        raise


def post_for(post_id):
    """The post, hidden or not; ValidationError (unknown_post) if there is none."""
    try:
        return Post.objects.get(post_id)
    except Post.DoesNotExist:
        raise ValidationError(f"There is no post {post_id}.", code="unknown_post") from None


def visible_post(post_id, viewer=None):
    """The post as ``viewer`` may see it: a hidden post only by its author and staff."""
    post = post_for(post_id)
    if post.hidden and not (viewer and (viewer.is_staff or str(viewer.pk) == post.author)):
        raise ValidationError(f"There is no post {post_id}.", code="unknown_post")
    return post


def _own_post(user, post_id):
    post = post_for(post_id)
    if str(user.pk) != post.author:
        raise PermissionDenied("Only the author may change a post.")
    return post


def _update(post, **changes):
    try:
        return Post.objects.update(post, **changes)
    except Post.DoesNotExist:
        raise ValidationError(f"There is no post {post.id}.", code="unknown_post") from None
    except Post.Changed as changed:
        raise ValidationError(str(changed), code="changed") from None


def edit_post(user, post_id, text):
    """The author changes the text; a post deleted or changed meanwhile is refused, never rewritten."""
    text = clean_text(text)
    post = _own_post(user, post_id)
    return _update(post, text=text, edited=timezone.now().isoformat(timespec="microseconds"))


def delete_post(user, post_id):
    post = _own_post(user, post_id)
    Post.objects.delete(post)
    if post.image:
        default_storage.delete(post.image)


def hide_post(user, post_id, hidden=True):
    """Staff hide a post from everyone but its author (or show it again)."""
    if not user.is_staff:
        raise PermissionDenied("Only staff may hide a post.")
    post = post_for(post_id)
    if post.hidden != bool(hidden):
        post = _update(post, hidden=bool(hidden))
    return post


def add_comment(author, post_id, text):
    post = visible_post(post_id, author)
    text, created = clean_text(text), timezone.now().isoformat(timespec="microseconds")
    return Comment.objects.create(post=post.id, author=str(author.pk), author_name=str(author), text=text,
                                  created=created)


def comments_on(post_id, *, limit=100):
    """The post's comments, oldest first."""
    return Comment.objects.filter(post=post_id, order_by=("id",), limit=limit)
