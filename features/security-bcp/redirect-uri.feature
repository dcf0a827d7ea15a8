@needs-login
Feature: Exact redirect URI matching (RFC 9700 §2.1, §4.1, §4.11; RFC 6749 §3.1.2)
  The server compares the redirect URI of a request with the registered one as exact
  strings; only a loopback URI's port may vary. Anything else (an added path segment,
  an added query, another case, another port) is an unregistered URI, and the server
  never redirects to it: it shows its own error page, which no other site may frame.

  @id:redirect-uri-added-path @rfc9700-2.1 @rfc9700-4.1 @rfc6749-3.1.2.3
  Scenario: A redirect URI with an added path segment is refused without a redirect
    Given the public app
    And the app uses the registered redirect URI with an added path segment
    When the user signs in and approves
    Then the server shows an error page instead of redirecting

  @id:redirect-uri-added-query @rfc9700-2.1 @rfc9700-4.1 @rfc6749-3.1.2.3
  Scenario: A redirect URI with an added query is refused without a redirect
    Given the public app
    And the app uses the registered redirect URI with an added query
    When the user signs in and approves
    Then the server shows an error page instead of redirecting

  @id:redirect-uri-path-case @rfc9700-2.1 @rfc9700-4.1 @rfc6749-3.1.2.3
  Scenario: A redirect URI whose path differs in case is refused without a redirect
    Given the public app
    And the app uses the registered redirect URI with its path in upper case
    When the user signs in and approves
    Then the server shows an error page instead of redirecting

  @id:redirect-uri-other-port @rfc9700-2.1 @rfc9700-4.1 @rfc6749-3.1.2.3 @needs-non-loopback-redirect
  Scenario: A redirect URI on another port is refused without a redirect
    Given the public app
    And the app uses the registered redirect URI on another port
    When the user signs in and approves
    Then the server shows an error page instead of redirecting

  @id:redirect-uri-unregistered-no-redirect @rfc9700-4.11 @rfc6749-4.1.2.1 @rfc6749-10.15
  Scenario: The server never redirects to a redirect URI that was never registered
    Given the public app
    And the app uses the redirect URI "https://attacker.example.test/callback"
    When the user signs in and approves
    Then the server shows an error page instead of redirecting

  @id:pages-no-framing @rfc9700-4.16 @rfc6749-10.13
  Scenario: The server's pages cannot be framed by another site
    Given the public app
    When the app opens the sign-in page
    Then the page forbids framing by other sites

  @id:sign-in-no-307 @rfc9700-4.12
  Scenario: The sign-in form is never answered with a 307 redirect
    A 307 would make the browser post the user's credentials to the app.
    Given the public app
    When the user signs in and approves
    Then no form post was answered with a 307 redirect
