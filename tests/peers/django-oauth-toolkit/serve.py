#!/usr/bin/env python3
"""Start grantcheck's django-oauth-toolkit peer.

  GRANTCHECK_PEER_CLIENTS='[...]' GRANTCHECK_PEER_USERS='[...]' .venv/bin/python serve.py [PORT]

PORT (argument or $PORT; 0 or unset: any free port) is bound on 127.0.0.1 only, and the
issuer is http://127.0.0.1:PORT/o. Every start gets a new temporary directory with a
new SQLite database (removed again on exit), a new Django SECRET_KEY and a new RSA
signing key.

GRANTCHECK_PEER_CLIENTS is a JSON array of client registrations in RFC 7591 names:
client_id, client_secret (not for `none`), token_endpoint_auth_method
(client_secret_basic, client_secret_post, none or private_key_jwt), grant_types and
redirect_uris. GRANTCHECK_PEER_USERS is a JSON array of {"username", "password"}
objects (optionally "email"). Secrets come only from there and are never printed.

When it listens it prints exactly one line to stdout:
  grantcheck-peer django-oauth-toolkit http://127.0.0.1:PORT
Everything else (one line per request, notes, errors) goes to stderr. It stops on
SIGTERM or SIGINT and exits 0.
"""

import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STARTED = time.monotonic()

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none", "private_key_jwt")
KNOWN_GRANTS = ("authorization_code", "refresh_token", "client_credentials")


def note(message):
    print(f"serve.py: {message}", file=sys.stderr, flush=True)


def fail(message):
    note(message)
    sys.exit(2)


def read_port():
    raw = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORT", "0")
    try:
        port = int(raw)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        fail(f"PORT must be a port number (0 for any), got {raw!r}")
    return port


def read_json_list(name, required):
    raw = os.environ.get(name)
    if not raw:
        if required:
            fail(f"{name} is not set (a JSON array)")
        return []
    try:
        value = json.loads(raw)
    except ValueError as e:
        fail(f"{name} is not JSON: {e}")
    if not isinstance(value, list) or (required and not value):
        fail(f"{name} must be a non-empty JSON array")
    return value


def read_users():
    users = []
    for i, u in enumerate(read_json_list("GRANTCHECK_PEER_USERS", required=False)):
        where = f"GRANTCHECK_PEER_USERS[{i}]"
        if not isinstance(u, dict) or not isinstance(u.get("username"), str) or not u["username"]:
            fail(f"{where}: username is required")
        if not isinstance(u.get("password"), str) or not u["password"]:
            # Name the field, never a value.
            fail(f"{where} ({u['username']}): password is required")
        users.append(u)
    return users


def read_clients():
    """The registrations, checked and turned into keyword arguments for Application."""
    from oauth2_provider.generators import generate_client_secret
    from oauth2_provider.models import Application

    apps = []
    for i, c in enumerate(read_json_list("GRANTCHECK_PEER_CLIENTS", required=True)):
        where = f"GRANTCHECK_PEER_CLIENTS[{i}]"
        if not isinstance(c, dict) or not isinstance(c.get("client_id"), str) or not c["client_id"]:
            fail(f"{where}: client_id is required")
        client_id = c["client_id"]
        where = f"{where} ({client_id})"
        method = c.get("token_endpoint_auth_method", "client_secret_basic")
        if method not in AUTH_METHODS:
            fail(f"{where}: token_endpoint_auth_method must be one of {', '.join(AUTH_METHODS)}")
        if method == "private_key_jwt":
            # django-oauth-toolkit authenticates clients by secret only (Basic or body).
            note(f"skipping client {client_id}: django-oauth-toolkit does not support private_key_jwt")
            continue
        grants = c.get("grant_types") or ["authorization_code", "refresh_token"]
        unknown = [g for g in grants if g not in KNOWN_GRANTS]
        if unknown:
            fail(f"{where}: grant_types {unknown} not supported here (only {', '.join(KNOWN_GRANTS)})")
        # An Application holds exactly one grant type; refresh_token goes with
        # authorization-code applications (DOT issues refresh tokens for those).
        if "authorization_code" in grants:
            grant = Application.GRANT_AUTHORIZATION_CODE
            if "client_credentials" in grants:
                note(
                    f"client {client_id}: a django-oauth-toolkit application has one grant type; "
                    "registered for authorization_code only, client_credentials will be refused"
                )
        elif "client_credentials" in grants:
            grant = Application.GRANT_CLIENT_CREDENTIALS
        else:
            fail(f"{where}: grant_types needs authorization_code or client_credentials")
        secret = c.get("client_secret")
        if method == "none":
            if grant == Application.GRANT_CLIENT_CREDENTIALS:
                fail(f"{where}: client_credentials needs a confidential client")
            # As DOT's admin form and its RFC 7591 registration view do, a public
            # client keeps the model's default: a random secret, stored hashed and
            # told to nobody. (An empty secret would let a bare client_id pass
            # DOT's client authentication at the introspection endpoint.)
            client_type, secret = Application.CLIENT_PUBLIC, generate_client_secret()
        else:
            if not isinstance(secret, str) or not secret:
                fail(f"{where}: client_secret is required for {method}")
            client_type = Application.CLIENT_CONFIDENTIAL
        redirect_uris = c.get("redirect_uris") or []
        if not isinstance(redirect_uris, list) or not all(isinstance(u, str) for u in redirect_uris):
            fail(f"{where}: redirect_uris must be an array of strings")
        apps.append(
            dict(
                client_id=client_id,
                name=client_id,
                client_type=client_type,
                authorization_grant_type=grant,
                # Stored hashed (hash_client_secret, DOT's default): see populate().
                client_secret=secret,
                hash_client_secret=True,
                redirect_uris=" ".join(redirect_uris),
                algorithm=Application.RS256_ALGORITHM,
                skip_authorization=False,
            )
        )
    return apps


