@needs-login @needs-refresh
Feature: Refresh tokens (RFC 6749 §6, RFC 9700 §2.2.2, §4.14.2)
  A refresh token gets new access tokens without the user. It may ask for a narrower
  scope but never a wider one, it works only for the client it was issued to, and a
  public client's refresh token is rotated on every use: presenting an old one again
  is a sign of theft, so the server refuses it, and (RFC 9700 describes it, without a
  MUST) revokes the one that is current; a server that does not gets a warning.

  @id:refresh-narrow-scope @rfc6749-6
  Scenario: A refresh may narrow the scope
    The narrower scope is the profile's `scopes.narrower`, or its default scopes
    without `offline_access`.
    Given the public app
    When the user signs in and approves
    And the app redeems the code
    And the app refreshes the tokens asking for a narrower scope
    Then the token request succeeds
    And the granted scope is the narrower scope

  @id:refresh-widen-scope-refused @rfc6749-6 @rfc6749-5.2
  Scenario: A refresh may not widen the scope
    The wider scope adds the profile's `scopes.unknown` (by default a scope no server
    knows) to the scope granted at sign-in. The server refuses it (`invalid_scope`) or
    leaves the extra scope out and says so in `scope` (RFC 6749 §3.3 lets it ignore
    what it will not grant).
    Given the public app
    When the user signs in and approves
    And the app redeems the code
    And the app refreshes the tokens asking for a wider scope
    Then the token request is refused with 400 "invalid_scope" or the extra scope is left out

  @id:refresh-bound-to-client @rfc9700-2.2.2 @rfc6749-10.4 @needs-second-client @needs-confidential-client
  Scenario: A refresh token works only for the client it was issued to
    Given the confidential app
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And the app redeems the code
    And another registered app refreshes with the app's refresh token
    Then the token request is refused with 400 "invalid_grant"

  @id:refresh-rotated-public-client @rfc9700-4.14.2 @rfc6749-10.4
  Scenario: A public client's refresh token is rotated on use
    Given the public app
    When the user signs in and approves
    And the app redeems the code
    And the app refreshes the tokens
    Then the token request succeeds
    And the response carries a new refresh token

  @id:refresh-replay-revokes @rfc9700-4.14.2 @rfc6749-10.4 @fresh-sign-in
  Scenario: A replayed refresh token is refused and the current one revoked
    Given the public app
    When the user signs in and approves
    And the app redeems the code
    And the app refreshes the tokens
    And the app refreshes with the refresh token it has already used
    Then the token request is refused with 400 "invalid_grant"
    And a refresh with the newest refresh token should be refused
