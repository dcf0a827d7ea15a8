@vendor-athenahealth @needs-login
Feature: Signing a patient in with athenahealth
  An app sends the user to athenahealth's authorization endpoint; the user signs in
  with their athenahealth account, consents, and is sent back to the app's redirect
  URI with an authorization code, which the app exchanges for tokens.
  Source: athenahealth "End user authentication and authorization" (2021), sections
  "Forming an authorization request" and "Redirect and token exchange".

  @id:athena-sign-in-confidential @ATH-02 @ATH-05 @rfc6749-4.1 @needs-confidential-client
  Scenario: A confidential app signs a patient in and receives tokens
    Given the confidential app
    When the user signs in and approves
    Then the app receives an authorization code
    When the app redeems the code
    Then the token request succeeds
    And the token response carries an ID token

  @id:athena-sign-in-basic @ATH-02 @ATH-17 @needs-basic-client @rfc6749-2.3.1
  Scenario: A confidential app may authenticate with HTTP Basic
    Given the confidential app that authenticates with HTTP Basic
    When the user signs in and approves
    And the app redeems the code
    Then the token request succeeds

  @id:athena-sign-in-public-pkce @ATH-02 @OKT-05 @needs-public-client @rfc7636
  Scenario: A public app signs a patient in with PKCE and no client secret
    Given the public app
    When the user signs in and approves
    And the app redeems the code
    Then the token request succeeds

  @id:athena-sign-in-state-returned @OKT-10 @LINT-A7 @rfc6749-4.1.2 @needs-confidential-client
  Scenario: The redirect back to the app carries the state the app sent
    Given the confidential app
    When the user signs in and approves
    Then the redirect carries the state the app sent

  @id:athena-sign-in-state-required @OKT-10 @LINT-A7 @needs-confidential-client
  Scenario: An authorization request without state is refused
    The guide calls state optional, but Okta, which hosts athenahealth's login,
    requires it on every authorization request to prevent cross-site request forgery.
    Given the confidential app
    And the app sends no state
    When the user starts signing in
    Then the authorization is refused with "invalid_request"
    And the error description is "The authentication request has an invalid 'state' parameter."

  @id:athena-aud-fhir-base @ATH-03 @needs-confidential-client
  Scenario: The practice may be named by its FHIR base URL in aud
    Given the confidential app
    And the app names the practice with its FHIR base URL as aud
    When the user signs in and approves
    Then the app receives an authorization code

  @id:athena-aud-practice-json @ATH-03 @needs-confidential-client
  Scenario: The practice may be named by the practice JSON in aud
    Given the confidential app
    And the app names the practice with the practice JSON as aud
    When the user signs in and approves
    Then the app receives an authorization code

  @id:athena-aud-double-encoded @ATH-11 @ATH-03 @LINT-A17 @vendor-nonstandard @needs-confidential-client
  Scenario: A double-encoded aud breaks the login widget
    The FAQ answers "error in workflowHandler" (HTTP 500, no redirect) for an aud that
    was URL-encoded by the app before being placed in the query.
    Given the confidential app
    And the app sends the aud parameter encoded as "%257B%2522PRACTICEID%2522%253A%2522195900%2522%252C%2522COMMUNICATORBRANDID%2522%253A%25221%2522%257D"
    When the user starts signing in
    Then the authorization endpoint fails with 500 saying "error in workflowHandler"

  @id:athena-aud-guide-example @ATH-11 @LINT-A9 @vendor-nonstandard @needs-confidential-client
  Scenario: The guide's malformed aud example breaks the login widget
    The guide's counterexample does not decode to JSON at all: it ends in &'D
    instead of a closing brace.
    Given the confidential app
    And the app sends the aud parameter encoded as "%7B%22PRACTICEID%22:%22195900%22,%22COMMUNICATORBRANDID%22:%221%22%26%27D"
    When the user starts signing in
    Then the authorization endpoint fails with 500 saying "error in workflowHandler"

  @id:athena-sign-in-no-portal-access @ATH-12 @needs-user-without-portal-access @needs-confidential-client
  Scenario: A user with no record in the practice cannot sign in to its portal
    Given the confidential app
    And a user without access to the practice
    When the user signs in and approves
    Then the sign-in stops on a page saying "You are not configured to access this Patient Portal."

  @id:athena-consent-denied @ATH-04 @rfc6749-4.1.2.1 @needs-confidential-client
  Scenario: A user who denies consent sends the app back with access_denied
    Given the confidential app
    When the user signs in and denies consent
    Then the authorization is refused with "access_denied"

  @id:athena-consent-scope-withheld @ATH-04 @needs-confidential-client
  Scenario: A scope the user withholds consent for is left out of the token
    The third of the guide's scope checks: scopes the user declines are silently
    dropped while the rest are granted.
    Given the confidential app
    And the app requests the scopes "openid launch/patient patient/Patient.read patient/Observation.read"
    When the user signs in and approves everything except "patient/Observation.read"
    And the app redeems the code
    Then the token request succeeds
    And the granted scope does not include "patient/Observation.read"
    And the granted scope includes "patient/Patient.read"

  @id:athena-session-reused @ATH-09 @needs-confidential-client @fresh-sign-in
  Scenario: An active login session signs the user in without asking again
    Given the confidential app
    When the user signs in and approves
    And the user signs in again
    Then the user is not asked to sign in again
    And the app receives an authorization code
