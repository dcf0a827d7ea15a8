//! Fault switches: each one breaks exactly one documented behaviour, so that every
//! conformance check can be shown to fail against this emulator.

fault_switches! {
    "oracle-health":
    AcceptUnknownTenant => "accept-unknown-tenant",
        "the token endpoint serves a tenant that is not registered instead of invalid-tenant (CER-05)";
    TenantNotEchoed => "tenant-not-echoed",
        "error_uri carries the tenant lower-cased and trimmed instead of exactly as sent (CER-05, CER-27)";
    CorrelationIdMismatch => "correlation-id-mismatch",
        "the Cerner-Correlation-Id header differs from the error_uri instance id (CER-03)";
    AddErrorDescription => "add-error-description",
        "token errors carry an error_description member besides error and error_uri (CER-02)";
    ClientIdInErrorUriOnAuthFailure => "client-id-in-error-uri-on-auth-failure",
        "a client authentication failure names the claimed client id instead of client=unknown (CER-04)";
    TokenAuthFailureStatus400 => "token-auth-failure-status-400",
        "invalid_client is answered with 400 instead of 401 (CER-06, CER-07)";
    AcceptWrongSecret => "accept-wrong-secret",
        "HTTP Basic credentials with a registered client id pass whatever the secret (CER-06)";
    BearerHeaderAcceptedAsClientAuth => "bearer-header-accepted-as-client-auth",
        "an Authorization: Bearer assertion authenticates the client named in it instead of invalid-authorization-header (CER-07)";
    EmptyScopesGrantsAnyway => "empty-scopes-grants-anyway",
        "a request left with no grantable scope gets a token with an empty scope instead of empty-scopes (CER-09)";
    FailOnPartialScopes => "fail-on-partial-scopes",
        "a request with some ungrantable scopes is refused instead of narrowed silently (CER-10)";
    GrantWildcardScopes => "grant-wildcard-scopes",
        "wildcard scopes such as system/*.read are granted instead of dropped (CER-11)";
    IssueRefreshTokenForClientCredentials => "issue-refresh-token-for-client-credentials",
        "client_credentials responses carry a refresh_token (CER-12)";
    RefreshReturnsNewRefreshToken => "refresh-returns-new-refresh-token",
        "a refresh response carries a new refresh_token (CER-17)";
    WrongExpiresIn => "wrong-expires-in",
        "token responses report expires_in 3600 instead of 570 (CER-15)";
    OmitCernerExtras => "omit-cerner-extras",
        "authorization_code token responses lack user, username and tenant (CER-16)";
    OmitCacheControl => "omit-cache-control",
        "token responses lack Cache-Control: no-store (CER-16)";
    IgnoreRedirectMismatch => "ignore-redirect-mismatch",
        "a token request's redirect_uri is not compared with the authorize request's (CER-18)";
    TrailingSlashLenient => "trailing-slash-lenient",
        "a redirect_uri differing only by a trailing slash is accepted at the token endpoint (CER-18)";
    AllowCodeReuse => "allow-code-reuse",
        "authorization codes can be redeemed more than once (CER-21)";
    CodesNeverExpire => "codes-never-expire",
        "authorization codes never expire (CER-21)";
    IgnoreClientMismatch => "ignore-client-mismatch",
        "a code issued to one client can be redeemed by another (CER-21)";
    AcceptAnyVerifier => "accept-any-verifier",
        "the PKCE code_verifier is not checked against the S256 challenge (CER-23)";
    AcceptInvalidRefreshToken => "accept-invalid-refresh-token",
        "refresh tokens the server never issued, or revoked, are honoured (CER-17)";
    AudNotRequired => "aud-not-required",
        "an authorize request without aud is served instead of audience-required (CER-19)";
    AuthorizeErrorsNotRedirected => "authorize-errors-not-redirected",
        "authorize errors for a trusted redirect URI are shown as a page instead of redirected (CER-20)";
    Fhir403Plain => "fhir-403-plain",
        "the FHIR 403 for a missing scope lacks the insufficient-scopes URN body (CER-22)";
    DiscoveryAdvertisesPlainPkce => "discovery-advertises-plain-pkce",
        "the SMART configuration advertises code_challenge_methods_supported with plain (CER-13, CER-23)";
    LegacyUnderscoreUrns => "legacy-underscore-urns",
        "client-authentication URNs use the historical underscore spellings (CER-07, CER-21)";
    RedirectErrorsToUnregisteredUri => "redirect-errors-to-unregistered-uri",
        "an unregistered redirect URI receives the authorization error as a redirect instead of the error page (CER-20)";
    IdTokenWrongAudience => "id-token-wrong-audience",
        "the ID token's aud is not the client id (CER-14)";
    UnlistedUrnChange => "unlisted-urn-change",
        "an unknown tenant at the token endpoint is reported as oauth2:grant:unknown-tenant instead of oauth2:token:invalid-tenant (CER-05)";
    TokenErrorsNotJson => "token-errors-not-json",
        "token endpoint errors are text/plain instead of the JSON error envelope (CER-02, RFC6749-5.2)";
    TooManyScopes500 => "too-many-scopes-500",
        "a request for too many scopes is answered with 500 instead of a 4xx refusal (CER-26)";
    TooManyScopesGatewayError => "too-many-scopes-gateway-error",
        "a request for too many scopes is refused with a gateway's JSON message and no error member (CER-26, RFC6749-5.2)";
    GrantErrorsNameUnknownClient => "grant-errors-name-unknown-client",
        "token errors after a successful client authentication say client=unknown instead of the client id (CER-04)";
    OmitErrorUri => "omit-error-uri",
        "token errors carry no error_uri, so the cause URN is lost (CER-02)";
    ErrorUriGenericPage => "error-uri-generic-page",
        "token errors' error_uri points to the generic errors page instead of the error's URN and instance (CER-02)";
    ErrorUriUrnUnencoded => "error-uri-urn-unencoded",
        "the URN in token errors' error_uri is not percent-encoded (CER-02)";
    TokenTenantUpperCased => "token-tenant-upper-cased",
        "the token response's tenant is upper-cased instead of the tenant id as registered (CER-16)";
    FhirReadsOtherPatients => "fhir-reads-other-patients",
        "a patient-level token reads a Patient record other than the patient in context (SMART-05)";
    CapabilityStatementNoOauthUris => "capability-statement-no-oauth-uris",
        "the FHIR CapabilityStatement lacks the oauth-uris security extension (SMART-12)";
    SmartConfigOmitsPrivateKeyJwt => "smart-config-omits-private-key-jwt",
        "the SMART configuration leaves private_key_jwt out of token_endpoint_auth_methods_supported (CER-13, CER-25)";
}
