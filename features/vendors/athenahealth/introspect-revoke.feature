@vendor-athenahealth @needs-login @needs-introspection
Feature: Token introspection and revocation at athenahealth
  athenahealth supports Okta's /introspect and /revoke. Introspection is a POST with
  client authentication (athena's current documentation labels it GET). Revocation
  answers 200 with an empty body whatever the token, so it leaks nothing.

  @id:athena-introspect-active @OKT-13 @ATH-18 @LINT-A16 @rfc7662-2.2 @needs-confidential-client
  Scenario: Introspecting a fresh access token reports it active
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code
    And the app introspects the access token
    Then the introspection reports the token active

  @id:athena-introspect-revoked-inactive @OKT-13 @OKT-14 @rfc7009-2.2 @rfc7662-2.2 @needs-confidential-client @fresh-sign-in
  Scenario: athenahealth reports a revoked access token inactive
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code
    And the app revokes the access token
    Then the revocation succeeds with an empty body
    When the app introspects the access token
    Then the introspection reports the token inactive

  @id:athena-revoke-unknown-token @OKT-14 @rfc7009-2.2 @needs-confidential-client
  Scenario: Revoking a token the server never issued still succeeds
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code
    And the app revokes a token the server never issued
    Then the revocation succeeds with an empty body

  @id:athena-revoked-refresh-token @OKT-13 @OKT-14 @needs-confidential-client @fresh-sign-in
  Scenario: A revoked refresh token can no longer be used
    Given the confidential app
    And the app requests the scopes "openid offline_access patient/Patient.read"
    When the user signs in and approves
    And the app redeems the code
    And the app revokes the refresh token
    And the app refreshes the tokens
    Then the token request is refused with 400 "invalid_grant"
    And the error description is "The refresh token is invalid or expired."
