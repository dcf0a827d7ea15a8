@needs-login
Feature: The token response (RFC 6749 §5.1, §3.3, §7.1)
  A successful token response is JSON with the access token, its type `Bearer` (in any
  case), its lifetime, and the scope granted whenever it differs from the scope asked
  for; it must not be cached by the browser or any proxy.

  @id:token-response-bearer-lifetime @rfc6749-5.1 @rfc6749-7.1 @SMART-01
  Scenario: The token response describes a Bearer access token and its lifetime
    Given the public app
    When the user signs in and approves
    And the app redeems the code
    Then the token request succeeds
    And the access token lifetime is given in expires_in

  @id:token-response-no-store @rfc6749-5.1 @SMART-01
  Scenario: The token response may not be cached
    Given the public app
    When the user signs in and approves
    And the app redeems the code
    Then the response forbids caching

  @id:token-response-true-scope @rfc6749-3.3 @rfc6749-5.1 @rfc7662-2.2 @needs-introspection @RFC-01 @needs-confidential-client
  Scenario: The token response reports the scope the token really carries
    The app asks for its usual scopes and one the server does not know (the profile's
    `scopes.unknown`). The server may ignore it, but then it must say which scope it
    granted; the introspection of the token is the server's own account of the scope.
    A server that refuses the unknown scope instead (RFC 6749 §4.1.2.1 lets it) has no
    token to compare: the scenario is skipped there.
    Given the confidential app
    And the app uses PKCE with the S256 method
    And the app requests its usual scopes and one the server does not know
    When the user signs in and approves
    And the app redeems the code
    Then the token response reports the scope its access token carries
