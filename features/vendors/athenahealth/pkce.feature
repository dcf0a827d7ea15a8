@vendor-athenahealth @needs-login @rfc7636
Feature: Proof key for code exchange (PKCE) at athenahealth
  Public apps must use PKCE instead of a client secret, and athena recommends it to
  every app. Okta accepts only the S256 method and verifiers of 43 to 128 characters.
  The FAQ's answer "PKCE verification failed." is the token endpoint's error when
  the verifier does not match the challenge.

  @id:athena-pkce-wrong-verifier @OKT-01 @RFC-03 @needs-public-client @rfc7636-4.6
  Scenario: A code verifier that does not match the challenge is refused
    Given the public app
    When the user signs in and approves
    And the app redeems the code with a different code verifier
    Then the token request is refused with 400 "invalid_grant"
    And the error description is "PKCE verification failed."

  @id:athena-pkce-short-verifier @OKT-01 @RFC-03 @needs-public-client @rfc7636-4.1
  Scenario: athenahealth refuses a code verifier shorter than 43 characters
    Given the public app
    When the user signs in and approves
    And the app redeems the code with a 42-character code verifier
    Then the token request is refused with 400 "invalid_grant"
    And the error description is "PKCE verification failed."

  @id:athena-pkce-long-verifier @OKT-01 @RFC-03 @needs-public-client @rfc7636-4.1
  Scenario: A code verifier longer than 128 characters is refused
    Given the public app
    When the user signs in and approves
    And the app redeems the code with a 129-character code verifier
    Then the token request is refused with 400 "invalid_grant"

  @id:athena-pkce-public-needs-challenge @OKT-05 @needs-public-client @LINT-A14
  Scenario: A public app must send a code challenge
    The guide quotes the wording Okta used until 2022; both wordings are accepted.
    Given the public app
    And the app sends no code challenge
    When the user starts signing in
    Then the authorization is refused with "invalid_request"
    And the error description is one of:
      | PKCE code challenge is required by the application.                                        |
      | PKCE code challenge is required when the token endpoint authentication method is 'NONE'. |

  @id:athena-pkce-public-needs-verifier @OKT-05 @needs-public-client
  Scenario: A public app must send the code verifier
    Given the public app
    When the user signs in and approves
    And the app redeems the code without a code verifier
    Then the token request is refused with 400 "invalid_request"
    And the error description is one of:
      | PKCE code verifier is required by the application.                                        |
      | PKCE code verifier is required when the token endpoint authentication method is 'NONE'. |

  @id:athena-pkce-plain-refused @OKT-06 @LINT-A6 @SMART-06 @needs-confidential-client
  Scenario: The plain challenge method is not supported
    The guide suggests plain as a method; Okta, and SMART v2, accept only S256.
    Given the confidential app
    And the app uses PKCE with the plain method
    When the user starts signing in
    Then the authorization is refused with "invalid_request"
    And the error description is "PKCE code challenge method is not supported. Valid values: [S256]"

  @id:athena-pkce-challenge-not-base64url @OKT-06 @needs-confidential-client
  Scenario: A code challenge with characters outside base64url is refused
    Given the confidential app
    And the app sends a code challenge with illegal characters
    When the user starts signing in
    Then the authorization is refused with "invalid_request"
    And the error description is "PKCE code challenge contains illegal characters."

  @id:athena-pkce-verifier-without-challenge @OKT-06 @rfc9700-4.8.2 @needs-confidential-client
  Scenario: A verifier sent without a challenge at authorization is refused
    A PKCE downgrade: the token request carries a verifier although the
    authorization request carried no challenge.
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code with a code verifier although it sent no challenge
    Then the token request is refused with 400 "invalid_request"
    And the error description is "PKCE code challenge should be specified in the authorize request for code verification."

  @id:athena-pkce-confidential-s256 @RFC-03 @LINT-A5 @rfc7636-4.2 @needs-confidential-client
  Scenario: A confidential app may add PKCE with S256 to its secret
    Given the confidential app
    And the app uses PKCE with the S256 method
    When the user signs in and approves
    And the app redeems the code
    Then the token request succeeds
