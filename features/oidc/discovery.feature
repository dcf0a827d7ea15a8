@needs-openid-metadata
Feature: Server metadata (OpenID Connect Discovery 1.0, RFC 8414)
  A server publishes its endpoints and capabilities in a metadata document, so that
  apps read them instead of having them typed in (RFC 9700 §2.6 asks for it). The
  document's issuer must be the very URL it was fetched under, and a few members are
  required. The same document is where a server says which PKCE methods and which
  grants it offers: S256 and never plain, and neither the implicit nor the password
  grant that RFC 9700 retires.

  @oidc-discovery-4.3 @rfc8414-3.3 @rfc9700-2.6
  Scenario: The metadata names the issuer it was fetched from
    Given the app reads the OpenID configuration
    Then the configuration names the issuer it was fetched from

  @oidc-discovery-3 @rfc8414-2
  Scenario: The metadata lists every member OpenID Connect requires
    Given the app reads the OpenID configuration
    Then the configuration lists every required OpenID Provider member

  @rfc8414-2 @rfc7636-4.3 @rfc9700-2.1.1 @RFC-03
  Scenario: The metadata advertises S256 PKCE and not plain
    Given the app reads the OpenID configuration
    Then the configuration advertises the S256 PKCE method and not plain

  @rfc9700-2.1.2 @rfc9700-2.4
  Scenario: The metadata offers neither the implicit nor the password grant
    Given the app reads the OpenID configuration
    Then the configuration offers neither the implicit nor the password grant
