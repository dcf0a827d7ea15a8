@needs-login
Feature: The authorization code grant (RFC 6749 §4.1)
  The app sends the user to the authorization endpoint, gets a code back on its
  redirect URI together with the `state` it sent, and exchanges the code at the token
  endpoint. A code is short-lived, works once, and only for the client and redirect URI
  it was issued for; every refusal is `invalid_grant`, in JSON (RFC 6749 §5.2).

  @id:code-flow-public-pkce @rfc6749-4.1 @rfc6749-4.1.3 @rfc7636-4.5 @rfc6749-2.3.1
  Scenario: A public app with PKCE signs the user in and exchanges its code
    Given the public app
    When the user signs in and approves
    Then the app receives an authorization code
    When the app redeems the code
    Then the token request succeeds

  @id:code-state-returned @rfc6749-4.1.2 @rfc6749-10.12
  Scenario: The authorization response returns the state the app sent
    Given the public app
    When the user signs in and approves
    Then the redirect carries the state the app sent

  @id:code-error-state-returned @rfc6749-4.1.2.1 @rfc6749-10.12
  Scenario: An authorization error returns the state the app sent
    An error that can safely go back to the app (here: a response type no server
    offers) is redirected with the app's `state`, so the app can tie it to its request.
    Given the public app
    And the app asks for a response type no server offers
    When the user signs in and approves
    Then the authorization is refused with "unsupported_response_type" or "invalid_request"
    And the redirect carries the state the app sent

  @id:code-iss-returned @rfc9207-2 @rfc9700-4.4.2
  Scenario: The authorization response names the server as issuer
    RFC 9207 lets an app that talks to several servers tell which one answered (mix-up
    attacks). A server whose metadata advertises
    `authorization_response_iss_parameter_supported` (or whose profile states
    `capabilities.iss_parameter`) must send it, and an `iss` that is sent must be the
    issuer; a server that claims neither gets a warning when it is missing (RFC 9700
    §4.4.2 recommends it).
    Given the public app
    When the user signs in and approves
    Then the redirect carries the server's issuer (a MUST once the server advertises it)

  @id:code-single-use @rfc6749-4.1.2 @rfc6749-10.5 @rfc9700-4.5 @fresh-sign-in
  Scenario: A code works only once
    Given the public app
    When the user signs in and approves
    And the app redeems the code
    Then the token request succeeds
    When the app redeems the code a second time
    Then the token request is refused with 400 "invalid_grant"

  @id:code-replay-revokes-tokens @rfc6749-4.1.2 @rfc9700-4.5 @needs-confidential-client @needs-introspection @fresh-sign-in
  Scenario: A replayed code revokes the tokens issued for it
    RFC 6749 asks the server to revoke, when it can, every token already issued from a
    code that is presented again: the replay may come from an attacker. A SHOULD.
    Given the confidential app
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And the app redeems the code
    And the app redeems the code a second time
    Then the access token from the first redemption should no longer be active

  @id:code-expires-ten-minutes @rfc6749-4.1.2 @needs-clock
  Scenario: A code older than ten minutes is refused
    RFC 6749 recommends a lifetime of at most 10 minutes.
    Given the public app
    When the user signs in and approves
    And the app redeems the code 601 seconds after it was issued
    Then the token request is refused with 400 "invalid_grant"

  @id:code-bound-to-client @rfc6749-4.1.3 @rfc6749-10.5 @needs-second-client @needs-confidential-client
  Scenario: A code issued to one app is refused to another
    Given the confidential app
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And another registered app redeems the code
    Then the token request is refused with 400 "invalid_grant"

  @id:code-bound-to-redirect-uri @rfc6749-4.1.3 @rfc6749-10.6
  Scenario: A code is refused with a redirect URI other than the one it was issued for
    Given the public app
    When the user signs in and approves
    And the app redeems the code with the redirect URI "https://app.example.test/other-callback"
    Then the token request is refused with 400 "invalid_grant"

  @id:code-unknown-invalid-grant @rfc6749-5.2 @RFC-02
  Scenario: A code the server never issued is refused as invalid_grant, in JSON
    Given the public app
    When the app redeems a code the server never issued
    Then the token request is refused with 400 "invalid_grant"
    And the error is a registered OAuth error with a printable description
