#!/usr/bin/env python3
"""Probe the django-oauth-toolkit peer with the requests listed in BEHAVIOUR.md and
print what it answers (standard library only).

  .venv/bin/python probe.py [> probe.out]

Each probe prints its letter, what was sent, and the answer: status, Content-Type,
WWW-Authenticate, Cache-Control, Pragma, X-Frame-Options, Content-Security-Policy,
Location and the JSON body (or the start of an HTML body). Token values and secrets
are replaced by placeholders. Rerun after an upgrade and compare with BEHAVIOUR.md.
"""

import json
import re
import secrets
import sys

from peerclient import (
    Browser, at_hash, authorize_path, consent, forms_in, jwt_parts, login, pkce_pair, running_peer,
)

REDIRECT = "http://127.0.0.1:1234/cb"
CODE = ["authorization_code", "refresh_token"]
S = {k: secrets.token_urlsafe(24) for k in ("basic", "post", "system", "alice")}
CLIENTS = [
    {"client_id": "pb", "client_secret": S["basic"], "token_endpoint_auth_method": "client_secret_basic",
     "grant_types": CODE, "redirect_uris": [REDIRECT]},
    {"client_id": "pp", "client_secret": S["post"], "token_endpoint_auth_method": "client_secret_post",
     "grant_types": CODE, "redirect_uris": [REDIRECT]},
    {"client_id": "pu", "token_endpoint_auth_method": "none", "grant_types": CODE, "redirect_uris": [REDIRECT]},
    {"client_id": "ps", "client_secret": S["system"], "token_endpoint_auth_method": "client_secret_basic",
     "grant_types": ["client_credentials"]},
]
PB = ("pb", S["basic"])
PS = ("ps", S["system"])
HEADERS = ("Content-Type", "WWW-Authenticate", "Cache-Control", "Pragma", "X-Frame-Options",
           "Content-Security-Policy", "Location")

placeholders = {v: f"<{k} secret>" for k, v in S.items()}


def scrub(text):
    for value, name in placeholders.items():
        text = text.replace(value, name)
    return text


def remember(value, name):
    placeholders[value] = f"<{name}>"
    return value


def show(label, what, r):
    ctype = r.headers.get("Content-Type", "")
    if "json" in ctype and r.status == 200:
        body = r.json()
        for k in ("access_token", "refresh_token", "id_token"):
            if isinstance(body.get(k), str):
                remember(body[k], k)
    print(f"\n### {label}\n> {scrub(what)}")
    print(f"< {r.status}")
    for h in HEADERS:
        if r.headers.get(h) is not None:
            print(f"< {h}: {scrub(r.headers.get(h))}")
    if "json" in ctype:
        print("< " + scrub(json.dumps(r.json())))
    elif r.body:
        text = re.sub(r"\s+", " ", r.text).strip()
        # DOT's error page (authorize.html) shows the error in <h2> and <p>.
        error = re.search(r"<h2>(Error:.*?)</h2>\s*<p>(.*?)</p>", text)
        if error:
            print(f"< body (error page): {scrub(error.group(1))} / {scrub(error.group(2))}")
        else:
            print("< body: " + scrub(text[:200]) + ("…" if len(text) > 200 else ""))


def get_code(b, client_id, scope="openid", method="S256", redirect=REDIRECT, **extra):
    """Authorize through the consent form. Returns (code or None, verifier, POST answer)."""
    verifier, challenge = pkce_pair()
    params = dict(extra)
    if method == "S256":
        params.update(code_challenge=challenge, code_challenge_method="S256")
    elif method == "plain":
        params.update(code_challenge=verifier, code_challenge_method="plain")
    page, answer = consent(b, authorize_path(client_id, redirect, scope, **params))
    if answer is None:
        return None, verifier, page
    code = answer.location_params().get("code")
    if code:
        remember(code, "code")
    return code, verifier, answer


def exchange(b, code, verifier=None, basic=PB, redirect=REDIRECT, **form):
    data = {"grant_type": "authorization_code", "code": code}
    if redirect is not None:
        data["redirect_uri"] = redirect
    if verifier is not None:
        data["code_verifier"] = verifier
    data.update(form)
    r = b.post("/o/token/", data, basic=basic)
    if r.status == 200:
        body = r.json()
        for k in ("access_token", "refresh_token", "id_token"):
            if k in body:
                remember(body[k], k)
    return r


