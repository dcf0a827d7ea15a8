@vendor-athenahealth @needs-login
Feature: What athenahealth's token response contains
  The token endpoint returns an access token, an ID token when openid was granted, a
  refresh token only when offline_access was granted, and the patient in context for
  patient launches. ID tokens are RS256 JWTs verifiable with the keys endpoint.

  @id:athena-token-lifetimes @ATH-06 @OKT-17 @LINT-A18 @SMART-01 @needs-confidential-client
  Scenario: Token lifetimes are stated in expires_in
    The guide gives 5 minutes for access tokens; Okta's fixed organisation server
    uses 60. A client must read the lifetime from the response.
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code
    Then the token request succeeds
    And the access token lifetime is given in expires_in, as athenahealth documents

  @id:athena-token-no-store @SMART-01 @rfc6749-5.1 @needs-confidential-client
  Scenario: Token responses must not be cached
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code
    Then the token request succeeds
    And the response forbids caching

  @id:athena-token-bearer-scope @SMART-01 @rfc6749-7.1 @needs-confidential-client
  Scenario: The token type is Bearer and the granted scope is stated
    Given the confidential app
    And the app requests the scopes "openid launch/patient patient/Patient.read"
    When the user signs in and approves
    And the app redeems the code
    Then the token request succeeds
    And the granted scope is "openid launch/patient patient/Patient.read"

  @id:athena-id-token-signed @OKT-15 @ATH-18 @oidc-core-3.1.3.7 @needs-confidential-client
  Scenario: The ID token is signed with a key from the keys endpoint
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code
    Then the ID token is signed by a key the server publishes

  @id:athena-id-token-iss-aud @ATH-02 @oidc-core-3.1.3.7 @needs-confidential-client
  Scenario: The ID token names the server as issuer and the app as audience
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code
    Then the ID token was issued by the server to the app
    And the ID token is current

  @id:athena-id-token-nonce @ATH-02 @oidc-core-3.1.3.7 @needs-confidential-client
  Scenario: athenahealth's ID token carries the nonce the app sent
    The guide: the nonce comes back in the ID token so that the app can detect a
    replayed token.
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code
    Then the ID token carries the nonce the app sent

  @id:athena-keys-rs256 @OKT-15 @ATH-18 @needs-confidential-client
  Scenario: The keys endpoint publishes RS256 signing keys
    Given the confidential app
    Then the server publishes RS256 signing keys

  @id:athena-id-token-pim-claim @ATH-08 @LINT-A3 @needs-confidential-client @needs-patient-mappings-scope
  Scenario: The patient mappings scope adds a pim claim to the ID token
    Each entry names a practice (ctxt), a portal brand (brnd), a patient (ptnt) and the
    user's access to that record (SELF, FULL or BILLING). The guide's printed example
    is not valid JSON; the shape is checked, not the example.
    Given the confidential app
    And the app requests the scopes "openid athena/user/Identity.PatientMappings.read"
    When the user signs in and approves
    And the app redeems the code
    Then the ID token carries a pim claim listing the user's patient records

  @id:athena-id-token-no-pim-claim @ATH-08 @needs-confidential-client
  Scenario: Without the patient mappings scope the ID token has no pim claim
    Given the confidential app
    And the app requests the scopes "openid launch/patient patient/Patient.read"
    When the user signs in and approves
    And the app redeems the code
    Then the ID token carries no pim claim

  @id:athena-patient-context @ATH-07 @SMART-02 @needs-confidential-client
  Scenario: A patient launch names the patient in the token response
    Given the confidential app
    And the app requests the scopes "openid launch/patient patient/Patient.read"
    When the user signs in and approves
    And the app redeems the code
    Then the token response carries the patient in context
