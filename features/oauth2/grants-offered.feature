Feature: Grants a server must not offer (RFC 9700 §2.1.2, §2.4)
  The implicit grant puts tokens in the browser's address bar, and the password grant
  hands the user's password to the app; RFC 9700 says a server should offer neither.
  A request for them is refused with the RFC's error codes.

  @id:grant-implicit-refused @rfc9700-2.1.2 @rfc6749-4.1.2.1 @needs-login
  Scenario: The authorization endpoint refuses to issue a token directly
    Given the public app
    When the app asks for an access token directly from the authorization endpoint
    Then the authorization is refused with "unsupported_response_type" or "unauthorized_client"
    And the redirect carries the state the app sent

  @id:grant-password-refused @rfc9700-2.4 @rfc6749-5.2 @needs-confidential-client
  Scenario: The token endpoint refuses the resource owner password grant
    Given the confidential app
    When the app asks for tokens with the user's password
    Then the token request is refused with 400 "unsupported_grant_type" or "unauthorized_client"
