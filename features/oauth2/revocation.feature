@needs-login @needs-revocation
Feature: Token revocation (RFC 7009)
  An app that is done with a token tells the server to revoke it. The server answers
  200 whether or not it knew the token (an unknown token is already as good as
  revoked), and a revoked refresh token no longer works; revoking a refresh token
  should also end the access tokens issued with it.

  @id:revoke-refresh-token @rfc7009-2.1 @rfc7009-2.2 @needs-confidential-client @needs-refresh @fresh-sign-in
  Scenario: A revoked refresh token no longer refreshes
    Given the confidential app
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And the app redeems the code
    And the app revokes the refresh token
    Then the revocation is accepted
    When the app refreshes the tokens
    Then the token request is refused with 400 "invalid_grant"

  @id:revoke-unknown-token-200 @rfc7009-2.2 @needs-confidential-client
  Scenario: Revoking a token the server never issued is answered with 200
    Given the confidential app
    When the app revokes a token the server never issued
    Then the revocation is accepted

  @id:revoke-refresh-ends-access @rfc7009-2.1 @needs-confidential-client @needs-refresh @needs-introspection @fresh-sign-in
  Scenario: Revoking a refresh token ends the access tokens of its grant
    A SHOULD of RFC 7009 for servers that can revoke access tokens.
    Given the confidential app
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And the app redeems the code
    And the app revokes the refresh token
    Then the access token should no longer be active
