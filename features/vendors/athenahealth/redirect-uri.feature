@vendor-athenahealth
Feature: Redirect URIs at athenahealth's authorization endpoint
  A redirect URI must be registered ("whitelisted") for the client. When it is not,
  the server must not send the browser there at all, since the error could carry
  information to a site the app does not control; Okta shows an error page instead.

  @id:athena-redirect-uri-unregistered @OKT-09 @ATH-02 @rfc6749-4.1.2.1 @rfc9700-4.11 @needs-confidential-client
  Scenario: An unregistered redirect URI gets an error page and no redirect
    Given the confidential app
    And the app uses the redirect URI "https://attacker.example/callback"
    When the user starts signing in
    Then the server shows an error page instead of redirecting
    And the page says "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings."

  @id:athena-redirect-uri-added-path @OKT-09 @rfc9700-2.1 @needs-confidential-client
  Scenario: A redirect URI with an added path is not registered
    Redirect URIs are compared as exact strings.
    Given the confidential app
    And the app uses the redirect URI "https://app.example.test/callback/extra"
    When the user starts signing in
    Then the server shows an error page instead of redirecting

  @id:athena-redirect-uri-errors-by-redirect @OKT-09 @needs-login @rfc6749-4.1.2.1 @needs-confidential-client
  Scenario: Errors for a registered redirect URI are delivered by redirect
    Given the confidential app
    And the app requests the scopes "openid not.a.real.scope"
    When the user starts signing in
    Then the authorization is refused with "invalid_scope"
