@vendor-athenahealth @needs-login @needs-logout @fresh-sign-in
Feature: Logging out of athenahealth
  Logout ends the login session so that the next authorization asks for the user's
  password again. It does not revoke tokens. The app passes its latest ID token as
  id_token_hint and may name a registered post-logout redirect URI.

  @id:athena-logout-redirect-state @OKT-16 @ATH-09 @needs-confidential-client
  Scenario: Logout sends the user to the post-logout redirect URI with the state
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code
    And the app logs the user out
    Then the user is sent to the post-logout redirect URI with the state

  @id:athena-logout-ends-session @ATH-09 @needs-confidential-client
  Scenario: After logout the user must sign in again
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code
    And the app logs the user out
    And the user signs in again
    Then the user is asked to sign in again

  @id:athena-logout-keeps-tokens @ATH-09 @needs-confidential-client
  Scenario: Logout does not revoke the tokens already issued
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code
    And the app logs the user out
    Then the access token still works

  @id:athena-logout-unregistered-redirect @OKT-16 @needs-confidential-client
  Scenario: An unregistered post-logout redirect URI is refused
    Given the confidential app
    When the user signs in and approves
    And the app redeems the code
    And the app logs the user out with the post-logout redirect URI "https://attacker.example/bye"
    Then the logout is refused with a page saying "The 'post_logout_redirect_uri' parameter must be a Logout redirect URI in the client app settings."
