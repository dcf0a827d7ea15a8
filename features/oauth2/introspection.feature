@needs-login @needs-introspection
Feature: Token introspection (RFC 7662)
  A protected resource asks the server whether a token is active. Active tokens are
  reported with `active: true`; revoked, expired or unknown ones only as
  `active: false`. The endpoint must not answer just anyone, or it becomes a tool for
  guessing tokens.

  @id:introspect-active @rfc7662-2.2 @needs-confidential-client
  Scenario: An active access token is reported active
    Given the confidential app
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And the app redeems the code
    And the app introspects the access token
    Then the introspection reports the token active

  @id:introspect-revoked-inactive @rfc7662-2.2 @rfc7009-2 @needs-confidential-client @fresh-sign-in
  Scenario: A revoked access token is reported inactive
    Given the confidential app
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And the app redeems the code
    And the app revokes the access token
    And the app introspects the access token
    Then the introspection reports the token inactive

  @id:introspect-needs-client-auth @rfc7662-2.1 @rfc7662-4 @needs-confidential-client
  Scenario: Introspection without client authentication is refused
    RFC 7662 makes the server refuse it but fixes no answer for a request with no
    credentials at all; a refusal other than RFC 6749's JSON `invalid_client` is a
    warning.
    Given the confidential app
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And the app redeems the code
    And the app introspects the access token without authenticating
    Then the introspection is refused
