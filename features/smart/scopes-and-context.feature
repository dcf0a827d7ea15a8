@smart-v2 @needs-fhir @needs-login
Feature: SMART scopes and launch context (SMART App Launch 2.x §3, §4)
  SMART v2 writes resource scopes with permission letters (`patient/Patient.rs`),
  SMART v1 with `.read` / `.write`; a server that advertises both permission
  capabilities grants either. A standalone patient launch asks for `launch/patient`,
  and the token response then names the patient in context.

  @id:smart-v2-scopes-granted @SMART-04 @SMART-05 @smart-v2-3 @needs-smart-v2
  Scenario: SMART v2 resource scopes are granted
    Given the public app
    And the app requests the scopes "openid launch/patient patient/Patient.rs patient/Observation.rs"
    When the user signs in and approves
    And the app redeems the code
    Then the token request succeeds
    And the granted scope includes "patient/Patient.rs"

  @id:smart-v1-scopes-granted @SMART-04 @smart-v1
  Scenario: SMART v1 resource scopes are granted
    Given the public app
    And the app requests the scopes "openid launch/patient patient/Patient.read"
    When the user signs in and approves
    And the app redeems the code
    Then the token request succeeds
    And the granted scope includes "patient/Patient.read"

  @id:smart-patient-context @SMART-02 @SMART-05 @smart-v2-4
  Scenario: A standalone patient launch names the patient in the token response
    Given the public app
    And the app requests the scopes "openid launch/patient patient/Patient.rs"
    When the user signs in and approves
    And the app redeems the code
    Then the token response carries the patient in context
