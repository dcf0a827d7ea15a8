@vendor-oracle-health @needs-login @needs-provider-client
Feature: Provider single sign-on with a confidential app
  A provider app sends the clinician to the tenant's provider authorize endpoint with
  aud set to the FHIR base URL, receives a code, and exchanges it at the token
  endpoint authenticating with HTTP Basic. Source: Oracle Health "FHIR Authorization
  Framework"; the forum report behind seed 001.

  @id:oracle-provider-code-exchange @CER-16 @CER-15 @SMART-11 @rfc6749-4.1
  Scenario: A provider app exchanges its code with HTTP Basic credentials
    Given the provider app
    When the user signs in and approves
    And the app redeems the code
    Then the token request succeeds
    And the access token lives 570 seconds
    And the token response carries Oracle Health's user, tenant and style context
    And the response forbids caching

  @id:oracle-provider-unknown-credentials @CER-06 @CER-04 @CER-02 @LINT-C7
  Scenario: A code exchange with Basic credentials the server does not recognise is refused
    Seed 001: the sign-in succeeded and a code came back, but the token request's
    Basic credentials do not belong to a confidential client, so the server cannot
    say which client it is talking to (client=unknown). The cause is the client's
    credentials, not the code, the grant or the tenant.
    Given the provider app
    When the user signs in and approves
    And the app redeems the code with a wrong client secret
    Then the token request is refused with 401 "invalid_client"
    And the error URN is "oauth2:token:invalid-client-credentials"
    And the failure is attributed to client authentication
    And the error echoes the tenant as sent
    And the error instance equals the correlation header

  @id:oracle-redirect-uri-trailing-slash @CER-18 @LINT-C8
  Scenario: The redirect URI at the token endpoint must match, trailing slash included
    Given the provider app
    When the user signs in and approves
    And the app redeems the code with the redirect URI "https://app.example.test/callback/"
    Then the token request is refused with 400 "invalid_grant"
    And the error URN is "oauth2:token:invalid-redirect-uri"

  @id:oracle-code-single-use @CER-21 @rfc6749-4.1.2 @fresh-sign-in
  Scenario: An authorization code can be exchanged only once
    Given the provider app
    When the user signs in and approves
    And the app redeems the code
    Then the token request succeeds
    When the app redeems the code a second time
    Then the token request is refused with 400 "invalid_grant"
    And the error URN is "oauth2:token:code-invalid-or-expired"

  @id:oracle-code-bound-to-client @CER-21 @needs-second-client
  Scenario: A code issued to one app cannot be exchanged by another
    Given the provider app
    When the user signs in and approves
    And another registered app redeems the code
    Then the token request is refused with 400 "invalid_grant"
    And the error URN is "oauth2:token:code:client:mismatch"

  @id:oracle-refresh-no-new-refresh-token @CER-17 @SMART-08
  Scenario: Refreshing returns a new access token but never a new refresh token
    Given the provider app
    And the app requests the scopes "openid fhirUser user/Patient.read offline_access"
    When the user signs in and approves
    And the app redeems the code
    Then the token response carries a refresh token
    When the app refreshes the tokens
    Then the token request succeeds
    And no refresh token is issued

  @id:oracle-refresh-unknown-token @CER-17
  Scenario: A refresh token the server never issued is refused
    Given the provider app
    When the user signs in and approves
    And the app redeems the code
    And the app refreshes with a refresh token the server never issued
    Then the token request is refused with 400 "invalid_grant"
    And the error URN is "oauth2:token:refresh-token:token-invalid"

  @id:oracle-provider-scopes-dropped @CER-10
  Scenario: Scopes the app is not registered for are dropped from the grant
    Given the provider app
    And the app requests the scopes "openid fhirUser user/Patient.read user/Immunization.read"
    When the user signs in and approves
    And the app redeems the code
    Then the token request succeeds
    And the granted scope does not include "user/Immunization.read"
    And the granted scope includes "user/Patient.read"

  @id:oracle-aud-missing @CER-19 @CER-20 @SMART-07
  Scenario: An authorization request without aud is refused by redirect
    Authorization errors reach the app as a redirect carrying error_uri, whose URN
    names the cause.
    Given the provider app
    And the app sends no aud
    When the user starts signing in
    Then the authorization is refused with "invalid_request"
    And the error URN is "smart-v1:grant:launch:audience-required"

  @id:oracle-aud-not-fhir-base @CER-19 @CER-20
  Scenario: An aud that is not the tenant's FHIR base is refused
    Given the provider app
    And the app sends the aud parameter encoded as "https%3A%2F%2Ffhir.example.test%2Fr4%2Fsomeone-else"
    When the user starts signing in
    Then the authorization is refused with "invalid_request"
    And the error URN is "smart-v1:grant:launch:audience-not-white-listed"

  @id:oracle-redirect-uri-unregistered @CER-20 @CER-18 @rfc6749-4.1.2.1
  Scenario: An unregistered redirect URI is shown an error instead of a redirect
    Given the provider app
    And the app uses the redirect URI "https://attacker.example/callback"
    When the user starts signing in
    Then the server shows an error page instead of redirecting

  @id:oracle-id-token-signed @CER-14 @oidc-core-3.1.3.7
  Scenario: The ID token is signed with a published key and names the app
    Given the provider app
    When the user signs in and approves
    And the app redeems the code
    Then the ID token is signed by a key the server publishes
    And the ID token was issued by the server to the app

  @id:oracle-provider-pkce-verifier @CER-23 @rfc7636-4.6
  Scenario: A provider app that adds PKCE must present the matching verifier
    PKCE support depends on the server's version (CER-23); a server that accepts a
    challenge must refuse a verifier that does not match it. The URN is not
    documented, so only the error code is checked (the payload is in the snapshot).
    Given the provider app
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And the app redeems the code with a different code verifier
    Then the token request is refused with 400 "invalid_grant"

  @id:oracle-code-expires-ten-minutes @CER-21 @rfc6749-4.1.2 @needs-clock
  Scenario: An authorization code does not outlive ten minutes
    Oracle Health does not document a code lifetime; RFC 6749 recommends at most ten
    minutes, so a code is probed eleven minutes after it was issued.
    Given the provider app
    When the user signs in and approves
    And the app redeems the code 660 seconds after it was issued
    Then the token request is refused with 400 "invalid_grant"
    And the error URN is "oauth2:token:code-invalid-or-expired"
