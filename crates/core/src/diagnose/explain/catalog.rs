//! Known error payloads → likely causes, what to check, the fix, and the catalog
//! references. Three sources of meaning, tried in order: Oracle Health's `error_uri`
//! URN; the `error_description` (or athenahealth's FHIR `error` message) matched
//! against Okta's, athenahealth's and oidc-provider's exact strings; and the generic
//! meaning of the OAuth `error` code.

use super::Diagnosis;
use super::error_uri::ErrorUri;
use crate::diagnose::rules::tenant::{near_uuid_problem, suggested_uuid};

/// A diagnosis written out in the catalog.
pub struct D {
    pub id: &'static str,
    pub cause: &'static str,
    pub check: &'static str,
    pub fix: &'static str,
    pub refs: &'static [&'static str],
}

impl D {
    pub fn to_diagnosis(&self) -> Diagnosis {
        Diagnosis {
            id: self.id,
            cause: self.cause.to_string(),
            check: self.check.to_string(),
            fix: self.fix.to_string(),
            refs: self.refs.to_vec(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The message starts with the phrase (variants append a reason or a list).
    Prefix,
    /// The message is exactly the phrase.
    Exact,
    /// As Prefix, and a message that stops early (a document quoting it cut short,
    /// LINT-A13) also matches.
    PrefixOrTruncated,
}

pub struct Entry {
    /// Where the string comes from: `okta`, `athenahealth`, `oidc-provider`.
    pub source: &'static str,
    pub phrases: &'static [&'static str],
    pub mode: Mode,
    pub diagnoses: &'static [D],
}

/// Lower-case, single spaces, no trailing period: documents and servers differ in
/// exactly those.
pub fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .trim_end_matches(['.', ' '])
        .to_string()
}

impl Entry {
    pub fn matches(&self, message: &str) -> bool {
        let m = normalise(message);
        if m.is_empty() {
            return false;
        }
        self.phrases.iter().any(|p| {
            let p = normalise(p);
            match self.mode {
                Mode::Exact => m == p,
                Mode::Prefix => m.starts_with(&p),
                Mode::PrefixOrTruncated => {
                    m.starts_with(&p) || (m.len() >= 40 && p.starts_with(&m))
                }
            }
        })
    }
}

/// `client=unknown` with a URN that is not about client authentication (CER-04).
pub const CLIENT_UNKNOWN: D = D {
    id: "CER-04",
    cause: "client=unknown: the server could not identify the client from the credentials sent, so this is a client-authentication failure, whatever the URN suggests; it is never a grant, code, scope or tenant problem.",
    check: "The client id and secret (or client assertion) of this request: the Basic header or `-u` value, its base64 encoding, and which registration they belong to.",
    fix: "Authenticate with the Client ID and secret of the app's System Account (confidential clients), encoded once with `base64 -w0` or sent with curl `-u`.",
    refs: &["CER-04", "LINT-C7", "CER-06"],
};

/// Oracle Health URNs (short form, hyphens) and what they mean.
pub struct UrnEntry {
    pub urns: &'static [&'static str],
    /// Whether the failure is about client authentication (so `client=unknown` fits).
    pub client_auth: bool,
    pub diagnoses: &'static [D],
}

