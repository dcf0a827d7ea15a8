@vendor-oracle-health @needs-system-client
Feature: Oracle Health system accounts request tokens with client credentials
  A backend app authenticates with its system account's id and secret (HTTP Basic)
  at the tenant's token endpoint and asks for system/ scopes. Oracle Health reports
  token errors with an error code and an error_uri whose URN names the cause; the
  body has no error_description. Scopes the account may not have are dropped from
  the grant without an error, and a grant left with no scope at all is refused.
  Sources: Oracle Health "FHIR Authorization Framework"; the forum report behind
  seed 000.

  @id:oracle-system-token @CER-12 @CER-15 @SMART-09 @rfc6749-4.4
  Scenario: A system account receives a token for its provisioned scopes
    Given the system account
    When the system account requests a token for the scopes "system/Observation.read system/Patient.read"
    Then the token request succeeds
    And the granted scope is "system/Observation.read system/Patient.read"
    And the access token lives 570 seconds

  @id:oracle-system-no-refresh-token @CER-12 @CER-17
  Scenario: Client credentials never yield a refresh token
    Given the system account
    When the system account requests a token for the scopes "system/Patient.read"
    Then the token request succeeds
    And no refresh token is issued

  @id:oracle-system-no-store @CER-16 @SMART-01 @rfc6749-5.1
  Scenario: A system token response must not be cached
    Given the system account
    When the system account requests a token for the scopes "system/Patient.read"
    Then the token request succeeds
    And the response forbids caching

  @id:oracle-tenant-unknown @CER-05 @CER-02 @CER-03 @CER-04 @CER-27 @LINT-C1 @LINT-C5
  Scenario: A token request for a tenant id that is not a registered tenant is refused
    The tenant id of the forum report (seed 000) has a thirteen-character last group
    ending in "m", so it is not a UUID and not a registered tenant. The server has
    authenticated the client, so the error names it; it echoes the tenant exactly as
    sent; and the error instance id is the correlation id header. The URN observed
    here is not in the historical documented list.
    Given the system account
    When the system account requests a token for the scopes "system/Account.read, system/Appointment.read, system/Patient.read" at the tenant "5b22adf1-4884-4ac2-b6f3-04fa545ac9fcm"
    Then the token request is refused with 400 "invalid_grant"
    And the error URN is "oauth2:token:invalid-tenant"
    And the error names the client
    And the error echoes the tenant as sent
    And the error instance equals the correlation header
    And the error carries only error and error_uri

  @id:oracle-tenant-opaque-echoed @CER-27 @CER-05
  Scenario: An unregistered tenant id of the opaque kind is echoed exactly as sent
    Patient-tier tenants can be 32-character mixed-case identifiers rather than
    UUIDs; the server echoes the tenant unmodified, case included.
    Given the system account
    When the system account requests a token for the scopes "system/Patient.read" at the tenant "Y62ncCuwN85GGa7s0iz44XRnQoc9qr60"
    Then the token request is refused with 400 "invalid_grant"
    And the error URN is "oauth2:token:invalid-tenant"
    And the error echoes the tenant as sent

  @id:oracle-scope-commas-with-spaces @LINT-C2 @CER-10 @RFC-01
  Scenario: Comma-separated scopes lose every scope but the last
    Scopes are separated by spaces. Sent as in seed 000, "a, b" reaches the server
    as the unknown scope "a," and the scope "b", and only "b" is granted, silently.
    Given the system account
    When the system account requests a token for the scopes "system/Observation.read, system/Patient.read"
    Then the token request succeeds
    And the granted scope is "system/Patient.read"

  @id:oracle-scope-commas-no-spaces @LINT-C2 @CER-09 @RFC-01
  Scenario: Scopes joined by commas without spaces leave nothing to grant
    Given the system account
    When the system account requests a token for the scopes "system/Observation.read,system/Patient.read"
    Then the token request is refused with 400 "invalid_scope"
    And the error URN is "oauth2:token:empty-scopes"
    And the error names the client

  @id:oracle-scope-all-unprovisioned @CER-09
  Scenario: A request whose scopes are all unprovisioned is refused as empty
    Given the system account
    When the system account requests a token for the scopes "system/Immunization.read"
    Then the token request is refused with 400 "invalid_scope"
    And the error URN is "oauth2:token:empty-scopes"
    And the error carries only error and error_uri

  @id:oracle-scope-unprovisioned-dropped @CER-10
  Scenario: Scopes the account is not provisioned for are dropped silently
    Given the system account
    When the system account requests a token for the scopes "system/Observation.read system/Immunization.read"
    Then the token request succeeds
    And the granted scope is "system/Observation.read"

  @id:oracle-scope-wildcard-dropped @CER-11 @CER-10
  Scenario: Wildcard scopes are dropped from the grant
    Given the system account
    When the system account requests a token for the scopes "system/*.read system/Patient.read"
    Then the token request succeeds
    And the granted scope is "system/Patient.read"

  @id:oracle-scope-wildcard-only @CER-11 @CER-09
  Scenario: A request for wildcard scopes only is refused as empty
    Given the system account
    When the system account requests a token for the scopes "system/*.read"
    Then the token request is refused with 400 "invalid_scope"
    And the error URN is "oauth2:token:empty-scopes"

  @id:oracle-scope-user-for-system @CER-12
  Scenario: User scopes are not granted to a system account
    system/ scopes must not be combined with user/ or patient/ scopes.
    Given the system account
    When the system account requests a token for the scopes "system/Patient.read user/Patient.read"
    Then the token request succeeds
    And the granted scope is "system/Patient.read"

  @id:oracle-scope-offline-access-system @CER-12
  Scenario: offline_access is not granted with client credentials
    Given the system account
    When the system account requests a token for the scopes "system/Patient.read offline_access"
    Then the token request succeeds
    And the granted scope is "system/Patient.read"
    And no refresh token is issued

  @id:oracle-system-unknown-credentials @CER-06 @CER-04 @CER-02 @LINT-C7
  Scenario: Basic credentials the server does not recognise are refused as a client failure
    Given the system account
    When the system account requests a token for the scopes "system/Patient.read" with credentials the server does not recognise
    Then the token request is refused with 401 "invalid_client"
    And the error URN is "oauth2:token:invalid-client-credentials"
    And the failure is attributed to client authentication
    And the error echoes the tenant as sent

  @id:oracle-assertion-as-bearer @CER-07 @CER-04 @SMART-10
  Scenario: A client assertion sent as an Authorization Bearer header is refused
    A signed client assertion belongs in the client_assertion form parameter; put in
    the Authorization header it makes the header unreadable as client credentials.
    Given the system account
    When the system account requests a token for the scopes "system/Patient.read" with its assertion in an Authorization Bearer header
    Then the token request is refused with 401 "invalid_client"
    And the error URN is "oauth2:token:invalid-authorization-header"
    And the failure is attributed to client authentication

  @id:oracle-scope-too-many @CER-26 @LINT-C4
  Scenario: A request for too many scopes gets no token
    A token carrying every scope would outgrow HTTP header limits; the server
    answers with an error instead of a token. Its error code and URN are not
    documented, so only the refusal is checked (the payload is in the snapshot).
    Given the system account
    When the system account requests a token for the scopes "system/Account.read system/AllergyIntolerance.read system/Appointment.read system/Binary.read system/CarePlan.read system/CareTeam.read system/Condition.read system/Coverage.read system/Device.read system/DiagnosticReport.read system/DocumentReference.read system/Encounter.read system/Goal.read system/Immunization.read system/Location.read system/Medication.read system/MedicationAdministration.read system/MedicationDispense.read system/MedicationRequest.read system/MedicationStatement.read system/NutritionOrder.read system/Observation.read system/Organization.read system/Patient.read system/Person.read system/Practitioner.read system/Procedure.read system/Provenance.read system/Questionnaire.read system/QuestionnaireResponse.read system/RelatedPerson.read system/Schedule.read system/ServiceRequest.read system/Slot.read system/Specimen.read system/Account.write system/AllergyIntolerance.write system/Appointment.write system/Binary.write system/CarePlan.write system/CareTeam.write system/Condition.write system/Coverage.write system/Device.write system/DiagnosticReport.write system/DocumentReference.write system/Encounter.write system/Goal.write system/Immunization.write system/Location.write system/Medication.write system/MedicationAdministration.write system/MedicationDispense.write system/MedicationRequest.write system/MedicationStatement.write system/NutritionOrder.write system/Observation.write system/Organization.write system/Patient.write system/Person.write system/Practitioner.write"
    Then the token request is refused

  @id:oracle-fhir-unscoped-resource @CER-22 @RFC-04 @rfc6750-3.1
  Scenario: The FHIR API refuses a token without a scope for the resource
    Given the system account
    When the system account requests a token for the scopes "system/Patient.read"
    And the app reads "Observation" resources
    Then the FHIR API refuses the token for lack of scope
