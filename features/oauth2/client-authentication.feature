@needs-login
Feature: Client authentication at the token endpoint (RFC 6749 §2.3, §5.2)
  A confidential client proves who it is with the method it registered:
  `client_secret_basic` (HTTP Basic) or `client_secret_post` (the secret in the form
  body); a public client sends only its `client_id` and proves possession with PKCE.
  A client uses one method per request. A failed authentication is `invalid_client`
  with 401, and when the client used the Authorization header the 401 must say, in
  `WWW-Authenticate`, how to authenticate.

  @id:client-auth-basic @rfc6749-2.3.1 @oidc-core-9 @needs-basic-client
  Scenario: A client registered for client_secret_basic authenticates with HTTP Basic
    Given the confidential app that authenticates with HTTP Basic
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And the app redeems the code
    Then the token request succeeds

  @id:client-auth-post @rfc6749-2.3.1 @oidc-core-9 @needs-confidential-client
  Scenario: A client registered for client_secret_post authenticates in the form body
    Given the confidential app
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And the app redeems the code
    Then the token request succeeds

  @id:client-auth-basic-wrong-secret @rfc6749-5.2 @rfc6749-2.3.1 @RFC-02 @needs-basic-client
  Scenario: A wrong secret sent with HTTP Basic is refused with 401 and a Basic challenge
    Given the confidential app that authenticates with HTTP Basic
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And the app redeems the code with a wrong client secret
    Then the token request is refused with 401 "invalid_client"
    And the refusal asks the app to authenticate with HTTP Basic

  @id:client-auth-unknown-client @rfc6749-5.2 @RFC-02 @needs-confidential-client
  Scenario: A client the server does not know is refused as invalid_client
    Given the confidential app
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And an unregistered client redeems the code
    Then the token request is refused as invalid_client

  @id:client-auth-missing-secret @rfc6749-3.2.1 @rfc6749-5.2 @needs-confidential-client
  Scenario: A confidential client that leaves out its secret is refused
    Given the confidential app
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And the app redeems the code without its client secret
    Then the token request is refused as invalid_client

  @id:client-auth-basic-secret-in-body @oidc-core-9 @rfc7591-2 @needs-basic-client
  Scenario: A client registered for HTTP Basic may not send its secret in the body
    The registered `token_endpoint_auth_method` is the method the client said it would
    use; holding it to that method keeps a leaked secret from being used in ways the
    client never agreed to. Neither RFC 7591 nor OpenID Connect makes the server refuse
    another method, so a server that accepts it gets a warning; a refusal must still be
    a well-formed `invalid_client`.
    Given the confidential app that authenticates with HTTP Basic
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And the app redeems the code with its secret in the body instead of the header
    Then the token request should be refused as invalid_client

  @id:client-auth-two-methods @rfc6749-2.3 @needs-basic-client
  Scenario: A client may not use two authentication methods in one request
    RFC 6749 forbids it to the client; a server that refuses protects clients from
    their own mistakes, and one that accepts it gets a warning.
    Given the confidential app that authenticates with HTTP Basic
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And the app redeems the code with its credentials in both the header and the body
    Then the token request should be refused with 400 "invalid_request" or 401 "invalid_client"
