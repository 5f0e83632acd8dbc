import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def png_upload(name="photo.png", size=(8, 8)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), "image/png")


def fake_image_upload(name="photo.png"):
    return SimpleUploadedFile(name, b"#!/bin/sh\necho not a picture\n", "image/png")
