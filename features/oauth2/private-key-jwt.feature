@needs-login @needs-jwt-client
Feature: Client authentication with a signed JWT (RFC 7523 §3, OpenID Connect Core §9)
  A client registered for `private_key_jwt` holds no shared secret: it signs a
  short-lived JWT with its own private key, naming itself as issuer and subject and the
  server as audience. The server verifies it with the public key the client
  registered, and refuses an assertion signed with any other key, addressed to another
  server, or expired, with `invalid_client`.

  @id:jwt-auth-signed-assertion @rfc7523-2.2 @oidc-core-9 @SMART-10
  Scenario: A client registered for private_key_jwt authenticates with a signed assertion
    Given the confidential app that authenticates with a signed JWT
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And the app redeems the code
    Then the token request succeeds

  @id:jwt-auth-unregistered-key @rfc7523-3 @oidc-core-9 @SMART-10
  Scenario: An assertion signed with a key the client never registered is refused
    Given the confidential app that authenticates with a signed JWT
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And the app redeems the code with an assertion signed with a key it never registered
    Then the token request is refused as invalid_client

  @id:jwt-auth-wrong-audience @rfc7523-3 @SMART-10
  Scenario: An assertion addressed to another server is refused
    Given the confidential app that authenticates with a signed JWT
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And the app redeems the code with an assertion addressed to another server
    Then the token request is refused as invalid_client

  @id:jwt-auth-expired @rfc7523-3 @SMART-10
  Scenario: An expired assertion is refused
    Given the confidential app that authenticates with a signed JWT
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And the app redeems the code with an assertion that has expired
    Then the token request is refused as invalid_client
