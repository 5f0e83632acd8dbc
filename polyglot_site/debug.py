"""Debug pages that never show a secret: Django's filter, plus passwords inside URLs and
keys inside connection strings, wherever a setting holds them."""
import re

from django.views.debug import SafeExceptionReporterFilter

URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:@/\s]*):(?P<password>[^@/\s]+)@", re.I)
CONNECTION_STRING_SECRET = re.compile(r"(?P<name>AccountKey|SharedAccessSignature|Password|Pwd)=(?P<value>[^;]+)", re.I)
SECRET_NAMES = re.compile(r"API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|CONNECTION_STRING|CREDENTIAL", re.I)


class MaskingExceptionReporterFilter(SafeExceptionReporterFilter):
    hidden_settings = SECRET_NAMES

    def cleanse_setting(self, key, value):
        cleansed = super().cleanse_setting(key, value)
        if type(cleansed) is str:  # not lazy objects that only pose as strings
            cleansed = URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}{m['user']}:{self.cleansed_substitute}@", cleansed)
            cleansed = CONNECTION_STRING_SECRET.sub(lambda m: f"{m['name']}={self.cleansed_substitute}", cleansed)
        return cleansed
