"""A limit on the size of a whole upload, checked before any of it is read."""
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


class LimitedUploadHandler(FileUploadHandler):
    """Refuses (400) a multipart body larger than MAX_UPLOAD_BYTES before reading it, so an
    oversized file is never written to disk just to be turned down by its form."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.MAX_UPLOAD_BYTES:
            raise RequestDataTooBig(f"Uploads are limited to {settings.MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None
