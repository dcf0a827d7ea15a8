"""Settings of grantcheck's django-oauth-toolkit peer.

Everything that must differ between runs comes from serve.py through the environment:

  GRANTCHECK_PEER_ISSUER    the issuer, http://127.0.0.1:PORT/o (OIDC_ISS_ENDPOINT)
  GRANTCHECK_PEER_DATA_DIR  a directory made for this run; the SQLite file goes there

Without them (manage.py run by hand) a throwaway directory is made and the issuer is
derived from each request, as django-oauth-toolkit does when OIDC_ISS_ENDPOINT is empty.
The Django SECRET_KEY and the OIDC signing key are made anew every time this module is
imported, so nothing secret is stored in the repository and nothing outlives a run.

README.md lists every setting here that differs from the Django / django-oauth-toolkit
defaults and says why.
"""

import atexit
import os
import secrets
import shutil
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

BASE_DIR = Path(__file__).resolve().parent.parent


def _data_dir():
    given = os.environ.get("GRANTCHECK_PEER_DATA_DIR")
    if given:
        return Path(given)
    made = tempfile.mkdtemp(prefix="grantcheck-peer-dot-")
    atexit.register(shutil.rmtree, made, True)
    return Path(made)


def _new_signing_key():
    """A fresh RSA key for ID tokens, as unencrypted PKCS#8 PEM text."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode("ascii")


DATA_DIR = _data_dir()
ISSUER = os.environ.get("GRANTCHECK_PEER_ISSUER", "")

SECRET_KEY = secrets.token_urlsafe(50)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "oauth2_provider",
]

# Django's startproject list, without the messages framework (no page here uses it).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "peer.urls"
WSGI_APPLICATION = "peer.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "peer.sqlite3",
        "OPTIONS": {
            # The WSGI server answers on several threads; let a writer wait for
            # another one instead of failing with "database is locked".
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"

# django.contrib.auth's LoginView is mounted at this address (peer/urls.py); it is also
# Django's default, which django-oauth-toolkit's authorize view redirects to.
LOGIN_URL = "/accounts/login/"

OAUTH2_PROVIDER = {
    # OpenID Connect with a per-run RS256 key.
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _new_signing_key(),
    # The issuer, exactly http://127.0.0.1:PORT/o (empty: derived from each request).
    "OIDC_ISS_ENDPOINT": ISSUER,
    "SCOPES": {
        "openid": "OpenID Connect sign-in",
        "profile": "Your profile",
        "email": "Your e-mail address",
        "offline_access": "Access while you are away",
        "read": "Reading scope",
        "write": "Writing scope",
    },
    # PKCE_REQUIRED stays at its default (True): every client must send a challenge,
    # which the profile states as `capabilities.pkce_required`.
    # Already the default; stated so that a change of default cannot go unnoticed.
    "ROTATE_REFRESH_TOKEN": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "loggers": {
        # Unexpected failures (500s) with their tracebacks. 4xx answers are already
        # in serve.py's request log.
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
        "oauth2_provider": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
    },
}