pub static URNS: &[UrnEntry] = &[
    UrnEntry {
        urns: &["oauth2:token:invalid-client-credentials"],
        client_auth: true,
        diagnoses: &[
            D {
                id: "CER-06",
                cause: "The client credentials were not recognised (client=unknown): the id or secret in the Basic header is wrong (a rotated or mistyped secret, stray whitespace), so the server could tie the request to no client. Nothing about the code, redirect URI or tenant has been checked yet.",
                check: "Decode the Authorization header (`echo <value> | base64 -d`) and compare id and secret with the app's registration, character for character.",
                fix: "Send `-u \"$CLIENT_ID:$CLIENT_SECRET\"` with the current Client ID and secret of the app's System Account.",
                refs: &["CER-06", "CER-04", "LINT-C7"],
            },
            D {
                id: "CER-06",
                cause: "The app is not registered as a confidential client backed by a System Account: a public app has no secret, so Basic credentials cannot match it.",
                check: "In the Oracle Health (Code) console: is the app confidential, and does it have a System Account with a secret?",
                fix: "Register the app as confidential with a System Account, or, for a public app, send `client_id` in the body with PKCE and no Basic header.",
                refs: &["CER-06", "SMART-11"],
            },
            D {
                id: "LINT-C6",
                cause: "The Application ID was sent where the Client ID belongs: the console shows both, and only the client id authenticates.",
                check: "Is the id in the Basic header the value labelled Client ID (for confidential apps: the System Account's id)?",
                fix: "Use the Client ID, not the Application ID.",
                refs: &["LINT-C6", "CER-06"],
            },
            D {
                id: "LINT-C11",
                cause: "The Basic header is malformed: built with `base64` without `-w0`, the encoding wraps at 76 characters and the header carries a line break.",
                check: "Look for a newline or space inside the base64 value of the Authorization header.",
                fix: "Use `base64 -w0`, or let curl build the header with `-u`.",
                refs: &["LINT-C11"],
            },
        ],
    },
    UrnEntry {
        urns: &["oauth2:token:invalid-authorization-header"],
        client_auth: true,
        diagnoses: &[
            D {
                id: "CER-07",
                cause: "The Authorization header is not valid Basic client authentication: most often a client-assertion JWT sent as `Authorization: Bearer <jwt>`, which the token endpoint refuses (401).",
                check: "What scheme the Authorization header of the token request uses.",
                fix: "Send the JWT as form parameters `client_assertion=<jwt>` and `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer` with no Authorization header, or use Basic with the System Account's id and secret.",
                refs: &["CER-07", "SMART-10", "CER-25"],
            },
            D {
                id: "LINT-C11",
                cause: "A Basic header whose value is not base64 of `id:secret` (wrapped, truncated, or encoded twice).",
                check: "Decode the header value and look for `id:secret`.",
                fix: "Use `base64 -w0` or curl `-u`.",
                refs: &["LINT-C11"],
            },
        ],
    },
    UrnEntry {
        urns: &["client-assertion:jwt-bearer:invalid-signature"],
        client_auth: true,
        diagnoses: &[
            D {
                id: "CER-08",
                cause: "The client assertion's signature does not verify against the JWKS registered on the System Account: signed with another key, a `kid` that is not in the registered set, or an algorithm other than RS384/ES384.",
                check: "Decode the JWT header: is `kid` in the JWKS registered for this System Account, and is `alg` RS384 or ES384? Was the JWKS registered on the same System Account as the client id?",
                fix: "Sign with the private key whose public half (same `kid`) is registered, using RS384 or ES384.",
                refs: &["CER-08", "CER-25", "SMART-10"],
            },
            D {
                id: "CER-08",
                cause: "The assertion was posted as JSON (`{\"client_assertion\":...}`) instead of form parameters.",
                check: "The request's Content-Type and body.",
                fix: "Send `application/x-www-form-urlencoded` with `client_assertion` and `client_assertion_type` as form fields.",
                refs: &["CER-08"],
            },
        ],
    },
    UrnEntry {
        urns: &["oauth2:token:empty-scopes"],
        client_auth: false,
        diagnoses: &[
            D {
                id: "CER-09",
                cause: "None of the requested scopes is provisioned for this client in this tenant, so the token would carry no scopes.",
                check: "The scopes enabled for the app (or System Account) in the console, for this tenant, against the requested list.",
                fix: "Request only scopes the app is provisioned for, or have them provisioned for the tenant.",
                refs: &["CER-09", "CER-10"],
            },
            D {
                id: "CER-24",
                cause: "Scope syntax and registration disagree: v1 `.read`/`.write` scopes sent by an app registered for SMART v2 (or v2 `.rs` by a v1 app).",
                check: "Whether the app is registered as SMART v1 or v2, and which suffixes the request uses.",
                fix: "Use the syntax of the registration: v1 `system/Patient.read`, v2 `system/Patient.rs`.",
                refs: &["CER-24", "CER-09", "SMART-04"],
            },
            D {
                id: "LINT-C2",
                cause: "The scopes are separated by commas or semicolons, so every token but the last reads `system/X.read,` and matches nothing.",
                check: "The raw `scope` parameter (run `grantcheck lint` on the request).",
                fix: "Separate scopes with single spaces.",
                refs: &["LINT-C2", "RFC-01"],
            },
            D {
                id: "CER-11",
                cause: "Only wildcard scopes were requested (`patient/*.read`), which Oracle Health does not grant.",
                check: "Whether the scope list holds `*`.",
                fix: "Name each resource scope.",
                refs: &["CER-11"],
            },
        ],
    },
    UrnEntry {
        urns: &[
            "oauth2:token:code-invalid-or-expired",
            "oauth2:token:code:invalid",
            "smart-v1:grant:launch:invalid-code",
        ],
        client_auth: false,
        diagnoses: &[
            D {
                id: "CER-02",
                cause: "The authorization code is unknown, already redeemed, or expired: codes are single-use and short-lived, and a retry or a double submit redeems it twice.",
                check: "Whether the code was used before (a retry, a page reload) and how long after the redirect it was sent.",
                fix: "Redeem each code once, immediately after the redirect; on failure start a new authorization.",
                refs: &["CER-02", "CER-21"],
            },
            D {
                id: "LINT-C9",
                cause: "A placeholder or stale value was sent as the code (e.g. `AUTHORIZATION_CODE` copied from an example).",
                check: "The `code` parameter actually sent.",
                fix: "Send the code returned to the redirect URI.",
                refs: &["LINT-C9"],
            },
        ],
    },
    UrnEntry {
        urns: &["oauth2:token:code:client:mismatch"],
        client_auth: false,
        diagnoses: &[D {
            id: "CER-21",
            cause: "The code was issued to another client than the one redeeming it (for example the production app's code redeemed with the non-production credentials).",
            check: "The client id at /authorize and the client id in the token request's credentials.",
            fix: "Redeem the code with the credentials of the client that requested it.",
            refs: &["CER-21", "OKT-03"],
        }],
    },
    UrnEntry {
        urns: &[
            "oauth2:grant:invalid-redirect-uri",
            "oauth2:grant:invalid-redirect-uri-trailing-slash",
            "oauth2:grant:redirect-uri-not-absolute",
            "oauth2:grant:redirect-uri-not-registered",
            "oauth2:token:invalid-redirect-uri",
        ],
        client_auth: false,
        diagnoses: &[
            D {
                id: "CER-18",
                cause: "The redirect_uri does not match: not registered for the app, not absolute, a trailing slash different from the registration, or a different value at the token request than at /authorize.",
                check: "The registered redirect URIs, the one sent to /authorize and the one sent to /token, compared character for character including the trailing slash.",
                fix: "Send the registered URI, identical in both requests (omit it in both if it was omitted at /authorize).",
                refs: &["CER-18"],
            },
            D {
                id: "LINT-C8",
                cause: "The redirect_uri points at a vendor host (e.g. `fhir-ehr-code.cerner.com/callback`), which cannot be the app's callback.",
                check: "The host of the redirect_uri.",
                fix: "Use the app's own registered callback URL.",
                refs: &["LINT-C8", "CER-18"],
            },
        ],
    },
    UrnEntry {
        urns: &[
            "smart-v1:grant:launch:audience-required",
            "smart-v1:grant:launch:audience-not-white-listed",
            "smart-v1:grant:launch:unknown-resource-server",
        ],
        client_auth: false,
        diagnoses: &[D {
            id: "CER-19",
            cause: "The `aud` parameter is missing, or is not a FHIR base URL this tenant and app are allowed to use.",
            check: "The `aud` sent to /authorize against the tenant's FHIR base URL (from its discovery document).",
            fix: "Send `aud=<the tenant's FHIR base URL>`, e.g. `https://fhir-ehr-code.cerner.com/r4/<tenant>`.",
            refs: &["CER-19", "SMART-07"],
        }],
    },
    UrnEntry {
        urns: &["smart-v1:grant:launch:launch-code-required"],
        client_auth: false,
        diagnoses: &[D {
            id: "CER-19",
            cause: "An EHR launch was requested (`launch` scope) without the `launch` parameter the EHR passed to the app.",
            check: "Whether the authorize request carries `launch=<value from the EHR>`.",
            fix: "Pass through the `launch` parameter received at the launch URL, or drop the `launch` scope for a standalone launch.",
            refs: &["CER-19"],
        }],
    },
    UrnEntry {
        urns: &[
            "smart-v1:grant:launch:mismatchted-identity",
            "smart-v1:grant:launch:mismatched-identity",
        ],
        client_auth: false,
        diagnoses: &[D {
            id: "CER-19",
            cause: "The user signed in to the authorization server is not the user the EHR launched the app for (a leftover browser session).",
            check: "Whether another user's session is open in the browser.",
            fix: "Retry in a fresh (private) browser session.",
            refs: &["CER-19"],
        }],
    },
    UrnEntry {
        urns: &["oauth2:grant:denied-by-server"],
        client_auth: false,
        diagnoses: &[D {
            id: "CER-20",
            cause: "The authorization server refused the grant itself (not the user): the app is not authorized for this tenant or user, or a requested scope or persona is not allowed.",
            check: "The app's enablement for this tenant, the persona in the error_uri (provider or patient), and the requested scopes.",
            fix: "Have the app enabled for the tenant and request only scopes it is provisioned for.",
            refs: &["CER-20", "CER-21"],
        }],
    },
    UrnEntry {
        urns: &["oauth2:grant:denied-by-user"],
        client_auth: false,
        diagnoses: &[D {
            id: "CER-21",
            cause: "The user declined the authorization.",
            check: "Nothing on the client side is wrong.",
            fix: "Let the user retry; explain what the app needs the access for.",
            refs: &["CER-21"],
        }],
    },
    UrnEntry {
        urns: &[
            "oauth2:grant:unknown-client",
            "oauth2:token:terminated-client",
        ],
        client_auth: true,
        diagnoses: &[D {
            id: "CER-21",
            cause: "The client id is not known to this authorization server (wrong environment, a typo, or a client that was terminated).",
            check: "The client id against the app's registration for this environment.",
            fix: "Use the client id registered for this environment.",
            refs: &["CER-21", "CER-04"],
        }],
    },
    UrnEntry {
        urns: &[
            "oauth2:grant:unknown-tenant",
            "oauth2:grant:tenant-not-configured",
            "oauth2:grant:unauthorized-client-for-tenant",
            "oauth2:token:code:tenant:mismatch",
            "oauth2:token:code:tenant-invalid",
            "oauth2:token:code:tenant-terminated",
            "oauth2:token:tenant-not-enabled-for-testing",
            "oauth2:token:client-not-enabled-for-testing",
        ],
        client_auth: false,
        diagnoses: &[D {
            id: "CER-21",
            cause: "The tenant is unknown, not configured, or not enabled for this client (or the code was issued for another tenant).",
            check: "The tenant in the URL against the tenant id the health system gave you, and whether the app is enabled for that tenant.",
            fix: "Use the tenant's exact id and have the app enabled for it.",
            refs: &["CER-21", "CER-05", "CER-27"],
        }],
    },
    UrnEntry {
        urns: &[
            "oauth2:token:refresh-token:token-invalid",
            "oauth2:token:refresh-token:session-invalid",
            "oauth2:token:refresh-token:tenant-terminated",
        ],
        client_auth: false,
        diagnoses: &[D {
            id: "CER-17",
            cause: "The refresh token can no longer be used: revoked or unused for months (offline_access), its user session ended (online_access), or it was replaced by mistake with a newer value the server never issued (Oracle Health never rotates refresh tokens).",
            check: "Whether the stored refresh token is the original one, and whether it is online_access (session-bound).",
            fix: "Keep and reuse the original refresh token; when it is invalid, send the user through authorization again.",
            refs: &["CER-17"],
        }],
    },
    UrnEntry {
        urns: &[
            "oauth2:token:unsupported-grant-type",
            "oauth2:grant:unsupported-response-type",
        ],
        client_auth: false,
        diagnoses: &[D {
            id: "CER-13",
            cause: "The grant type or response type is not one the server supports for this client (it supports authorization_code and client_credentials, response type `code`).",
            check: "The `grant_type` / `response_type` sent, and the spelling.",
            fix: "Use `grant_type=authorization_code`, `client_credentials` or `refresh_token`, and `response_type=code`.",
            refs: &["CER-13", "CER-21"],
        }],
    },
    UrnEntry {
        urns: &["oauth2:token:patient-scope-requires-one-patient-id"],
        client_auth: false,
        diagnoses: &[D {
            id: "SMART-05",
            cause: "patient/ scopes need exactly one patient in context, and the grant had none or several.",
            check: "Whether the launch selected a patient.",
            fix: "Request `launch/patient` (standalone) or launch from the patient's chart (EHR launch).",
            refs: &["SMART-05", "CER-21"],
        }],
    },
    UrnEntry {
        urns: &["oauth2:grant:csrf-security-failure"],
        client_auth: false,
        diagnoses: &[D {
            id: "CER-21",
            cause: "The authorization server's own session check failed (cookies blocked, or the sign-in page was opened in another browser).",
            check: "Whether the browser accepts the authorization server's cookies.",
            fix: "Retry in one browser with cookies enabled.",
            refs: &["CER-21"],
        }],
    },
    UrnEntry {
        urns: &["oauth2:resource-access:insufficient-scopes"],
        client_auth: false,
        diagnoses: &[D {
            id: "CER-22",
            cause: "The access token lacks a scope for this FHIR resource: the token endpoint granted fewer scopes than requested without saying so.",
            check: "The `scope` of the token response against the resource being read.",
            fix: "Compare granted and requested scopes after every token response; request (and have provisioned) the scope for this resource.",
            refs: &["CER-22", "CER-10"],
        }],
    },
];

