"""Standard-library helpers shared by smoke.py and probe.py: start serve.py, speak
HTTP without following redirects, fill in the login and consent forms, PKCE, JWTs.

Nothing here imports Django or django-oauth-toolkit: these scripts look at the peer
from outside, as grantcheck does.
"""

import base64
import contextlib
import hashlib
import http.cookiejar
import json
import os
import queue
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

HERE = os.path.dirname(os.path.abspath(__file__))
READY_PREFIX = "grantcheck-peer django-oauth-toolkit "


def venv_python():
    candidate = os.path.join(HERE, ".venv", "bin", "python")
    return candidate if os.path.exists(candidate) else sys.executable


@contextlib.contextmanager
def running_peer(clients, users, timeout=60):
    """Start serve.py on port 0; yield (origin, seconds until the ready line)."""
    env = dict(os.environ)
    env["GRANTCHECK_PEER_CLIENTS"] = json.dumps(clients)
    env["GRANTCHECK_PEER_USERS"] = json.dumps(users)
    log = tempfile.TemporaryFile(mode="w+")
    began = time.monotonic()
    proc = subprocess.Popen(
        [venv_python(), os.path.join(HERE, "serve.py"), "0"],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env=env,
    )
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(l) for l in proc.stdout], daemon=True).start()
    try:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            line = ""
        if not line.startswith(READY_PREFIX):
            proc.kill()
            proc.wait()
            log.seek(0)
            raise RuntimeError(f"serve.py did not announce itself (got {line!r}); its stderr:\n{log.read()}")
        elapsed = time.monotonic() - began
        yield line.split()[-1], elapsed
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                code = proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait()
            if code != 0:
                print(f"serve.py exited {code} after SIGTERM", file=sys.stderr)
        log.seek(0)
        running_peer.last_log = log.read()
        log.close()


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # an http.client.HTTPMessage (case-insensitive)
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)

    @property
    def location(self):
        return self.headers.get("Location")

    def location_params(self):
        query = urllib.parse.urlsplit(self.location or "").query
        return dict(urllib.parse.parse_qsl(query))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie jar and a request method that shows every answer, redirects included."""

    def __init__(self, origin):
        self.origin = origin
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def url(self, path):
        return path if path.startswith("http") else self.origin + path

    def request(self, method, path, form=None, headers=None, basic=None):
        data = None
        headers = dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if basic is not None:
            user, password = (urllib.parse.quote(part, safe="") for part in basic)
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        req = urllib.request.Request(self.url(path), data=data, headers=headers, method=method)
        try:
            with self.opener.open(req, timeout=30) as r:
                return Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read())

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, form, **kw):
        return self.request("POST", path, form=form, **kw)

    def cookie(self, name):
        for c in self.jar:
            if c.name == name:
                return c.value
        return None


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"attrs": a, "inputs": []})
        elif tag in ("input", "button") and self.forms:
            self.forms[-1]["inputs"].append(
                {"tag": tag, "type": a.get("type", "text" if tag == "input" else "submit"),
                 "name": a.get("name"), "value": a.get("value", "")}
            )


def forms_in(html):
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_fields(form, submit_name=None):
    """The fields a browser would send: named non-submit inputs, plus the one submit
    button called submit_name (if any)."""
    fields = {}
    for i in form["inputs"]:
        if not i["name"]:
            continue
        if i["type"] == "submit":
            if i["name"] == submit_name:
                fields[i["name"]] = i["value"]
        else:
            fields[i["name"]] = i["value"]
    return fields


def login(browser, username, password, next_path="/"):
    """Sign in through /accounts/login/; return the answer to the POST."""
    page = browser.get("/accounts/login/?" + urllib.parse.urlencode({"next": next_path}))
    form = forms_in(page.text)[0]
    fields = form_fields(form)
    fields.update(username=username, password=password)
    return browser.post(form["attrs"].get("action") or "/accounts/login/", fields)


def consent(browser, authorize_path, allow=True):
    """GET the authorize URL (signed in), then POST its consent form.

    Returns (consent page response, POST response or None when there was no form)."""
    page = browser.get(authorize_path)
    if page.status != 200:
        return page, None
    forms = [f for f in forms_in(page.text) if f["attrs"].get("id") == "authorizationForm"]
    if not forms:
        return page, None
    fields = form_fields(forms[0], submit_name="allow" if allow else None)
    return page, browser.post(authorize_path, fields)


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = b64url(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwt_parts(token):
    """Header and claims of a JWT, without verifying it."""
    def part(p):
        return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))

    header, claims, _ = token.split(".")
    return part(header), part(claims)


def at_hash(access_token):
    return b64url(hashlib.sha256(access_token.encode()).digest()[:16])


def authorize_path(client_id, redirect_uri, scope, **extra):
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
              "scope": scope, "state": secrets.token_urlsafe(8)}
    params.update(extra)
    return "/o/authorize/?" + urllib.parse.urlencode(params)