def populate(users, clients):
    """Migrate the new database, then store the users and applications.

    Each password and client secret costs one PBKDF2 run of Django's default hasher
    (about half a second here). Those runs start on a thread pool before `migrate`,
    which is pure Python, so they overlap with it (hashlib lets go of the GIL). The
    stored values are exactly what the models would have made: ClientSecretField
    leaves a value that is already a hash as it is.
    """
    from concurrent.futures import ThreadPoolExecutor

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.exceptions import ValidationError
    from django.core.management import call_command
    from oauth2_provider.models import Application
    from oauth2_provider.settings import oauth2_settings

    with ThreadPoolExecutor(max_workers=2) as pool:
        user_hashes = [pool.submit(make_password, u["password"]) for u in users]
        secret_hashes = [
            pool.submit(make_password, c["client_secret"], hasher=oauth2_settings.CLIENT_SECRET_HASHER)
            for c in clients
        ]
        call_command("migrate", verbosity=0, interactive=False)
        User = get_user_model()
        for u, hashed in zip(users, user_hashes):
            User.objects.create(
                username=u["username"], email=u.get("email", ""), password=hashed.result()
            )
        for fields, hashed in zip(clients, secret_hashes):
            app = Application(**fields)
            try:
                # What DOT's own forms and admin check (redirect URI syntax and schemes).
                app.full_clean(exclude=["client_secret"])
            except ValidationError as e:
                fail(f"client {fields['client_id']}: {'; '.join(e.messages)}")
            app.client_secret = hashed.result()
            app.save()


class RequestLog:
    """WSGI middleware: one stderr line per request (no query string, no body)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        began = time.monotonic()
        seen = {}

        def recording_start_response(status, headers, exc_info=None):
            seen["status"] = status.split(" ", 1)[0]
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, recording_start_response)
        finally:
            ms = (time.monotonic() - began) * 1000
            print(
                f'{environ.get("REQUEST_METHOD")} {environ.get("PATH_INFO")} '
                f'{seen.get("status", "-")} {ms:.0f}ms',
                file=sys.stderr,
                flush=True,
            )


class Deferred:
    """The WSGI app handed to waitress before Django is ready: requests that arrive
    in between wait in the listen backlog (the loop is not running yet)."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


def stop(signum, _frame):
    # Unwinds whatever is running: server.run() catches it and shuts waitress down;
    # during start-up it goes through main()'s `finally`, which removes the data.
    note(f"{signal.Signals(signum).name}: stopping")
    raise SystemExit(0)


def main():
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    port = read_port()
    users = read_users()

    from waitress.server import create_server

    deferred = Deferred()
    try:
        server = create_server(deferred, host="127.0.0.1", port=port, threads=4, ident="grantcheck-peer")
    except OSError as e:
        fail(f"cannot listen on 127.0.0.1:{port}: {e}")
    port = server.effective_port
    origin = f"http://127.0.0.1:{port}"

    data_dir = tempfile.mkdtemp(prefix="grantcheck-peer-dot-")
    try:
        os.environ["GRANTCHECK_PEER_DATA_DIR"] = data_dir
        os.environ["GRANTCHECK_PEER_ISSUER"] = f"{origin}/o"
        os.environ["DJANGO_SETTINGS_MODULE"] = "peer.settings"
        sys.path.insert(0, HERE)

        import django

        django.setup()
        setup_done = time.monotonic()
        clients = read_clients()
        populate(users, clients)
        populate_done = time.monotonic()

        from peer.wsgi import application

        deferred.app = RequestLog(application)

        note(
            f"ready in {time.monotonic() - STARTED:.2f} s: Django and key {setup_done - STARTED:.2f} s, "
            f"migrate and {len(clients)} clients, {len(users)} users {populate_done - setup_done:.2f} s"
        )
        print(f"grantcheck-peer django-oauth-toolkit {origin}", flush=True)
        server.run()  # returns after SystemExit from the signal handler
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