pub static PHRASES: &[Entry] = &[
    Entry {
        source: "okta",
        phrases: &["PKCE verification failed"],
        mode: Mode::Prefix,
        diagnoses: &[
            D {
                id: "OKT-01",
                cause: "The code_verifier sent to /token does not hash to the code_challenge sent to /authorize: the verifier was regenerated or overwritten between the two requests (another tab, another login, a verifier kept per process), or the challenge was computed wrongly (hex digest, or standard base64 of the digest's text instead of base64url of its raw bytes).",
                check: "For one login, log the verifier at /authorize and at /token and compare; recompute BASE64URL(SHA256(verifier)) and compare with the challenge sent (RFC 7636 vector: `dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk` → `E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM`).",
                fix: "Keep the verifier with the login's state, send that same verifier at /token, and derive the challenge from the raw 32-byte digest with unpadded base64url and `code_challenge_method=S256`.",
                refs: &["OKT-01", "RFC-03", "LINT-A5"],
            },
            D {
                id: "LINT-A4",
                cause: "Not an expired code, whatever athenahealth's FAQ says: its 60-second expiry is stale (Okta's codes have lived 300 seconds since April 2021), and an expired code gets a different message, \"The authorization code is invalid or has expired.\"",
                check: "Nothing about timing: this message points at the verifier.",
                fix: "Fix the verifier handling above rather than racing the clock.",
                refs: &["LINT-A4", "OKT-02"],
            },
        ],
    },
    Entry {
        source: "okta",
        phrases: &["The authorization code is invalid or has expired"],
        mode: Mode::Prefix,
        diagnoses: &[
            D {
                id: "OKT-02",
                cause: "The code was already redeemed (codes are single-use: a retry, a reload, or two handlers racing) or is older than its 300-second lifetime.",
                check: "Whether this code was sent to /token before, and the time between the redirect and the token request.",
                fix: "Redeem each code once, right after the redirect; on failure start a new authorization.",
                refs: &["OKT-02"],
            },
            D {
                id: "LINT-C9",
                cause: "The code came from another environment (preview vs production) or is a placeholder.",
                check: "That /authorize and /token are on the same host, and the code's value.",
                fix: "Use the code returned by the same environment's /authorize.",
                refs: &["LINT-C9", "ATH-01"],
            },
        ],
    },
    Entry {
        source: "okta",
        phrases: &[
            "The grant was issued to another client. Please make sure the 'client_id' matches the one used at the authorize request",
        ],
        mode: Mode::PrefixOrTruncated,
        diagnoses: &[D {
            id: "OKT-03",
            cause: "The code is redeemed by another client than the one that requested it, typically preview and production client ids mixed between the authorize code and the token code.",
            check: "The client_id in the authorize URL and in the token request (body or Basic header).",
            fix: "Use the same client id in both requests, from the same environment.",
            refs: &["OKT-03", "LINT-A13"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &[
            "The 'redirect_uri' does not match the redirection URI used in the authorization request",
        ],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-04",
            cause: "The token request's redirect_uri differs from the one sent to /authorize (a trailing slash, http vs https, another path, or different encoding).",
            check: "Both values, character for character.",
            fix: "Send the identical redirect_uri in both requests.",
            refs: &["OKT-04", "ATH-05"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &[
            "The 'redirect_uri' parameter must be an absolute URI that is whitelisted in the client app settings",
            "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings",
        ],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-09",
            cause: "The redirect_uri sent to /authorize is not one registered for this client, so Okta shows an error page instead of redirecting.",
            check: "The redirect_uri against the URIs athena whitelisted for this client id.",
            fix: "Use a registered redirect URI, or ask athena to whitelist this one.",
            refs: &["OKT-09", "ATH-02", "LINT-C8"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &[
            "Policy evaluation failed for this request, please check the policy configurations",
        ],
        mode: Mode::Prefix,
        diagnoses: &[
            D {
                id: "ATH-10",
                cause: "The app requests a scope outside the set athena permits it (its default scopes plus those it was approved for).",
                check: "Each requested scope against the app's permitted list.",
                fix: "Request only permitted scopes, or ask athena to permit the scope.",
                refs: &["ATH-10", "ATH-04"],
            },
            D {
                id: "OKT-08",
                cause: "No access-policy rule on Okta matches this combination of client, user, grant type and scopes (e.g. the user is not assigned to the app).",
                check: "Whether this user may use this app at all, with another user or scope set for comparison.",
                fix: "Have athena assign the user/app or adjust the policy; the scope list alone may not be the cause.",
                refs: &["OKT-08", "LINT-A12"],
            },
        ],
    },
    Entry {
        source: "okta",
        phrases: &[
            "Policy evaluation succeeded, but all the requested scopes were rejected",
            "Policy evaluation succeeded but all the requested scopes were rejected",
        ],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-08",
            cause: "A policy rule matched, but it allows none of the requested scopes.",
            check: "The requested scopes against the app's permitted scopes.",
            fix: "Request scopes the app is permitted.",
            refs: &["OKT-08", "ATH-04"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &["Some of the requested scopes were denied by the policy"],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-08",
            cause: "The policy denied the scopes listed after \"Denied scopes\".",
            check: "Those scopes against the app's permitted list.",
            fix: "Drop the denied scopes or have them permitted.",
            refs: &["OKT-08"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &["User is not assigned to the client application"],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-08",
            cause: "The signed-in user is not assigned to this app in Okta.",
            check: "Which user signed in (a leftover session?).",
            fix: "Sign in with an assigned user, or have the user assigned.",
            refs: &["OKT-08"],
        }],
    },
    Entry {
        source: "athenahealth",
        phrases: &["error in workflowHandler"],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "ATH-11",
            cause: "athenahealth's login widget could not read the `aud`: a malformed practice/brand JSON, numbers instead of strings, or an aud encoded twice.",
            check: "The aud as the server decodes it: it must be exactly `{\"PRACTICEID\":\"...\",\"COMMUNICATORBRANDID\":\"...\"}` or a DSTU2 base URL, encoded once (run `grantcheck lint` on the URL).",
            fix: "Send the aud JSON with string values, percent-encoded exactly once.",
            refs: &["ATH-11", "ATH-03", "LINT-A9", "LINT-A10"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &[
            "One or more scopes are not configured for the authorization server resource",
            "The requested scope is invalid, unknown, or malformed",
        ],
        mode: Mode::Prefix,
        diagnoses: &[
            D {
                id: "LINT-A1",
                cause: "A scope is misspelled or mis-cased (`open_id` for `openid`, `Patient/...` for `patient/...`): Okta knows no such scope.",
                check: "Each scope against athena's list (run `grantcheck lint` on the authorize URL).",
                fix: "Correct the spelling and case.",
                refs: &["OKT-07", "LINT-A1", "LINT-A2"],
            },
            D {
                id: "LINT-A10",
                cause: "The scopes are joined with `%3B` (`;`) or encoded twice, so the server sees one long unknown scope.",
                check: "The raw scope parameter: spaces must be `%20` or `+`, encoded once.",
                fix: "Separate scopes with single spaces and encode once.",
                refs: &["LINT-A10", "RFC-01"],
            },
        ],
    },
    Entry {
        source: "okta",
        phrases: &["The client secret supplied for a confidential client is invalid"],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-11",
            cause: "The client id is right but the secret is not (rotated, from another environment, or with stray whitespace).",
            check: "The secret against the current one for this client id and environment.",
            fix: "Send the current secret of this client.",
            refs: &["OKT-11"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &[
            "Client authentication failed. Either the client or the client credentials are invalid",
        ],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-11",
            cause: "The client could not be authenticated: unknown client id, wrong secret, or an authentication method the client is not registered for.",
            check: "The client id, the secret, and how they are sent (Basic vs body).",
            fix: "Use the registered client id and secret with the registered method.",
            refs: &["OKT-11"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &["No client credentials found"],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-11",
            cause: "A confidential client sent no credentials: athenahealth requires the client_secret from apps that were issued one, even with PKCE.",
            check: "Whether the token request carries `client_secret` or a Basic header.",
            fix: "Add the client secret (body or Basic), as the client is registered.",
            refs: &["OKT-11", "ATH-05"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &["Found Authentication header but was not valid client credentials"],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "LINT-C11",
            cause: "The Authorization header is not valid Basic credentials: not base64 of `id:secret`, wrapped by base64, or another scheme.",
            check: "Decode the header value.",
            fix: "Use `base64 -w0` of `id:secret`, or curl `-u`.",
            refs: &["OKT-11", "LINT-C11"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &["Cannot supply multiple client credentials"],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-11",
            cause: "The client authenticated in two ways at once (Basic header and client_secret in the body, or a client_assertion too).",
            check: "The Authorization header and the body's client_secret/client_assertion.",
            fix: "Keep one method: the one the client is registered with.",
            refs: &["OKT-11"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &["Browser requests to the token endpoint must use Proof Key for Code Exchange"],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-11",
            cause: "The token request came from a browser (it had an Origin header) without PKCE.",
            check: "Whether /authorize carried a code_challenge and /token a code_verifier.",
            fix: "Use PKCE (S256) for browser-based apps.",
            refs: &["OKT-11", "SMART-06"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &["Invalid value for 'client_id' parameter"],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-11",
            cause: "The client id is unknown to this authorization server (another environment's id, or a typo).",
            check: "The client id against the registration for this host (preview vs production).",
            fix: "Use the client id issued for this environment.",
            refs: &["OKT-11", "ATH-01"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &["The refresh token is invalid or expired"],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-12",
            cause: "The refresh token was revoked, expired, or replaced by a newer one when rotation is on.",
            check: "Whether the stored refresh token is the latest one issued.",
            fix: "Store the newest refresh token after each refresh; when it is invalid, sign the user in again.",
            refs: &["OKT-12", "ATH-06"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &[
            "Some of the scopes requested for the refresh request were not granted in the original authorize request",
        ],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-12",
            cause: "The refresh request asks for scopes beyond those granted at authorization.",
            check: "The refresh request's scope against the original grant.",
            fix: "Request a subset of the original scopes, or omit `scope` in the refresh.",
            refs: &["OKT-12", "ATH-05"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &[
            "PKCE code challenge is required when the token endpoint authentication method is 'NONE'",
            "PKCE code challenge is required by the application",
        ],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-05",
            cause: "The client is public (no secret), and public clients must use PKCE, but the authorize request had no code_challenge.",
            check: "Whether the authorize URL carries code_challenge and code_challenge_method=S256.",
            fix: "Add PKCE: a fresh verifier per authorization, its S256 challenge at /authorize, the verifier at /token.",
            refs: &["OKT-05", "LINT-A14", "SMART-06"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &[
            "PKCE code verifier is required when the token endpoint authentication method is 'NONE'",
            "PKCE code verifier is required by the application",
        ],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-05",
            cause: "The token request of a public client carries no code_verifier.",
            check: "Whether `code_verifier` is in the token request body.",
            fix: "Send the verifier whose challenge went to /authorize.",
            refs: &["OKT-05"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &["PKCE code challenge method is not supported"],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-06",
            cause: "code_challenge_method is not `S256` (`plain`, or a misspelling such as `s256`).",
            check: "The code_challenge_method parameter.",
            fix: "Use `S256`.",
            refs: &["OKT-06", "LINT-A6"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &["PKCE code challenge contains illegal characters"],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-06",
            cause: "The challenge holds characters outside base64url (`+`, `/`, `=` from standard base64, or an encoding artefact).",
            check: "The challenge: 43 characters of `A-Z a-z 0-9 - _`.",
            fix: "base64url-encode the raw SHA-256 digest without padding.",
            refs: &["OKT-06", "RFC-03", "LINT-A5"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &[
            "PKCE code challenge should be specified in the authorize request for code verification",
        ],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-06",
            cause: "A code_verifier was sent at /token, but the authorize request had no code_challenge.",
            check: "Whether the authorize URL carried the challenge.",
            fix: "Send the challenge at /authorize, or omit the verifier.",
            refs: &["OKT-06"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &["The authentication request has an invalid 'state' parameter"],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-10",
            cause: "`state` is missing or holds characters Okta does not allow.",
            check: "The state parameter: letters, digits, comma, period, underscore, hyphen.",
            fix: "Send a random state of letters and digits on every /authorize request.",
            refs: &["OKT-10", "LINT-A7"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &[
            "The 'nonce' parameter is required for authorize requests with either the 'id_token' or 'token' response types",
        ],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-10",
            cause: "An implicit or hybrid response type was requested without a nonce.",
            check: "response_type and nonce.",
            fix: "Use `response_type=code`, or add a nonce.",
            refs: &["OKT-10", "ATH-02"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &["The access token cannot be presented in a query string"],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-18",
            cause: "The access token was sent as a URL parameter.",
            check: "The request URL for `access_token=`.",
            fix: "Send `Authorization: Bearer <token>` instead.",
            refs: &["OKT-18", "RFC-04", "LINT-A15"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &[
            "The access token cannot be specified in both the Authorization header and the request-body",
        ],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-18",
            cause: "The token was sent twice: in the Authorization header and in the body.",
            check: "Header and body.",
            fix: "Send it only in the Authorization header.",
            refs: &["OKT-18", "RFC-04"],
        }],
    },
    Entry {
        source: "okta",
        phrases: &[
            "The 'post_logout_redirect_uri' parameter must be a Logout redirect URI in the client app settings",
        ],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OKT-16",
            cause: "The post-logout redirect URI is not registered for the app.",
            check: "The post_logout_redirect_uri against the whitelisted ones.",
            fix: "Use a registered URI, or ask athena to whitelist it.",
            refs: &["OKT-16", "ATH-09"],
        }],
    },
    Entry {
        source: "athenahealth",
        phrases: &["You are not configured to access this Patient Portal"],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "ATH-12",
            cause: "The signed-in user has no patient records in the practice and brand named by `aud` (often a Developer Portal session signed in automatically).",
            check: "Which account signed in, and the aud's practice and brand.",
            fix: "Sign out of the Developer Portal (or use a private window) and sign in as a portal user of that practice.",
            refs: &["ATH-12", "ATH-03"],
        }],
    },
    Entry {
        source: "athenahealth",
        phrases: &["Incorrect permissions"],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "ATH-14",
            cause: "The app is not whitelisted for this practice's tablespace, or for this API (any non-GET call under Certified API access counts).",
            check: "The practice in the base URL against the tablespaces the app was activated for, and the method.",
            fix: "Have the customer request activation through their Customer Success Manager; use GET on certified APIs only.",
            refs: &["ATH-14"],
        }],
    },
    Entry {
        source: "athenahealth",
        phrases: &["Invalid permissions, incorrect scope passed"],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "ATH-15",
            cause: "The access token lacks the scope for this FHIR API: not permitted for the app, or denied by the user at consent (the 500 status is athena's, not standard).",
            check: "The scope in the token response against the API's scope.",
            fix: "Request the scope and make sure it is permitted and consented.",
            refs: &["ATH-15", "LINT-A17"],
        }],
    },
    Entry {
        source: "athenahealth",
        phrases: &["An unsupported Accept header was given"],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "ATH-16",
            cause: "The Accept header does not start with `application/json` or `application/json+fhir`: DSTU2 APIs reject R4's `application/fhir+json` and XML.",
            check: "The Accept header sent.",
            fix: "Send `Accept: application/json+fhir`.",
            refs: &["ATH-16"],
        }],
    },
    Entry {
        source: "oidc-provider",
        phrases: &["grant request is invalid"],
        mode: Mode::Exact,
        diagnoses: &[D {
            id: "OIDC-PROVIDER",
            cause: "oidc-provider's generic invalid_grant: it hides the specific cause (an expired, reused or unknown code, a redirect_uri or client mismatch, a failed PKCE check, an expired refresh token) and never sends it to the client.",
            check: "The server's side: oidc-provider puts the reason in the error's `error_detail`, visible in its debug log (`DEBUG=oidc-provider:*`) or a `grant.error` event listener.",
            fix: "Read the reason there; meanwhile check code reuse, redirect_uri equality and the PKCE verifier.",
            refs: &["RFC6749-5.2"],
        }],
    },
    Entry {
        source: "oidc-provider",
        phrases: &["client authentication failed", "client is invalid"],
        mode: Mode::Exact,
        diagnoses: &[D {
            id: "OIDC-PROVIDER",
            cause: "oidc-provider's generic invalid_client: a wrong secret, an unknown client id, or an authentication method other than the client's registered token_endpoint_auth_method; the specific cause is not sent.",
            check: "The client's registered token_endpoint_auth_method and secret; the reason is in the server's `error_detail` (debug log `DEBUG=oidc-provider:*`).",
            fix: "Authenticate with the registered method and secret.",
            refs: &["RFC6749-5.2", "RFC-02"],
        }],
    },
    Entry {
        source: "oidc-provider",
        phrases: &["redirect_uri did not match any of the client's registered redirect_uris"],
        mode: Mode::Prefix,
        diagnoses: &[D {
            id: "OIDC-PROVIDER",
            cause: "The redirect_uri is not one of the client's registered redirect_uris.",
            check: "The redirect_uri against the registration, character for character.",
            fix: "Register it, or send a registered one.",
            refs: &["RFC6749-4.1.2.1"],
        }],
    },
    Entry {
        source: "oidc-provider",
        phrases: &["invalid token provided"],
        mode: Mode::Exact,
        diagnoses: &[D {
            id: "OIDC-PROVIDER",
            cause: "The token presented is unknown, expired, or of the wrong type (oidc-provider does not say which).",
            check: "The token's expiry and which token was sent.",
            fix: "Use a current access token; refresh it when expired.",
            refs: &["RFC-04"],
        }],
    },
];

/// The generic meaning of an OAuth error code, for when nothing more specific matches.
pub fn generic(code: &str) -> Option<Diagnosis> {
    let (id, cause, check, fix) = match code {
        "invalid_request" => (
            "RFC6749-5.2",
            "The request is malformed: a required parameter is missing, repeated or has an unsupported value.",
            "Every required parameter, sent once, form-encoded.",
            "Send the parameters the endpoint requires.",
        ),
        "invalid_client" => (
            "RFC6749-5.2",
            "Client authentication failed: unknown client, wrong secret, or an unsupported authentication method.",
            "The client id, secret and authentication method.",
            "Authenticate as the client is registered.",
        ),
        "invalid_grant" => (
            "RFC6749-5.2",
            "The grant (code, refresh token, or the credentials behind it) is invalid, expired, revoked, issued to another client, or its redirect URI does not match.",
            "Code reuse and age, client id and redirect_uri equality with /authorize, the PKCE verifier.",
            "Start a new authorization and redeem its code once.",
        ),
        "unauthorized_client" => (
            "RFC6749-5.2",
            "The client is not allowed to use this grant type.",
            "The grant types enabled for the client.",
            "Use a grant type the client is registered for.",
        ),
        "unsupported_grant_type" => (
            "RFC6749-5.2",
            "The server does not support this grant type.",
            "The `grant_type` value and its spelling.",
            "Use a supported grant type.",
        ),
        "invalid_scope" => (
            "RFC6749-5.2",
            "A requested scope is unknown, malformed, or beyond what the client may request.",
            "Spelling, case, delimiters (single spaces) and encoding of the scope.",
            "Request only scopes the server knows and the client is permitted.",
        ),
        "access_denied" => (
            "RFC6749-4.1.2.1",
            "The user or the server's policy denied the request.",
            "The requested scopes and the user's rights.",
            "Request what the app is permitted; let the user retry.",
        ),
        "unsupported_response_type" => (
            "RFC6749-4.1.2.1",
            "The server does not support this response type for this client.",
            "`response_type`.",
            "Use `response_type=code`.",
        ),
        "server_error" => (
            "RFC6749-4.1.2.1",
            "The server failed unexpectedly.",
            "Whether it repeats; often a malformed parameter the server did not validate.",
            "Retry; if it persists, lint the request and contact the vendor with the correlation id.",
        ),
        "temporarily_unavailable" => (
            "RFC6749-4.1.2.1",
            "The server is overloaded or in maintenance.",
            "The vendor's status page.",
            "Retry later with backoff.",
        ),
        "invalid_token" => (
            "RFC-04",
            "The access token is expired, revoked, malformed, or for another resource server.",
            "The token's expiry and audience.",
            "Refresh the token or authorize again.",
        ),
        "insufficient_scope" => (
            "RFC-04",
            "The token lacks the scope this resource needs.",
            "The token's granted scope.",
            "Request the scope.",
        ),
        "login_required" | "consent_required" | "interaction_required" => (
            "OIDC-3.1.2.6",
            "Silent authentication (`prompt=none`) could not complete without the user.",
            "Whether `prompt=none` was sent.",
            "Repeat the authorization with the user present.",
        ),
        _ => return None,
    };
    Some(Diagnosis {
        id,
        cause: cause.to_string(),
        check: check.to_string(),
        fix: fix.to_string(),
        refs: vec![id],
    })
}

/// The tenant diagnosis for `oauth2:token:invalid-tenant`, which depends on whether
/// the echoed tenant is a UUID (CER-05, LINT-C1).
pub fn invalid_tenant(e: &ErrorUri) -> Vec<Diagnosis> {
    let tenant = e.tenant.clone().unwrap_or_default();
    let provisioning = Diagnosis {
        id: "CER-05",
        cause: format!("The tenant `{tenant}` is not registered, or not linked to this client: the client authenticated (client={}), but the authorization server has no such tenant for it.", e.client.as_deref().unwrap_or("?")),
        check: "The tenant id the health system gave you, and whether Oracle Health has enabled this app (this environment's client) for that tenant.".to_string(),
        fix: "Use the tenant's exact id; if it is right, ask Oracle Health to enable the app for that tenant.".to_string(),
        refs: vec!["CER-05", "CER-04", "CER-27"],
    };
    match near_uuid_problem(&tenant) {
        Some(problem) => {
            let repair = suggested_uuid(&tenant)
                .map(|s| format!(" Probably `{s}`."))
                .unwrap_or_default();
            vec![
                Diagnosis {
                    id: "LINT-C1",
                    cause: format!("The tenant sent, `{tenant}`, is malformed: it looks like a UUID but {problem}. The server echoes the tenant exactly as sent, so this is the value in your token URL."),
                    check: "The tenant segment of the token URL (`/tenants/{tenant}/...`) against the id the health system gave you.".to_string(),
                    fix: format!("Correct the tenant in the URL to an 8-4-4-4-12 hexadecimal UUID.{repair}"),
                    refs: vec!["LINT-C1", "CER-05", "CER-27"],
                },
                provisioning,
            ]
        }
        None => vec![provisioning],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrase_modes() {
        let grant = PHRASES
            .iter()
            .find(|e| e.diagnoses[0].id == "OKT-03")
            .unwrap();
        assert!(grant.matches("The grant was issued to another client. Please make sure the 'client_id' matches the one used at the authorize request."));
        assert!(grant.matches("The grant was issued to another client. Please make sure the 'client_id' matches the one used."));
        assert!(!grant.matches("The grant"));
        let oidc = PHRASES
            .iter()
            .find(|e| e.source == "oidc-provider" && e.phrases[0] == "client authentication failed")
            .unwrap();
        assert!(oidc.matches("client authentication failed"));
        assert!(!oidc.matches(
            "Client authentication failed. Either the client or the client credentials are invalid."
        ));
    }
}
