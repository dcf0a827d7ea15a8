//! Fault switches: each one breaks exactly one documented behaviour, so that every
//! conformance check can be shown to fail against this emulator.

fault_switches! {
    "athenahealth":
    AcceptAnyVerifier => "accept-any-verifier",
        "PKCE verifier is not checked against the code challenge (OKT-01)";
    AllowCodeReuse => "allow-code-reuse",
        "authorization codes can be redeemed more than once (OKT-02)";
    CodesNeverExpire => "codes-never-expire",
        "authorization codes never expire (OKT-02)";
    CodeLifetime60s => "code-lifetime-60s",
        "authorization codes expire after 60 s instead of 300 s (OKT-02)";
    IgnoreClientMismatch => "ignore-client-mismatch",
        "a code issued to one client can be redeemed by another (OKT-03)";
    IgnoreRedirectMismatch => "ignore-redirect-mismatch",
        "redirect_uri at the token endpoint is not compared with the authorize request (OKT-04)";
    RedirectErrorsToUnregisteredUri => "redirect-errors-to-unregistered-uri",
        "an unregistered redirect_uri receives the error as a redirect instead of an error page (OKT-09)";
    DropState => "drop-state",
        "the authorization response omits state (OKT-10)";
    OmitCacheControl => "omit-cache-control",
        "token responses lack Cache-Control: no-store (SMART-01)";
    AllowPlainPkce => "allow-plain-pkce",
        "code_challenge_method=plain is accepted (OKT-06)";
    PkceOptionalForPublicClients => "pkce-optional-for-public-clients",
        "public clients may authorize without a code_challenge (OKT-05)";
    AcceptUnknownScopes => "accept-unknown-scopes",
        "scopes not defined on the authorization server are accepted (OKT-07)";
    LenientScopeDelimiters => "lenient-scope-delimiters",
        "semicolon-delimited and double-encoded scopes are accepted (OKT-07)";
    CaseInsensitiveScopes => "case-insensitive-scopes",
        "scope names are matched case-insensitively (RFC-01)";
    IgnoreScopePolicy => "ignore-scope-policy",
        "scopes outside the app's permitted set are granted (OKT-08, ATH-04)";
    LenientAud => "lenient-aud",
        "a malformed or double-encoded aud is accepted (ATH-11)";
    RejectJsonAud => "reject-json-aud",
        "the JSON form of aud fails with error in workflowHandler (ATH-03)";
    RefreshWithoutOfflineAccess => "refresh-without-offline-access",
        "a refresh token is issued without offline_access (OKT-12, ATH-06)";
    RefreshScopeEscalation => "refresh-scope-escalation",
        "a refresh may add scopes beyond the original grant (OKT-12)";
    RefreshIgnoresScopeSubset => "refresh-ignores-scope-subset",
        "a refresh returns the full original scope instead of the requested subset (ATH-05)";
    AcceptInvalidRefreshToken => "accept-invalid-refresh-token",
        "unknown, revoked or foreign refresh tokens are accepted (OKT-12)";
    SignWithUnpublishedKey => "sign-with-unpublished-key",
        "id_token is signed with a key that /keys does not publish (OKT-15)";
    IdTokenWrongAudience => "id-token-wrong-audience",
        "id_token aud is not the client_id (ATH-02)";
    IdTokenDropsNonce => "id-token-drops-nonce",
        "id_token omits the nonce sent at authorize (OKT-10, ATH-02)";
    IdTokenWrongIssuer => "id-token-wrong-issuer",
        "id_token iss is not the authorization server's issuer (OKT-15)";
    IdTokenExpired => "id-token-expired",
        "id_token is already expired when issued (ATH-06)";
    OmitPim => "omit-pim",
        "id_token lacks the pim claim despite the PatientMappings scope (ATH-08)";
    OmitPatientContext => "omit-patient-context",
        "token response lacks the patient launch context (ATH-07)";
    IntrospectRevokedAsActive => "introspect-revoked-as-active",
        "revoked tokens introspect as active (OKT-13)";
    RevokeFailsForUnknownToken => "revoke-fails-for-unknown-token",
        "revoking an unknown token fails with 400 instead of 200 (OKT-14)";
    LogoutDropsState => "logout-drops-state",
        "the logout redirect omits state (OKT-16)";
    LogoutAcceptsAnyRedirect => "logout-accepts-any-redirect",
        "logout redirects to an unregistered post_logout_redirect_uri (OKT-16)";
    LogoutRevokesTokens => "logout-revokes-tokens",
        "logout revokes the user's access and refresh tokens (ATH-09)";
    SessionSurvivesLogout => "session-survives-logout",
        "the login session stays active after logout (ATH-09, OKT-16)";
    AcceptFhirJsonAcceptHeader => "accept-fhir-json-accept-header",
        "FHIR accepts Accept: application/fhir+json instead of answering 406 (ATH-16)";
    FhirScopeError403 => "fhir-scope-error-403",
        "FHIR answers a missing scope with 403 insufficient_scope instead of the documented 500 (ATH-15)";
    AcceptWrongSecret => "accept-wrong-secret",
        "a wrong client secret is accepted (OKT-11)";
    AcceptMissingSecret => "accept-missing-secret",
        "a confidential client may omit its secret (OKT-11)";
    LegacyOktaWording => "legacy-okta-wording",
        "missing-PKCE errors use the pre-2022.07 wording (OKT-05)";
    PkceErrorWithReason => "pkce-error-with-reason",
        "PKCE mismatch uses the newer with-reason wording (OKT-01)";
    ConsentIgnored => "consent-ignored",
        "scopes the user unchecked at consent are still granted (ATH-04)";
    IgnorePortalAccess => "ignore-portal-access",
        "users without access to the practice's patient portal still get a code (ATH-12)";
    OmitExpiresIn => "omit-expires-in",
        "token response lacks expires_in (SMART-01, OKT-17)";
    RejectFhirUrlAud => "reject-fhir-url-aud",
        "an aud naming the practice by its FHIR base URL gets the workflowHandler 500 (ATH-03)";
    KeysWithoutKid => "keys-without-kid",
        "the keys endpoint publishes keys without a kid, so tokens cannot be matched to keys (OKT-15)";
    WrongErrorStatus => "wrong-error-status",
        "token endpoint answers its 400 errors with 401 (RFC-02)";
    RevokeAnswersJson => "revoke-answers-json",
        "revocation answers 200 with a JSON body instead of an empty one (OKT-14)";
    KeysWithoutMaxAge => "keys-without-max-age",
        "the keys endpoint sends no Cache-Control max-age, so clients cannot tell how long to cache its keys (OKT-15)";
    KeysEmpty => "keys-empty",
        "the keys endpoint publishes an empty key set (OKT-15)";
    PimWithoutPatientMappings => "pim-without-patient-mappings",
        "id_token carries pim although the PatientMappings scope was not granted (ATH-08)";
    SessionIgnored => "session-ignored",
        "a live login session is ignored: every authorization asks for credentials again (ATH-09)";
    WorkflowError200 => "workflow-error-200",
        "the error in workflowHandler page is served with 200 instead of 500 (ATH-03, ATH-11)";
    FhirReadReturnsBundle => "fhir-read-returns-bundle",
        "a FHIR read (GET [type]/[id]) answers with a searchset Bundle instead of the resource (ATH-07)";
}
