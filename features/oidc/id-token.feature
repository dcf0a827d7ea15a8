@needs-login @needs-openid
Feature: The ID token (OpenID Connect Core 1.0 §3.1.3.7)
  An app that asked for `openid` receives an ID token with its tokens. The app must
  be able to validate it: the signature with a key the server publishes under the
  token's `kid`, the issuer, the audience (the app's own client id), the expiry and
  issue time, and the nonce the app sent.

  Background:
    Given the public app
    When the user signs in and approves
    And the app redeems the code

  @id:id-token-signed-published-kid @oidc-core-3.1.3.7 @oidc-core-10.1
  Scenario: The ID token is signed with a key the server publishes under its kid
    Then the token response carries an ID token
    And the ID token is signed by a key the server publishes

  @id:id-token-iss-aud-time @oidc-core-3.1.3.7 @oidc-core-2
  Scenario: The ID token names the server as issuer, the app as audience, and is current
    Then the ID token was issued by the server to the app
    And the ID token is current

  @id:id-token-nonce @oidc-core-3.1.3.7 @oidc-core-3.1.2.1
  Scenario: The ID token carries the nonce the app sent
    Then the ID token carries the nonce the app sent
