@vendor-athenahealth @needs-login
Feature: How athenahealth reads the scope parameter
  Scopes are space-delimited and case-sensitive (RFC 6749 §3.3). The guide's FAQ
  shows what happens to a scope the server does not know and to one the app may not
  request. A request is granted only if every scope passes the first two of the
  guide's checks: requested, and permitted for the app.

  @id:athena-scope-open-id-misspelled @OKT-07 @LINT-A1 @RFC-01 @needs-confidential-client
  Scenario: The misspelled scope open_id is not known to the server
    The guide's list of useful scopes spells the OpenID Connect scope "open_id".
    Given the confidential app
    And the app requests the scopes "open_id patient/Patient.read"
    When the user starts signing in
    Then the authorization is refused with "invalid_scope"
    And the error description is "One or more scopes are not configured for the authorization server resource."

  @id:athena-scope-encoded-semicolon @OKT-07 @LINT-A10 @RFC-01 @needs-confidential-client
  Scenario: Scopes joined by an encoded semicolon are refused
    The FAQ's own counterexample: %3B is a semicolon, not an encoded space.
    Given the confidential app
    And the app sends the scope parameter already encoded as "openid%3Bathena%2Fuser%2FIdentity.PatientMappings.read"
    When the user starts signing in
    Then the authorization is refused with "invalid_scope"
    And the error description is "One or more scopes are not configured for the authorization server resource."

  @id:athena-scope-double-encoded @OKT-07 @LINT-A10 @RFC-01 @needs-confidential-client
  Scenario: Double-encoded scopes are refused
    Given the confidential app
    And the app sends the scope parameter already encoded as "openid%2520patient%252FPatient.read"
    When the user starts signing in
    Then the authorization is refused with "invalid_scope"

  @id:athena-scope-encoded-once @LINT-A10 @RFC-01 @needs-confidential-client
  Scenario: Scopes percent-encoded exactly once are accepted
    The FAQ warns against URL-encoding the scope, but a query parameter is always
    encoded once; what breaks requests is a wrong delimiter or a second encoding.
    Given the confidential app
    And the app sends the scope parameter already encoded as "openid%20launch%2Fpatient%20patient%2FPatient.read"
    When the user signs in and approves
    Then the app receives an authorization code

  @id:athena-scope-case-sensitive @LINT-A2 @RFC-01 @OKT-07 @needs-confidential-client
  Scenario: Scope names are case-sensitive
    The guide lists "Patient/AllergyIntolerance.read" with a capital P; the scope the
    server knows is patient/AllergyIntolerance.read.
    Given the confidential app
    And the app requests the scopes "openid Patient/AllergyIntolerance.read"
    When the user starts signing in
    Then the authorization is refused with "invalid_scope"

  @id:athena-scope-not-permitted @ATH-04 @ATH-10 @OKT-08 @LINT-A12 @needs-not-permitted-scope @needs-public-client
  Scenario: A scope the app is not permitted to request fails policy evaluation
    The FAQ documents a 403 with a JSON body. Okta's documented behaviour, when the
    client and redirect URI are valid, is a redirect carrying the error; this
    scenario checks the error and its description, and the emulator follows Okta.
    Given the public app
    And the app requests a scope it is not permitted to request
    When the user starts signing in
    Then the authorization is refused with "access_denied"
    And the error description is "Policy evaluation failed for this request, please check the policy configurations."

  @id:athena-scope-patient-wildcard @ATH-04 @OKT-08 @needs-confidential-client
  Scenario: The wildcard patient scope may not be requested
    Apps may request resource-level scopes only, not patient/*.read. The guide does
    not say which error follows; Okta answers either an unknown scope or a policy
    failure, so both are accepted.
    Given the confidential app
    And the app requests the scopes "openid patient/*.read"
    When the user starts signing in
    Then the authorization is refused with "invalid_scope" or "access_denied"

  @id:athena-scope-patient-mappings @ATH-04 @ATH-08 @needs-confidential-client @needs-patient-mappings-scope
  Scenario: An app permitted the patient mappings scope may request it
    Given the confidential app
    And the app requests the scopes "openid athena/user/Identity.PatientMappings.read"
    When the user signs in and approves
    Then the app receives an authorization code
