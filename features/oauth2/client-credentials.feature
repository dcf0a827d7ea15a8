Feature: The client credentials grant (RFC 6749 §4.4)
  A client acting for itself (a backend service, SMART's system scopes) asks for a
  token with its own credentials. It gets no refresh token: it can always ask again.
  Only clients registered for the grant may use it.

  @id:client-credentials-token @rfc6749-4.4 @rfc6749-4.4.3 @SMART-09 @needs-system-client
  Scenario: A client registered for client credentials gets an access token and no refresh token
    Given the system account
    When the system account requests a token for its registered scopes
    Then the token request succeeds
    And the token response carries no refresh token

  @id:client-credentials-unregistered @rfc6749-4.4 @rfc6749-5.2 @needs-confidential-client
  Scenario: A client not registered for client credentials is refused
    Given the confidential app
    When the app asks for a token for itself with the client credentials grant
    Then the token request is refused with 400 "unauthorized_client"
