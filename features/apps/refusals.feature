@app-side
Feature: What an app must refuse from a server that misbehaves
  These scenarios judge an app, not a server. `grantcheck emulate VENDOR --app-test
  MODE` plays one of them: the emulator misbehaves once, in the way the scenario
  says, and when it stops it reports whether the app went on to use what it should
  have refused (exit 0 passed or warned, 1 failed, 4 the app never got that far). The request
  log (`--record DIR`) holds every exchange. Runs against servers never include
  this folder.

  @id:app-refuses-wrong-state @app-test:wrong-state @rfc6749-10.12 @rfc9700-4.7.1
  Scenario: The app refuses an authorization response with a state it never sent
    Given the app starts a sign-in with a state of its own
    When the server sends the browser back with another state and a code
    Then the app does not redeem that code

  @id:app-refuses-iss-mix-up @app-test:iss-mix-up @rfc9207-2.4
  Scenario: The app refuses an authorization response from another issuer
    Given the app starts a sign-in at the server it discovered
    When the server sends the browser back with an iss naming another server and a code
    Then the app does not redeem that code

  @id:app-refuses-id-token-wrong-aud @app-test:id-token-wrong-aud @oidc-core-3.1.3.7
  Scenario: The app refuses an ID token issued to another client
    Given the app redeems a code for tokens
    When the ID token's aud names another client
    Then the app uses neither the access token nor the refresh token of that response

  @id:app-refuses-id-token-wrong-nonce @app-test:id-token-wrong-nonce @oidc-core-3.1.3.7
  Scenario: The app refuses an ID token with a nonce it never sent
    Given the app sent a nonce with its authorization request
    When the ID token comes back with another nonce
    Then the app uses neither the access token nor the refresh token of that response

  @id:app-refuses-id-token-bad-signature @app-test:id-token-bad-signature @oidc-core-3.1.3.7
  Scenario: An app that checks ID token signatures refuses one that does not verify
    The section lets a client that got the ID token straight from the token endpoint
    over TLS rely on TLS instead of the signature: an app that uses the tokens anyway
    is warned, not failed.
    Given the app redeems a code for tokens
    When the ID token's signature does not verify with the server's published key
    Then the app should use neither the access token nor the refresh token of that response

  @id:app-refuses-id-token-unknown-kid @app-test:id-token-unknown-kid @oidc-core-3.1.3.7 @oidc-core-10.1.1
  Scenario: An app that checks ID token signatures refuses one signed with a key the server does not publish
    As above, skipping the signature check is allowed for an ID token from the token
    endpoint: an app that uses the tokens anyway is warned, not failed.
    Given the app redeems a code for tokens
    When the ID token is signed with a key missing from the server's key set
    Then the app should use neither the access token nor the refresh token of that response

  @id:app-refuses-unknown-token-type @app-test:token-type-not-bearer @rfc6749-7.1
  Scenario: The app does not use an access token of a type it does not know
    Given the app redeems a code for tokens
    When the token response names a token type other than Bearer
    Then the app does not use that access token

  @id:app-stops-on-replayed-code @app-test:code-replayed @rfc6749-4.1.2 @rfc6749-5.2
  Scenario: The app stops when its code was already redeemed by someone else
    Given the app redeems a code for tokens
    When the server answers that the code was already used (invalid_grant)
    Then the app does not send the code again
