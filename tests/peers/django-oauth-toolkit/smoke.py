#!/usr/bin/env python3
"""End-to-end smoke test of the django-oauth-toolkit peer (standard library only).

  .venv/bin/python smoke.py        (or: python3 smoke.py, which uses .venv/bin/python for the server)

Starts serve.py on port 0 with four clients and one user, all secrets made here, then
walks discovery, sign-in, authorization code + PKCE (S256) through the consent form
for each of the three kinds of client, refresh (and checks the rotation), userinfo,
introspection, revocation and client_credentials. Prints every status and JSON body;
exits 0 when all checks pass, 1 otherwise.
"""

import json
import secrets
import sys
import time

from peerclient import (
    Browser, at_hash, authorize_path, consent, jwt_parts, login, pkce_pair, running_peer,
)

REDIRECT = "http://127.0.0.1:1234/cb"
CODE_GRANTS = ["authorization_code", "refresh_token"]
SECRETS = {name: secrets.token_urlsafe(24) for name in ("basic", "post", "system", "alice")}
CLIENTS = [
    {"client_id": "smoke-basic", "client_secret": SECRETS["basic"],
     "token_endpoint_auth_method": "client_secret_basic", "grant_types": CODE_GRANTS,
     "redirect_uris": [REDIRECT]},
    {"client_id": "smoke-post", "client_secret": SECRETS["post"],
     "token_endpoint_auth_method": "client_secret_post", "grant_types": CODE_GRANTS,
     "redirect_uris": [REDIRECT]},
    {"client_id": "smoke-public", "token_endpoint_auth_method": "none",
     "grant_types": CODE_GRANTS, "redirect_uris": [REDIRECT]},
    {"client_id": "smoke-system", "client_secret": SECRETS["system"],
     "token_endpoint_auth_method": "client_secret_basic", "grant_types": ["client_credentials"]},
]
USERS = [{"username": "alice", "password": SECRETS["alice"]}]

failures = []


