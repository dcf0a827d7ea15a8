@vendor-oracle-health
Feature: Oracle Health publishes its endpoints in the tenant's SMART configuration
  Endpoints are not typed in: they are read from
  {FHIR base}/.well-known/smart-configuration, served per tenant under the FHIR base
  and not at the host root. grantcheck's Oracle Health profiles take their endpoints
  from it.

  @id:oracle-smart-config-endpoints @CER-13 @CER-01 @SMART-03
  Scenario: The tenant's SMART configuration names its endpoints and capabilities
    When the app reads the SMART configuration
    Then the SMART configuration has every member its SMART version requires
    And the SMART configuration lists the capability "client-confidential-symmetric"
    And the SMART configuration lists the capability "launch-ehr"

  @id:oracle-smart-config-auth-methods @CER-13 @CER-25 @SMART-11
  Scenario: Client secrets in HTTP Basic and private key JWTs are the advertised client authentication
    When the app reads the SMART configuration
    Then the SMART configuration lists the client authentication methods "client_secret_basic private_key_jwt"

  @id:oracle-smart-config-no-plain @CER-13 @CER-23 @SMART-06
  Scenario: The SMART configuration never offers the plain PKCE method
    The 2024 document advertises no PKCE methods at all (CER-23); whatever it lists,
    plain must not be among them.
    When the app reads the SMART configuration
    Then the SMART configuration does not offer the plain PKCE method

  @id:oracle-capability-oauth-uris @SMART-12 @CER-01
  Scenario: The tenant's CapabilityStatement names the authorization and token endpoints
    Cerner documents discovering the OAuth endpoints from the FHIR server's conformance
    statement, in SMART's oauth-uris security extension, as well as from the SMART
    configuration.
    When the app reads the FHIR server's CapabilityStatement
    Then the CapabilityStatement names the authorization and token endpoints
