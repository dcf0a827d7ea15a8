@vendor-athenahealth @needs-login
Feature: Refreshing tokens at athenahealth
  A refresh token is issued only when offline_access is requested and granted. A
  refresh request may ask for all or some of the originally granted scopes, never
  more.

  @id:athena-refresh-needs-offline-access @ATH-06 @OKT-12 @needs-confidential-client
  Scenario: Without offline_access no refresh token is issued
    Given the confidential app
    And the app requests the scopes "openid launch/patient patient/Patient.read"
    When the user signs in and approves
    And the app redeems the code
    Then the token request succeeds
    And no refresh token is issued

  @id:athena-refresh-offline-access @ATH-06 @OKT-12 @SMART-05 @needs-confidential-client
  Scenario: With offline_access a refresh token is issued and can be used
    Given the confidential app
    And the app requests the scopes "openid offline_access launch/patient patient/Patient.read"
    When the user signs in and approves
    And the app redeems the code
    Then the token response carries a refresh token
    When the app refreshes the tokens
    Then the token request succeeds

  @id:athena-refresh-narrow-scope @ATH-05 @OKT-12 @rfc6749-6 @needs-confidential-client
  Scenario: A refresh may narrow the scope to a subset of the original grant
    Given the confidential app
    And the app requests the scopes "openid offline_access launch/patient patient/Patient.read"
    When the user signs in and approves
    And the app redeems the code
    And the app refreshes the tokens asking for the scopes "openid patient/Patient.read"
    Then the token request succeeds
    And the granted scope is "openid patient/Patient.read"

  @id:athena-refresh-widen-scope-refused @OKT-12 @rfc6749-6 @needs-confidential-client
  Scenario: A refresh may not add scopes that were not granted
    Given the confidential app
    And the app requests the scopes "openid offline_access patient/Patient.read"
    When the user signs in and approves
    And the app redeems the code
    And the app refreshes the tokens asking for the scopes "openid patient/Patient.read patient/Observation.read"
    Then the token request is refused with 400 "access_denied"
    And the error description starts with "Some of the scopes requested for the refresh request were not granted in the original authorize request."

  @id:athena-refresh-unknown-token @OKT-12 @needs-confidential-client
  Scenario: A refresh token the server never issued is refused
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code
    And the app refreshes with a refresh token the server never issued
    Then the token request is refused with 400 "invalid_grant"
    And the error description is "The refresh token is invalid or expired."
