@needs-login @needs-openid @needs-userinfo
Feature: The userinfo endpoint as a protected resource (OpenID Connect Core §5.3, RFC 6750)
  The userinfo endpoint is the one protected resource every OpenID provider has, so it
  is where Bearer token usage is checked: with the access token it answers about the
  signed-in user, the same subject as the ID token; without one it answers 401 and
  says, in `WWW-Authenticate`, that a Bearer token is needed.

  @id:userinfo-user-of-id-token @oidc-core-5.3.2 @rfc6750-2.1 @RFC-04
  Scenario: The userinfo endpoint answers about the user the ID token names
    Given the public app
    When the user signs in and approves
    And the app redeems the code
    And the app asks the userinfo endpoint about the user
    Then the userinfo response names the subject of the ID token

  @id:userinfo-bearer-challenge @rfc6750-3 @rfc6750-3.1 @RFC-04
  Scenario: The userinfo endpoint asks for a Bearer token when none is sent
    When the app asks the userinfo endpoint without an access token
    Then the response is a 401 that asks for a Bearer token
