@needs-metadata
Feature: Server metadata (OpenID Connect Discovery 1.0, RFC 8414)
  A server publishes its endpoints and capabilities in a metadata document, so that
  apps read them instead of having them typed in (RFC 9700 §2.6 asks for it). The
  document is OpenID Connect Discovery metadata or RFC 8414 authorization server
  metadata, whichever the profile reads; publishing one at all is optional, so a
  server with none has these scenarios skipped. The document's issuer must be the very
  URL it was fetched under, and its kind's required members must be there with the
  types its specification gives. The same document is where a server says which PKCE
  methods it offers (S256 must be among them) and which grants it offers (neither the
  implicit nor the password grant that RFC 9700 retires).

  @id:oidc-discovery-issuer @oidc-discovery-4.3 @rfc8414-3.3 @rfc9700-2.6
  Scenario: The metadata names the issuer it was fetched from
    Given the app reads the server's metadata
    Then the metadata names the issuer it was fetched from

  @id:oidc-discovery-required-members @oidc-discovery-3 @rfc8414-2
  Scenario: The metadata lists every member its specification requires
    Given the app reads the server's metadata
    Then the metadata has every member its specification requires

  @id:oidc-discovery-s256 @rfc8414-2 @rfc7636-4.2 @rfc9700-2.1.1 @RFC-03
  Scenario: The metadata advertises S256 PKCE
    RFC 9700 asks a server to publish its PKCE methods (RECOMMENDED: a warning when the
    list is missing); a listed set without S256 breaks RFC 7636, which makes S256
    mandatory for servers. Listing `plain` is a warning, and a failure only where SMART
    App Launch v2 forbids it.
    Given the app reads the server's metadata
    Then the metadata advertises the S256 PKCE method

  @id:oidc-discovery-no-implicit-password @rfc9700-2.1.2 @rfc9700-2.4
  Scenario: The metadata offers neither the implicit nor the password grant
    Given the app reads the server's metadata
    Then the metadata offers neither the implicit nor the password grant
