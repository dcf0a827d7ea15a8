@needs-login
Feature: Proof Key for Code Exchange (RFC 7636, RFC 9700 §2.1.1, §4.8.2)
  The app keeps a random code verifier and sends its SHA-256 hash (the S256 challenge)
  with the authorization request; at the token endpoint it proves possession with the
  verifier. A wrong verifier is `invalid_grant` (RFC 7636 §4.6); a missing or malformed
  one is refused too, as `invalid_grant` or `invalid_request` (the RFC fixes no code for
  those). A verifier for a request that had no challenge is refused: otherwise an
  attacker could strip the challenge and use a stolen code (the PKCE downgrade, RFC 9700
  §4.8.2). Requiring PKCE of public clients and refusing `plain` are what SMART App
  Launch v2 demands of every server; elsewhere they are the server's policy, so a
  server that allows them gets a warning, not a failure.

  @id:pkce-wrong-verifier @rfc7636-4.6 @rfc7636-4.4.1 @RFC-03 @SMART-06
  Scenario: A wrong code verifier is refused
    Given the public app
    When the user signs in and approves
    And the app redeems the code with a different code verifier
    Then the token request is refused with 400 "invalid_grant"

  @id:pkce-missing-verifier @rfc7636-4.6 @rfc7636-4.5 @RFC-03 @SMART-06
  Scenario: A missing code verifier is refused
    Given the public app
    When the user signs in and approves
    And the app redeems the code without a code verifier
    Then the token request is refused with 400 "invalid_grant" or "invalid_request"

  @id:pkce-short-verifier @rfc7636-4.1 @rfc7636-4.6 @RFC-03
  Scenario: A code verifier shorter than 43 characters is refused
    Given the public app
    When the user signs in and approves
    And the app redeems the code with a 42-character code verifier
    Then the token request is refused with 400 "invalid_grant" or "invalid_request"

  @id:pkce-plain-refused @rfc9700-2.1.1 @rfc7636-4.4.1 @smart-v2 @RFC-03 @SMART-06
  Scenario: The plain PKCE method is refused
    Given the public app
    And the app uses PKCE with the plain method
    When the user signs in and approves
    Then the authorization is refused with "invalid_request" (a MUST under SMART v2, a SHOULD elsewhere)

  @id:pkce-public-needs-challenge @rfc9700-2.1.1 @rfc7636-4.4.1 @smart-v2 @SMART-06
  Scenario: A public client without a code challenge is refused
    Given the public app
    And the app sends no code challenge
    When the user signs in and approves
    Then the authorization is refused with "invalid_request" (a MUST under SMART v2, a SHOULD elsewhere)

  @id:pkce-verifier-without-challenge @rfc9700-4.8.2 @rfc7636-4.6 @needs-confidential-client
  Scenario: A code verifier for a request that had no challenge is refused
    A server that requires PKCE from every client refuses the authorization request
    itself, which also closes the downgrade.
    Given the confidential app
    And the app sends no code challenge
    When the user signs in and approves
    And the app redeems the code with a code verifier although it sent no challenge
    Then the PKCE downgrade is refused