def introspect(b, token):
    return b.post("/o/introspect/", {"token": token}, basic=PB)


def main():
    with running_peer(CLIENTS, [{"username": "alice", "password": S["alice"]}]) as (origin, startup):
        print(f"# peer at {origin} (ready after {startup:.2f} s)")
        b = Browser(origin)

        # (q) login page headers, (r) login POST status
        r = b.get("/accounts/login/?next=/")
        show("q1 login page", "GET /accounts/login/", r)
        print("  forms: " + json.dumps(forms_in(r.text)))
        r = login(b, "alice", S["alice"], next_path="/o/authorize/?x=1")
        show("r login POST", "POST /accounts/login/ username, password, csrfmiddlewaretoken, next", r)
        bad = Browser(origin)
        r = login(bad, "alice", "wrong")
        show("r2 login POST, wrong password", "POST /accounts/login/ with a wrong password", r)

        # (q) consent page headers and form
        verifier, challenge = pkce_pair()
        path = authorize_path("pb", REDIRECT, "openid", code_challenge=challenge, code_challenge_method="S256")
        r = b.get(path)
        show("q2 consent page", "GET " + path, r)
        print("  forms: " + json.dumps(forms_in(r.text)))
        r = b.post(path, {k: v for k, v in [(i["name"], i["value"]) for i in forms_in(r.text)[0]["inputs"]]
                          if k and k != "allow"})
        show("q3 consent POST without allow (Cancel)", "POST consent form without `allow`", r)

        # (a) wrong secret
        code, verifier, _ = get_code(b, "pb")
        r = exchange(b, code, verifier, basic=("pb", "wrong-secret"))
        show("a1 wrong secret via Basic", "POST /o/token/ Authorization: Basic pb:wrong-secret, valid code", r)
        r = b.post("/o/token/", {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                                 "code_verifier": verifier, "client_id": "pp", "client_secret": "wrong-secret"})
        show("a2 wrong secret via body", "POST /o/token/ client_id=pp&client_secret=wrong-secret", r)
        r = exchange(b, code, verifier, basic=("nobody", "x"))
        show("a3 unknown client via Basic", "POST /o/token/ Authorization: Basic nobody:x", r)
        r = exchange(b, code, verifier, basic=None)
        show("a4 no client authentication, confidential client's code", "POST /o/token/ without credentials", r)

        # (b) basic client sending its secret in the body
        r = exchange(b, code, verifier, basic=None, client_id="pb", client_secret=S["basic"])
        show("b basic client authenticates in the body", "POST /o/token/ client_id=pb&client_secret=…", r)
        code, verifier, _ = get_code(b, "pp")
        r = exchange(b, code, verifier, basic=("pp", S["post"]))
        show("b2 post client authenticates with Basic", "POST /o/token/ Authorization: Basic pp:…", r)
        code, verifier, _ = get_code(b, "pb")
        r = exchange(b, code, verifier, basic=PB, client_id="pb", client_secret=S["basic"])
        show("b3 Basic and body credentials together", "POST /o/token/ Basic pb:… and client_secret in body", r)

        # (c) S256 used, no verifier; (e) wrong verifier; then the right one
        code, verifier, _ = get_code(b, "pb")
        r = exchange(b, code, None)
        show("c S256 challenge, no code_verifier", "POST /o/token/ without code_verifier", r)
        r = exchange(b, code, "x" * 43)
        show("e wrong code_verifier", "POST /o/token/ code_verifier=xxx…(43)", r)
        r = exchange(b, code, verifier)
        show("e2 right code_verifier after the failures", "POST /o/token/ with the right code_verifier", r)

        # (d) no challenge, verifier sent
        code, _, _ = get_code(b, "pb", method=None)
        r = exchange(b, code, "y" * 43)
        show("d code_verifier without a challenge", "POST /o/token/ code_verifier=yyy…(43), no challenge at authorize", r)
        code, _, _ = get_code(b, "pu", method=None)
        r = exchange(b, code, None, basic=None, client_id="pu")
        show("d2 public client, no PKCE at all", "POST /o/token/ client_id=pu, no challenge, no verifier", r)

        # (f) plain
        code, verifier, answer = get_code(b, "pb", method="plain")
        show("f plain: consent POST", "GET+POST authorize code_challenge_method=plain", answer)
        r = exchange(b, code, verifier)
        show("f2 plain: exchange with verifier == challenge", "POST /o/token/", r)
        v, c = pkce_pair()
        r = b.get(authorize_path("pb", REDIRECT, "openid", code_challenge=c, code_challenge_method="S512"))
        show("f3 unknown code_challenge_method", "GET authorize code_challenge_method=S512", r)

        # (g) unknown scope
        r = b.get(authorize_path("pb", REDIRECT, "openid grantcheck.unknown-scope", state="st-g"))
        show("g unknown scope", "GET authorize scope=openid grantcheck.unknown-scope", r)
        r = b.get(authorize_path("pb", REDIRECT, "", state="st-g2"))
        show("g2 empty scope", "GET authorize scope=", r)
        r = b.get("/o/authorize/?" + "response_type=code&client_id=pb&state=st-g3&redirect_uri=" + REDIRECT)
        show("g3 no scope parameter", "GET authorize without scope", r)
        print("  scopes on the page: " + json.dumps(re.findall(r"<li>(.*?)</li>", r.text)))

        # (h) redirect URIs
        r = b.get(authorize_path("pb", "https://attacker.example/cb", "openid"))
        show("h1 unregistered redirect_uri", "GET authorize redirect_uri=https://attacker.example/cb", r)
        r = b.get(authorize_path("pb", "http://127.0.0.1:1234/cb/extra", "openid"))
        show("h1b registered URI plus a path suffix", "GET authorize redirect_uri=http://127.0.0.1:1234/cb/extra", r)
        r = b.get(authorize_path("nobody", REDIRECT, "openid"))
        show("h1c unknown client_id", "GET authorize client_id=nobody", r)
        other = "http://127.0.0.1:5555/cb"
        code, verifier, answer = get_code(b, "pb", redirect=other)
        show("h2 loopback, other port", f"GET+POST authorize redirect_uri={other}", answer)
        r = exchange(b, code, verifier, redirect=REDIRECT)
        show("h3 token redirect_uri differs from the authorization's (1234 vs 5555)", "POST /o/token/", r)
        r = exchange(b, code, verifier, redirect=other)
        show("h4 token redirect_uri identical", "POST /o/token/", r)
        code, verifier, _ = get_code(b, "pb")
        r = exchange(b, code, verifier, redirect=None)
        show("h5 redirect_uri omitted at the token endpoint", "POST /o/token/ without redirect_uri", r)
        r = b.get(authorize_path("pb", "http://localhost:1234/cb", "openid"))
        show("h6 localhost instead of the registered 127.0.0.1", "GET authorize redirect_uri=http://localhost:1234/cb", r)
        r = b.get("/o/authorize/?response_type=code&client_id=pb&scope=openid&state=st-h7")
        show("h7 redirect_uri omitted (one registered)", "GET authorize without redirect_uri", r)

        # (i) code replay
        code, verifier, _ = get_code(b, "pb", scope="openid offline_access")
        first = exchange(b, code, verifier)
        show("i1 first exchange", "POST /o/token/", first)
        r = exchange(b, code, verifier)
        show("i2 replayed code", "POST /o/token/ same code again", r)
        tokens = first.json()
        r = introspect(b, tokens["access_token"])
        show("i3 introspect the first access token after the replay", "POST /o/introspect/", r)
        r = b.post("/o/token/", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, basic=PB)
        show("i4 use the first refresh token after the replay", "POST /o/token/ grant_type=refresh_token", r)
        if r.status == 200:
            tokens = r.json()

        # (j) old rotated refresh token; (k) narrowing / widening
        old_rt = tokens["refresh_token"]
        r = b.post("/o/token/", {"grant_type": "refresh_token", "refresh_token": old_rt}, basic=PB)
        show("j1 refresh", "POST /o/token/ grant_type=refresh_token", r)
        new = r.json()
        r = b.post("/o/token/", {"grant_type": "refresh_token", "refresh_token": old_rt}, basic=PB)
        show("j2 old (rotated) refresh token again", "POST /o/token/ old refresh_token", r)
        r = introspect(b, new["access_token"])
        show("j3 introspect the newest access token after the reuse", "POST /o/introspect/", r)
        r = b.post("/o/token/", {"grant_type": "refresh_token", "refresh_token": new["refresh_token"],
                                 "scope": "openid"}, basic=PB)
        show("k1 refresh narrowing to openid", "POST /o/token/ scope=openid", r)
        narrowed = r.json()
        r = b.post("/o/token/", {"grant_type": "refresh_token", "refresh_token": narrowed["refresh_token"],
                                 "scope": "openid offline_access"}, basic=PB)
        show("k2 refresh after narrowing, asking for the original scope again",
             "POST /o/token/ scope=openid offline_access", r)
        rt = r.json().get("refresh_token", narrowed["refresh_token"])
        r = b.post("/o/token/", {"grant_type": "refresh_token", "refresh_token": rt,
                                 "scope": "openid offline_access write"}, basic=PB)
        show("k3 refresh widening (adds write)", "POST /o/token/ scope=openid offline_access write", r)
        r = b.post("/o/token/", {"grant_type": "refresh_token", "refresh_token": rt}, basic=("pp", S["post"]))
        show("k4 refresh with another client's refresh token", "POST /o/token/ Basic pp:…", r)

        # (l) introspection
        code, verifier, _ = get_code(b, "pb")
        at = exchange(b, code, verifier).json()["access_token"]
        r = b.post("/o/introspect/", {"token": at})
        show("l1 introspection without client authentication", "POST /o/introspect/ token=…", r)
        r = b.post("/o/introspect/", {"token": at, "client_id": "pu"})
        show("l2 introspection as the public client", "POST /o/introspect/ client_id=pu", r)
        r = b.post("/o/introspect/", {"token": at}, basic=("pb", "wrong-secret"))
        show("l3 introspection with a wrong secret", "POST /o/introspect/ Basic pb:wrong-secret", r)
        r = b.post("/o/introspect/", {"token": at}, basic=PS)
        show("l4 introspection of pb's token by another client (ps)", "POST /o/introspect/ Basic ps:…", r)
        r = b.post("/o/introspect/", {"token": at}, headers={"Authorization": f"Bearer {at}"})
        show("l5 introspection with a Bearer token lacking `introspection` scope", "POST /o/introspect/ Bearer", r)
        r = b.get("/o/introspect/?" + "token=" + at, basic=PB)
        show("l6 introspection by GET", "GET /o/introspect/?token=…", r)
        r = b.post("/o/introspect/", {"token": "no-such-token"}, basic=PB)
        show("l7 introspection of an unknown token", "POST /o/introspect/ token=no-such-token", r)
        r = b.post("/o/introspect/", {}, basic=PB)
        show("l8 introspection without token", "POST /o/introspect/ (no token)", r)

        # (m) revocation
        r = b.post("/o/revoke_token/", {"token": "no-such-token"}, basic=PB)
        show("m1 revoke an unknown token", "POST /o/revoke_token/ token=no-such-token", r)
        r = b.post("/o/revoke_token/", {"token": at})
        show("m2 revoke without client authentication", "POST /o/revoke_token/ (no credentials)", r)
        r = b.post("/o/revoke_token/", {"token": at}, basic=("pb", "wrong-secret"))
        show("m3 revoke with a wrong secret", "POST /o/revoke_token/ Basic pb:wrong-secret", r)
        r = b.post("/o/revoke_token/", {"token": at, "token_type_hint": "bogus_hint"}, basic=PB)
        show("m4 revoke with an unknown token_type_hint", "POST /o/revoke_token/ token_type_hint=bogus_hint", r)
        code, verifier, _ = get_code(b, "pb", scope="openid offline_access")
        t = exchange(b, code, verifier).json()
        r = b.post("/o/revoke_token/", {"token": t["refresh_token"], "token_type_hint": "refresh_token"},
                   basic=("pp", S["post"]))
        show("m5 revoke pb's refresh token as pp", "POST /o/revoke_token/ Basic pp:…", r)
        r = b.post("/o/token/", {"grant_type": "refresh_token", "refresh_token": t["refresh_token"]}, basic=PB)
        show("m6 is that refresh token still usable?", "POST /o/token/ grant_type=refresh_token", r)
        t2 = r.json() if r.status == 200 else t
        r = b.post("/o/revoke_token/", {"token": t2["refresh_token"], "token_type_hint": "refresh_token"}, basic=PB)
        show("m7 revoke the refresh token as its owner", "POST /o/revoke_token/", r)
        r = introspect(b, t2["access_token"])
        show("m8 introspect its access token afterwards", "POST /o/introspect/", r)

        # (n) client_credentials from a code client; (o) unsupported grant type
        r = b.post("/o/token/", {"grant_type": "client_credentials"}, basic=PB)
        show("n client_credentials from an authorization-code client", "POST /o/token/ Basic pb:…", r)
        r = b.post("/o/token/", {"grant_type": "client_credentials", "scope": "grantcheck.unknown-scope"}, basic=PS)
        show("n2 client_credentials with an unknown scope", "POST /o/token/ Basic ps:…", r)
        r = b.post("/o/token/", {"grant_type": "client_credentials"}, basic=PS)
        show("n3 client_credentials without scope", "POST /o/token/ Basic ps:…", r)
        r = b.post("/o/token/", {"grant_type": "urn:grantcheck:unknown"}, basic=PB)
        show("o unsupported grant type", "POST /o/token/ grant_type=urn:grantcheck:unknown", r)
        r = b.post("/o/token/", {"grant_type": "password", "username": "alice", "password": S["alice"]}, basic=PB)
        show("o2 password grant from an authorization-code client", "POST /o/token/ grant_type=password", r)
        r = b.post("/o/token/", {}, basic=PB)
        show("o3 no grant_type", "POST /o/token/ (empty body)", r)
        r = b.get("/o/token/")
        show("o4 GET on the token endpoint", "GET /o/token/", r)

        # (p) iss in the authorization response; metadata
        code, verifier, answer = get_code(b, "pb", scope="openid", nonce="n-0S6_WzA2Mj", state="st-p")
        show("p authorization response", "GET+POST authorize (allow)", answer)
        r = b.get("/o/.well-known/openid-configuration")
        show("p2 openid-configuration", "GET /o/.well-known/openid-configuration", r)

        # (s) id_token and userinfo; (t) headers; (v) token_type
        r = exchange(b, code, verifier)
        show("s/t/v token response", "POST /o/token/", r)
        body = r.json()
        header, claims = jwt_parts(body["id_token"])
        print("  id_token header: " + json.dumps(header))
        print("  id_token claims: " + json.dumps(claims))
        print(f"  at_hash matches: {claims.get('at_hash') == at_hash(body['access_token'])}")
        r = b.get("/o/userinfo/", headers={"Authorization": "Bearer " + body["access_token"]})
        show("s2 userinfo (GET, Bearer)", "GET /o/userinfo/", r)
        r = b.post("/o/userinfo/", {"access_token": body["access_token"]})
        show("s3 userinfo (POST, token in body)", "POST /o/userinfo/ access_token=…", r)
        r = b.get("/o/userinfo/")
        show("s4 userinfo without a token", "GET /o/userinfo/", r)
        r = b.get("/o/userinfo/", headers={"Authorization": "Bearer not-a-token"})
        show("s5 userinfo with an unknown token", "GET /o/userinfo/ Bearer not-a-token", r)
        cc = b.post("/o/token/", {"grant_type": "client_credentials", "scope": "openid"}, basic=PS)
        show("s6a client_credentials with scope openid", "POST /o/token/ Basic ps:… scope=openid", cc)
        if cc.status == 200:
            r = b.get("/o/userinfo/", headers={"Authorization": "Bearer " + cc.json()["access_token"]})
            show("s6 userinfo with a client_credentials token (scope openid)", "GET /o/userinfo/", r)
        code, verifier, _ = get_code(b, "pb", scope="read")
        r = exchange(b, code, verifier)
        show("s7 token response without openid scope", "POST /o/token/", r)
        r = b.get("/o/userinfo/", headers={"Authorization": "Bearer " + r.json()["access_token"]})
        show("s8 userinfo with a token lacking openid", "GET /o/userinfo/", r)
        r = b.get("/o/.well-known/jwks.json")
        show("s9 jwks", "GET /o/.well-known/jwks.json", r)

        # (u) RFC 8414 locations
        for p in ("/.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server/o",
                  "/o/.well-known/oauth-authorization-server", "/.well-known/openid-configuration",
                  "/o/.well-known/openid-configuration/"):
            r = b.get(p)
            show("u " + p, "GET " + p, r)

    print("\n# server log (stderr), warnings only")
    for line in running_peer.last_log.splitlines():
        if not re.match(r"^(GET|POST|HEAD) ", line):
            print("  " + scrub(line))


if __name__ == "__main__":
    sys.exit(main())
