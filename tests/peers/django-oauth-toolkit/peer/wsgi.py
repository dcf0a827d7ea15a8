"""WSGI entry point; serve.py imports `application` from here."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer.settings")

application = get_wsgi_application()
