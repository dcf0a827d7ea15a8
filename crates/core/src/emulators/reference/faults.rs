//! Fault switches: each one breaks exactly one spec rule the reference server follows,
//! so that every conformance check can be shown to fail against it.

fault_switches! {
    "reference":
    DiscoveryIssuerMismatch => "discovery-issuer-mismatch",
        "the metadata issuer has a trailing slash, so it differs from the URL it was fetched from (OIDC-Discovery-4.3, RFC8414-3.3)";
    DiscoveryMissingRequired => "discovery-missing-required",
        "the metadata lacks the required subject_types_supported (OIDC-Discovery-3)";
    DiscoveryAdvertisesPlainPkce => "discovery-advertises-plain-pkce",
        "the OpenID and SMART metadata list plain in code_challenge_methods_supported (RFC9700-2.1.1, SMART-03)";
    DiscoveryOffersImplicit => "discovery-offers-implicit",
        "the metadata offers the token response type and the implicit and password grants (RFC9700-2.1.2, RFC9700-2.4)";
    SmartConfigIncomplete => "smart-config-incomplete",
        "the SMART configuration lacks the required capabilities (SMART-03)";
    CapabilityStatementNoOauthUris => "capability-statement-no-oauth-uris",
        "the CapabilityStatement lacks the oauth-uris security extension (SMART-12)";
    DropState => "drop-state",
        "the successful authorization response omits state (RFC6749-4.1.2)";
    AuthorizeErrorsDropState => "authorize-errors-drop-state",
        "authorization error redirects omit state (RFC6749-4.1.2.1)";
    AuthorizeOmitsIss => "authorize-omits-iss",
        "authorization responses omit the iss parameter (RFC9207-2)";
    ImplicitGrantOffered => "implicit-grant-offered",
        "response_type=token is answered with an access token in the fragment (RFC9700-2.1.2)";
    RedirectUriPrefixMatch => "redirect-uri-prefix-match",
        "a registered redirect URI with an added path or query is accepted (RFC9700-2.1)";
    RedirectUriCaseInsensitive => "redirect-uri-case-insensitive",
        "redirect URIs are compared ignoring case (RFC9700-2.1)";
    RedirectUriAnyPort => "redirect-uri-any-port",
        "a registered non-loopback redirect URI on another port is accepted (RFC9700-2.1)";
    RedirectErrorsToUnregisteredUri => "redirect-errors-to-unregistered-uri",
        "an unregistered redirect_uri receives an error redirect instead of an error page (RFC9700-4.11, RFC6749-4.1.2.1)";
    FrameablePages => "frameable-pages",
        "the login, consent and error pages lack X-Frame-Options and frame-ancestors (RFC9700-4.16)";
    LoginAnswers307 => "login-answers-307",
        "the credentials form post is answered with 307, which re-posts the password (RFC9700-4.12)";
    AllowCodeReuse => "allow-code-reuse",
        "an authorization code can be redeemed more than once (RFC6749-4.1.2)";
    JwtSignatureUnchecked => "jwt-signature-unchecked",
        "a private_key_jwt assertion is accepted without checking its signature (RFC7523-3, OIDC-Core-9)";
    JwtAudienceUnchecked => "jwt-audience-unchecked",
        "a private_key_jwt assertion addressed to another server is accepted (RFC7523-3)";
    JwtExpiryUnchecked => "jwt-expiry-unchecked",
        "an expired private_key_jwt assertion is accepted (RFC7523-3)";
    JwtReplayAccepted => "jwt-replay-accepted",
        "a private_key_jwt assertion whose jti the client already used, before that assertion expired, is accepted again (RFC7523-3, SMART-10)";
    DiscoveryOmitsJwtAuth => "discovery-omits-jwt-auth",
        "the OpenID and SMART metadata leave out private_key_jwt, its signing algorithms and client-confidential-asymmetric although client assertions are accepted (RFC8414-2, SMART-10)";
    JwtOnlyRs256 => "jwt-only-rs256",
        "private_key_jwt assertions signed with anything but RS256 are refused although RS384 and ES384 are advertised (SMART-10)";
    ReplayKeepsTokens => "replay-keeps-tokens",
        "a replayed code is refused but the tokens of its first use stay active (RFC6749-4.1.2)";
    CodesNeverExpire => "codes-never-expire",
        "authorization codes never expire (RFC6749-4.1.2)";
    IgnoreClientMismatch => "ignore-client-mismatch",
        "a code issued to one client is redeemed by another (RFC6749-4.1.3)";
    IgnoreRedirectMismatch => "ignore-redirect-mismatch",
        "redirect_uri at the token endpoint is not compared with the authorization request (RFC6749-4.1.3)";
    UnknownCodeInvalidRequest => "unknown-code-invalid-request",
        "an unknown code is refused with invalid_request instead of invalid_grant (RFC6749-5.2)";
    PasswordGrantOffered => "password-grant-offered",
        "the resource owner password grant issues tokens (RFC9700-2.4)";
    TokenErrorsNotJson => "token-errors-not-json",
        "token endpoint errors are text/plain instead of JSON (RFC6749-5.2)";
    ErrorDescriptionNonAscii => "error-description-non-ascii",
        "token endpoint error descriptions contain characters outside printable ASCII (RFC6749-5.2)";
    AcceptAnyVerifier => "accept-any-verifier",
        "a wrong code_verifier is accepted (RFC7636-4.6)";
    PkceVerifierOptional => "pkce-verifier-optional",
        "a missing code_verifier is accepted when a challenge was sent (RFC7636-4.6, SMART-06)";
    AllowPlainPkce => "allow-plain-pkce",
        "code_challenge_method=plain (also by default) is accepted (RFC9700-2.1.1, SMART-06)";
    PkceOptionalForPublicClients => "pkce-optional-for-public-clients",
        "a public client may authorize without a code_challenge (RFC9700-2.1.1)";
    PkceDowngradeAccepted => "pkce-downgrade-accepted",
        "a code_verifier is accepted for a code issued without a challenge (RFC9700-4.8.2)";
    PkceAcceptsShortVerifier => "pkce-accepts-short-verifier",
        "the code_verifier length is not checked (RFC7636-4.1)";
    TokenTypeNotBearer => "token-type-not-bearer",
        "token_type is mac instead of Bearer (RFC6749-7.1, SMART-01)";
    OmitCacheControl => "omit-cache-control",
        "token responses lack Cache-Control: no-store and Pragma: no-cache (RFC6749-5.1, SMART-01)";
    TokenResponseHidesScopeChange => "token-response-hides-scope-change",
        "the token response omits scope when the granted scope differs from the request (RFC6749-3.3, SMART-01)";
    BasicAuthBroken => "basic-auth-broken",
        "valid client_secret_basic credentials are refused (RFC6749-2.3.1)";
    PostAuthBroken => "post-auth-broken",
        "valid client_secret_post credentials are refused (RFC6749-2.3.1)";
    InvalidClientWithoutChallenge => "invalid-client-without-challenge",
        "invalid_client is a 400 without WWW-Authenticate (RFC6749-5.2, RFC-02)";
    UnknownClientInvalidGrant => "unknown-client-invalid-grant",
        "an unknown client is refused with invalid_grant instead of invalid_client (RFC6749-5.2)";
    AuthMethodNotEnforced => "auth-method-not-enforced",
        "a client may authenticate with a method other than the one it registered (OIDC-Core-9, RFC7591-2)";
    TwoAuthMethodsAccepted => "two-auth-methods-accepted",
        "credentials in both the Authorization header and the body are accepted (RFC6749-2.3)";
    MissingSecretAccepted => "missing-secret-accepted",
        "a confidential client may leave out its secret (RFC6749-3.2.1)";
    PublicRefreshNeedsClientId => "public-refresh-needs-client-id",
        "a public client's refresh without client_id is refused with invalid_client although its refresh token names it (RFC6749-6)";
    RefreshIgnoresScope => "refresh-ignores-scope",
        "a refresh asking for a narrower scope gets the original scope (RFC6749-6)";
    RefreshWidensScope => "refresh-widens-scope",
        "a refresh may add scopes beyond the original grant (RFC6749-6)";
    RefreshNotBoundToClient => "refresh-not-bound-to-client",
        "a refresh token works for another client (RFC6749-10.4, RFC9700-2.2.2)";
    NoRefreshRotation => "no-refresh-rotation",
        "a public client's refresh token is not rotated (RFC9700-4.14.2)";
    RefreshReplayUndetected => "refresh-replay-undetected",
        "a rotated-out refresh token still works (RFC9700-4.14.2)";
    RefreshReplayKeepsFamily => "refresh-replay-keeps-family",
        "a replayed refresh token is refused but the current one stays valid (RFC9700-4.14.2)";
    FhirReadsOtherPatients => "fhir-reads-other-patients",
        "a patient-level token reads the record of a patient other than the one in context (SMART-05)";
    IntrospectionAlwaysInactive => "introspection-always-inactive",
        "introspection reports every token inactive (RFC7662-2.2)";
    IntrospectionOpen => "introspection-open",
        "introspection answers without client authentication (RFC7662-2.1)";
    RevocationIgnored => "revocation-ignored",
        "revocation answers 200 but the token stays valid (RFC7009-2.1)";
    RevokeUnknownToken400 => "revoke-unknown-token-400",
        "revoking an unknown token fails with 400 instead of 200 (RFC7009-2.2)";
    RevokeRefreshKeepsAccess => "revoke-refresh-keeps-access",
        "revoking a refresh token leaves the access tokens of its grant active (RFC7009-2.1)";
    ClientCredentialsRefreshToken => "client-credentials-refresh-token",
        "the client credentials grant issues a refresh token (RFC6749-4.4.3)";
    ClientCredentialsAnyClient => "client-credentials-any-client",
        "clients not registered for client credentials may use it (RFC6749-4.4, RFC6749-5.2)";
    IdTokenUnknownKid => "id-token-unknown-kid",
        "the ID token header names a kid the JWKS does not publish (OIDC-Core-10.1)";
    IdTokenWrongAud => "id-token-wrong-aud",
        "the ID token aud is not the client_id (OIDC-Core-3.1.3.7)";
    IdTokenExpired => "id-token-expired",
        "the ID token is expired when issued (OIDC-Core-3.1.3.7)";
    IdTokenDropsNonce => "id-token-drops-nonce",
        "the ID token omits the nonce of the authorization request (OIDC-Core-3.1.3.7)";
    UserinfoWithoutChallenge => "userinfo-without-challenge",
        "userinfo 401s lack WWW-Authenticate: Bearer (RFC6750-3)";
    UserinfoRefusesValidToken => "userinfo-refuses-valid-token",
        "userinfo refuses a valid access token (OIDC-Core-5.3)";
    SmartV2ScopesRefused => "smart-v2-scopes-refused",
        "SMART v2 resource scopes are refused with invalid_scope (SMART-04)";
    SmartV1ScopesRefused => "smart-v1-scopes-refused",
        "SMART v1 resource scopes are refused with invalid_scope (SMART-04)";
    NoPatientContext => "no-patient-context",
        "the token response lacks the patient of a launch/patient grant (SMART-02, SMART-05)";
    SmartV2ScopesDropped => "smart-v2-scopes-dropped",
        "SMART v2 resource scopes are silently left out of the grant (SMART-04)";
    OmitPragma => "omit-pragma",
        "token responses carry Cache-Control: no-store but no Pragma: no-cache (RFC6749-5.1)";
    LongLivedAccessTokens => "long-lived-access-tokens",
        "access tokens live 24 hours, beyond the hour SMART recommends (SMART-01)";
    ExpiresInFractional => "expires-in-fractional",
        "expires_in is written as a decimal number (3600.0) instead of digits (RFC6749-A.14)";
    ExpiresInAsString => "expires-in-as-string",
        "expires_in is a JSON string (\"3600\") instead of a number (RFC6749-5.1)";
    InvalidClientBearerChallenge => "invalid-client-bearer-challenge",
        "invalid_client after HTTP Basic challenges with Bearer instead of Basic (RFC6749-5.2)";
    UserinfoWrongSubject => "userinfo-wrong-subject",
        "userinfo names the user by an internal account id instead of the ID token's sub (OIDC-Core-5.3.2)";
    DiscoveryOmitsPkceMethods => "discovery-omits-pkce-methods",
        "the OpenID metadata lacks code_challenge_methods_supported (RFC9700-2.1.1)";
    DiscoveryListsNoPkceMethods => "discovery-lists-no-pkce-methods",
        "the OpenID metadata lists an empty code_challenge_methods_supported, without S256 (RFC7636-4.2)";
    SmartConfigLacksPermissionV2 => "smart-config-lacks-permission-v2",
        "the SMART configuration's capabilities leave out permission-v2 although v2 scopes are granted (SMART-03)";
    IntrospectionTimesAsStrings => "introspection-times-as-strings",
        "introspection gives exp and iat as date strings instead of NumericDate seconds (RFC7662-2.2)";
    JwksModulusLeadingZero => "jwks-modulus-leading-zero",
        "the JWKS modulus n keeps a leading zero octet (RFC7518-6.3.1.1)";
}
