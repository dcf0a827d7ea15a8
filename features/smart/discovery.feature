@smart-v2 @needs-fhir
Feature: SMART discovery (SMART App Launch 2.x §2.1, 1.0 conformance)
  A SMART server publishes `.well-known/smart-configuration` next to its FHIR base:
  the endpoints, the grant types, the client authentication methods, the scopes and
  the capabilities it supports, with S256 as its only PKCE method. Older apps read the
  endpoints from the CapabilityStatement's oauth-uris extension instead.

  @id:smart-config-endpoints @SMART-03 @smart-v2-2.1 @needs-smart-v2
  Scenario: The SMART configuration names the endpoints and the capabilities
    Given the app reads the SMART configuration
    Then the SMART configuration has every member its SMART version requires
    And the SMART configuration lists the capability "permission-v2"

  @id:smart-config-s256-not-plain @SMART-03 @SMART-06 @rfc9700-2.1.1
  Scenario: The SMART configuration offers S256 PKCE and not plain
    Given the app reads the SMART configuration
    Then the SMART configuration does not offer the plain PKCE method

  @id:smart-capability-oauth-uris @SMART-12 @smart-v1
  Scenario: The CapabilityStatement names the OAuth endpoints
    Given the app reads the FHIR server's CapabilityStatement
    Then the CapabilityStatement names the authorization and token endpoints
