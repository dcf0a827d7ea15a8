@needs-login
Feature: Refresh tokens (RFC 6749 §6, RFC 9700 §2.2.2, §4.14.2)
  A refresh token gets new access tokens without the user. It may ask for a narrower
  scope but never a wider one, it works only for the client it was issued to, and a
  public client's refresh token is rotated on every use: presenting an old one again
  is a sign of theft, so the server refuses it and revokes the one that is current.

  @rfc6749-6
  Scenario: A refresh may narrow the scope
    Given the public app
    When the user signs in and approves
    And the app redeems the code
    And the app refreshes the tokens asking for the scopes "openid"
    Then the token request succeeds
    And the granted scope is "openid"

  @rfc6749-6
  Scenario: A refresh may not widen the scope
    Given the public app
    And the app requests the scopes "openid offline_access"
    When the user signs in and approves
    And the app redeems the code
    And the app refreshes the tokens asking for the scopes "openid offline_access profile"
    Then the token request is refused with 400 "invalid_scope"

  @rfc9700-2.2.2 @rfc6749-10.4 @needs-second-client @needs-confidential-client
  Scenario: A refresh token works only for the client it was issued to
    Given the confidential app
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And the app redeems the code
    And another registered app refreshes with the app's refresh token
    Then the token request is refused with 400 "invalid_grant"

  @rfc9700-4.14.2 @rfc6749-10.4
  Scenario: A public client's refresh token is rotated on use
    Given the public app
    When the user signs in and approves
    And the app redeems the code
    And the app refreshes the tokens
    Then the token request succeeds
    And the response carries a new refresh token

  @rfc9700-4.14.2 @rfc6749-10.4
  Scenario: A replayed refresh token is refused and the current one revoked
    Given the public app
    When the user signs in and approves
    And the app redeems the code
    And the app refreshes the tokens
    And the app refreshes with the refresh token it has already used
    Then the token request is refused with 400 "invalid_grant"
    And a refresh with the newest refresh token is refused
