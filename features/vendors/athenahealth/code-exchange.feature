@vendor-athenahealth @needs-login
Feature: Exchanging the authorization code at athenahealth's token endpoint
  A code is single-use, lives 300 seconds, and may be redeemed only by the client it
  was issued to, with the redirect URI of the authorization request. The client
  authenticates with its secret (in the body or with HTTP Basic) or, when public,
  with PKCE alone.

  @id:athena-code-single-use @OKT-02 @rfc6749-4.1.2 @rfc6749-10.5 @needs-confidential-client @fresh-sign-in
  Scenario: An authorization code can be redeemed only once
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code
    Then the token request succeeds
    When the app redeems the code a second time
    Then the token request is refused with 400 "invalid_grant"
    And the error description is "The authorization code is invalid or has expired."

  @id:athena-code-expires-300s @OKT-02 @LINT-A4 @needs-clock @needs-confidential-client
  Scenario: An authorization code expires after 300 seconds
    The guide says codes expire after 60 seconds; Okta raised the lifetime to 300
    seconds in April 2021, and an expired code is reported as invalid or expired,
    not as a PKCE failure.
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code 301 seconds after it was issued
    Then the token request is refused with 400 "invalid_grant"
    And the error description is "The authorization code is invalid or has expired."

  @id:athena-code-good-at-60s @OKT-02 @LINT-A4 @needs-clock @needs-confidential-client
  Scenario: An authorization code is still good after 60 seconds
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code 61 seconds after it was issued
    Then the token request succeeds

  @id:athena-code-bound-to-client @OKT-03 @LINT-A13 @needs-second-client @needs-confidential-client
  Scenario: A code issued to one app cannot be redeemed by another
    The FAQ quotes this error cut short; the full text ends "at the authorize
    request."
    Given the confidential app
    When the user signs in and approves
    And another registered app redeems the code
    Then the token request is refused with 400 "invalid_grant"
    And the error description is "The grant was issued to another client. Please make sure the 'client_id' matches the one used at the authorize request."

  @id:athena-code-redirect-uri-match @OKT-04 @ATH-05 @rfc6749-4.1.3 @needs-confidential-client
  Scenario: The redirect URI at the token endpoint must match the authorization request
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code with the redirect URI "https://app.example.test/other-callback"
    Then the token request is refused with 400 "invalid_grant"
    And the error description is "The 'redirect_uri' does not match the redirection URI used in the authorization request."

  @id:athena-wrong-secret @OKT-11 @rfc6749-5.2 @needs-confidential-client
  Scenario: A wrong client secret is refused
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code with a wrong client secret
    Then the token request is refused with 401 "invalid_client"
    And the error description is "The client secret supplied for a confidential client is invalid."

  @id:athena-missing-secret @OKT-11 @ATH-05 @needs-confidential-client
  Scenario: A confidential app that leaves out its secret is refused
    The guide: apps issued a secret must send it, even when they also use PKCE.
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code without its client secret
    Then the token request is refused with 401 "invalid_client"
    And the error description is "No client credentials found."

  @id:athena-basic-not-base64 @OKT-11 @LINT-C11 @needs-confidential-client
  Scenario: A Basic authorization header that is not base64 of id and secret is refused
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code with a malformed Basic authorization header
    Then the token request is refused with 401 "invalid_client"
    And the error description is "Found Authentication header but was not valid client credentials."

  @id:athena-credentials-header-and-body @OKT-11 @needs-confidential-client
  Scenario: Client credentials sent both in the header and in the body are refused
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code with its credentials in both the header and the body
    Then the token request is refused with 401 "invalid_request"
    And the error description is "Cannot supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body."

  @id:athena-unknown-client-okta-error @OKT-11 @needs-confidential-client
  Scenario: An unregistered client is refused in Okta's own error format
    Okta answers an unknown client_id with its management-API error shape
    (errorCode, errorSummary) rather than RFC 6749's error and error_description.
    Given the confidential app
    When the user signs in and approves
    And an unregistered client redeems the code
    Then the token request is refused with 401 "invalid_client"
    And the error description is "Invalid value for 'client_id' parameter."