def check(ok, what):
    print(f"  {'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        failures.append(what)


def show(label, r):
    ctype = r.headers.get("Content-Type", "")
    print(f"{label}: {r.status} {ctype}")
    if r.location:
        print(f"  Location: {r.location}")
    if "json" in ctype:
        print("  " + json.dumps(r.json(), indent=2).replace("\n", "\n  "))


def client_auth(client):
    """(extra form fields, basic credentials) for a token/introspection/revocation call."""
    method = client["token_endpoint_auth_method"]
    if method == "client_secret_basic":
        return {}, (client["client_id"], client["client_secret"])
    if method == "client_secret_post":
        return {"client_id": client["client_id"], "client_secret": client["client_secret"]}, None
    return {"client_id": client["client_id"]}, None


def token(b, client, form):
    extra, basic = client_auth(client)
    return b.post("/o/token/", {**form, **extra}, basic=basic)


def code_flow(b, client, scope="openid offline_access"):
    """Authorization code + PKCE S256 through the consent form; returns the token JSON."""
    verifier, challenge = pkce_pair()
    nonce, state = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
    path = authorize_path(client["client_id"], REDIRECT, scope, nonce=nonce, state=state,
                          code_challenge=challenge, code_challenge_method="S256")
    page, answer = consent(b, path)
    print(f"consent page ({client['client_id']}): {page.status} {page.headers.get('Content-Type')}")
    check(page.status == 200 and answer is not None, "consent page shows the authorization form")
    if answer is None:
        return None
    show("consent POST", answer)
    params = answer.location_params()
    check(answer.status == 302 and answer.location.startswith(REDIRECT + "?") and "code" in params,
          "consent redirects to the client with a code")
    check(params.get("state") == state, "state is echoed")
    r = token(b, client, {"grant_type": "authorization_code", "code": params.get("code", ""),
                          "redirect_uri": REDIRECT, "code_verifier": verifier})
    show("token (authorization_code)", r)
    check(r.status == 200, "code exchange succeeds")
    if r.status != 200:
        return None
    body = r.json()
    check(body.get("token_type", "").lower() == "bearer", "token_type is Bearer")
    check("refresh_token" in body, "a refresh token is issued")
    check("id_token" in body, "an ID token is issued")
    if "id_token" in body:
        header, claims = jwt_parts(body["id_token"])
        print("  id_token header: " + json.dumps(header))
        print("  id_token claims: " + json.dumps(claims))
        check(header.get("alg") == "RS256", "id_token is RS256")
        check(claims.get("iss") == b.origin + "/o", "id_token iss is the issuer")
        check(claims.get("aud") in (client["client_id"], [client["client_id"]]), "id_token aud is the client")
        check(claims.get("nonce") == nonce, "id_token echoes the nonce")
        check(claims.get("at_hash") == at_hash(body["access_token"]), "id_token at_hash matches")
    return body


def main():
    with running_peer(CLIENTS, USERS) as (origin, startup):
        print(f"peer at {origin}, ready line after {startup:.2f} s\n")
        b = Browser(origin)

        r = b.get("/o/.well-known/openid-configuration")
        show("openid-configuration", r)
        check(r.status == 200 and r.json().get("issuer") == origin + "/o", "issuer is ORIGIN/o")

        r = b.get(authorize_path("smoke-basic", REDIRECT, "openid"))
        show("authorize, signed out", r)
        check(r.status == 302 and r.location.startswith("/accounts/login/?next="),
              "authorize sends a signed-out user to the login page")

        r = login(b, "alice", SECRETS["alice"])
        show("login POST", r)
        check(r.status == 302 and b.cookie("sessionid"), "login succeeds and sets a session")

        basic, post, public, system = CLIENTS
        tokens = code_flow(b, basic)
        if tokens:
            at, rt = tokens["access_token"], tokens["refresh_token"]

            r = b.get("/o/userinfo/", headers={"Authorization": f"Bearer {at}"})
            show("userinfo", r)
            check(r.status == 200 and "sub" in r.json(), "userinfo answers with sub")

            r = token(b, basic, {"grant_type": "refresh_token", "refresh_token": rt})
            show("token (refresh_token)", r)
            check(r.status == 200, "refresh succeeds")
            new = r.json() if r.status == 200 else {}
            check(new.get("refresh_token") not in (None, rt), "refresh token is rotated")

            r = token(b, basic, {"grant_type": "refresh_token", "refresh_token": rt})
            show("token (old refresh_token again)", r)
            check(r.status == 400 and r.json().get("error") == "invalid_grant",
                  "the rotated-out refresh token is refused")

            new_at = new.get("access_token", "")
            r = b.post("/o/introspect/", {"token": new_at}, basic=(basic["client_id"], basic["client_secret"]))
            show("introspect (refreshed access token)", r)
            check(r.status == 200 and r.json().get("active") is True, "introspection: active")

            r = b.post("/o/revoke_token/", {"token": new_at, "token_type_hint": "access_token"},
                       basic=(basic["client_id"], basic["client_secret"]))
            show("revoke (refreshed access token)", r)
            check(r.status == 200, "revocation answers 200")

            r = b.post("/o/introspect/", {"token": new_at}, basic=(basic["client_id"], basic["client_secret"]))
            show("introspect (after revocation)", r)
            check(r.status == 200 and r.json().get("active") is False, "introspection: inactive after revocation")

        for client in (post, public):
            tokens = code_flow(b, client)
            if tokens:
                r = token(b, client, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
                show(f"token (refresh_token, {client['client_id']})", r)
                check(r.status == 200, f"refresh succeeds for {client['client_id']}")

        r = token(b, system, {"grant_type": "client_credentials", "scope": "read"})
        show("token (client_credentials)", r)
        check(r.status == 200 and r.json().get("scope") == "read" and "refresh_token" not in r.json(),
              "client_credentials issues an access token without a refresh token")

        began = time.monotonic()
    print(f"\nstopped in {time.monotonic() - began:.2f} s after SIGTERM")
    log = running_peer.last_log
    leaked = [name for name, value in SECRETS.items() if value in log]
    check(not leaked, "no secret appears in the server's log")
    print("\nserver stderr (last 5 lines):\n  " + "\n  ".join(log.strip().splitlines()[-5:]))
    print(f"\n{'smoke: all checks passed' if not failures else f'smoke: {len(failures)} checks failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
