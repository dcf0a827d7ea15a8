@vendor-athenahealth @needs-login @needs-fhir
Feature: Using the access token with athenahealth's FHIR DSTU2 API
  The FAQ documents how the FHIR API answers when the Accept header, the token's
  scopes or the app's permissions do not fit. Some of its statuses are not the ones a
  standard server would use; they are checked as documented and carry the
  vendor-nonstandard tag.

  @id:athena-fhir-patient-read @ATH-07 @RFC-04 @needs-confidential-client
  Scenario: The access token reads the patient in context
    Given the confidential app
    And the app requests the scopes "openid launch/patient patient/Patient.read"
    When the user signs in and approves
    And the app redeems the code
    And the app reads the patient's record
    Then the FHIR API returns the patient's record

  @id:athena-fhir-r4-accept-refused @ATH-16 @needs-confidential-client
  Scenario: The R4 Accept header is refused by the DSTU2 API
    DSTU2 accepts application/json and application/json+fhir; the R4 media type
    application/fhir+json gets a 406.
    Given the confidential app
    And the app requests the scopes "openid launch/patient patient/Patient.read"
    When the user signs in and approves
    And the app redeems the code
    And the app reads the patient's record with the Accept header "application/fhir+json"
    Then the FHIR API answers 406 with the error "An unsupported Accept header was given."

  @id:athena-fhir-dstu2-charset-accepted @ATH-16 @needs-confidential-client
  Scenario: A DSTU2 Accept header with a charset is accepted
    Given the confidential app
    And the app requests the scopes "openid launch/patient patient/Patient.read"
    When the user signs in and approves
    And the app redeems the code
    And the app reads the patient's record with the Accept header "application/json+fhir; charset=utf-8"
    Then the FHIR API returns the patient's record

  @id:athena-fhir-unscoped-resource-500 @ATH-15 @LINT-A17 @vendor-nonstandard @needs-confidential-client
  Scenario: A resource the token has no scope for is refused with a 500
    A standard server would answer 403 insufficient_scope (RFC 6750 §3.1).
    Given the confidential app
    And the app requests the scopes "openid launch/patient patient/Patient.read"
    When the user signs in and approves
    And the app redeems the code
    And the app searches the patient's Observation resources
    Then the FHIR API answers 500 with the error "Invalid permissions, incorrect scope passed."

  @id:athena-fhir-writes-refused @ATH-14 @needs-confidential-client
  Scenario: Writes are refused under Certified API registration
    Given the confidential app
    And the app requests the scopes "openid launch/patient patient/Patient.read"
    When the user signs in and approves
    And the app redeems the code
    And the app tries to update the patient's record
    Then the FHIR API answers 403 with the error "Incorrect permissions"

  @id:athena-fhir-no-token-challenged @RFC-04 @rfc6750-3 @needs-confidential-client
  Scenario: A request without an access token is challenged
    Given the confidential app
    And the app requests the scopes "openid launch/patient patient/Patient.read"
    When the user signs in and approves
    And the app redeems the code
    And the app reads the patient's record without an access token
    Then the FHIR API asks for a valid bearer token
