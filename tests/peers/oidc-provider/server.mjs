// A stock oidc-provider for grantcheck's peer test (tests/peer_oidc_provider.rs).
//
//   GRANTCHECK_PEER_CLIENTS='[...]' node server.mjs [PORT]
//
// PORT (argument or $PORT; 0 or unset: any free port) is bound on 127.0.0.1 and the
// issuer is http://127.0.0.1:PORT. GRANTCHECK_PEER_CLIENTS is a JSON array of client
// registrations in RFC 7591 metadata names: client_id, client_secret (absent for
// `none`), token_endpoint_auth_method, grant_types, redirect_uris. Secrets come only
// from there and are never printed.
//
// Everything else is oidc-provider's stock behaviour: the development login and
// consent pages, PKCE settings, error messages and lifetimes. Only what a conformance
// run needs is switched on: introspection, revocation and the client credentials grant
// (userinfo is on by default; refresh tokens come with `offline_access`).
//
// When it listens it prints exactly one line starting with `grantcheck-peer`:
//   grantcheck-peer oidc-provider 9.13.3 listening on http://127.0.0.1:PORT
// It stops on SIGTERM or SIGINT.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

function fail(message) {
  console.error(`server.mjs: ${message}`);
  process.exit(2);
}

function readPort() {
  const raw = process.argv[2] ?? process.env.PORT ?? '0';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    fail(`PORT must be a port number (0 for any), got ${JSON.stringify(raw)}`);
  }
  return port;
}

function providerVersion() {
  const manifest = new URL('./node_modules/oidc-provider/package.json', import.meta.url);
  return JSON.parse(readFileSync(manifest, 'utf8')).version;
}

const AUTH_METHODS = new Set(['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt']);

// The harness's registrations, as oidc-provider client metadata.
function readClients() {
  const raw = process.env.GRANTCHECK_PEER_CLIENTS;
  if (!raw) {
    fail('GRANTCHECK_PEER_CLIENTS is not set (a JSON array of client registrations)');
  }
  let list;
  try {
    list = JSON.parse(raw);
  } catch (e) {
    fail(`GRANTCHECK_PEER_CLIENTS is not JSON: ${e.message}`);
  }
  if (!Array.isArray(list) || list.length === 0) {
    fail('GRANTCHECK_PEER_CLIENTS must be a non-empty JSON array');
  }
  return list.map((c, i) => {
    const where = `GRANTCHECK_PEER_CLIENTS[${i}]`;
    if (typeof c?.client_id !== 'string' || !c.client_id) {
      fail(`${where}: client_id is required`);
    }
    const method = c.token_endpoint_auth_method;
    if (!AUTH_METHODS.has(method)) {
      fail(`${where} (${c.client_id}): token_endpoint_auth_method must be one of ${[...AUTH_METHODS].join(', ')}`);
    }
    if (method === 'private_key_jwt' && !Array.isArray(c.jwks?.keys)) {
      fail(`${where} (${c.client_id}): jwks with the public key is required for private_key_jwt`);
    }
    const needsSecret = method === 'client_secret_basic' || method === 'client_secret_post';
    if (needsSecret && (typeof c.client_secret !== 'string' || !c.client_secret)) {
      // Name the field, never a value.
      fail(`${where} (${c.client_id}): client_secret is required for ${method}`);
    }
    const grantTypes = c.grant_types?.length
      ? c.grant_types
      : ['authorization_code', 'refresh_token'];
    const usesCode = grantTypes.includes('authorization_code');
    const metadata = {
      client_id: c.client_id,
      token_endpoint_auth_method: method,
      grant_types: grantTypes,
      response_types: usesCode ? ['code'] : [],
      redirect_uris: usesCode ? (c.redirect_uris ?? []) : [],
    };
    if (needsSecret) {
      metadata.client_secret = c.client_secret;
    }
    if (method === 'private_key_jwt') {
      // Only the public key: the private one stays with grantcheck.
      metadata.jwks = c.jwks;
      metadata.token_endpoint_auth_signing_alg = 'RS256';
    }
    return metadata;
  });
}

const port = readPort();
const clients = readClients();
const version = providerVersion();

// Listen first, so that port 0 can be resolved before the issuer is fixed.
let handler = (_req, res) => {
  res.statusCode = 503;
  res.end('starting');
};
const server = createServer((req, res) => handler(req, res));
server.on('error', (e) => fail(`cannot listen on 127.0.0.1:${port}: ${e.message}`));

server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  let provider;
  try {
    provider = new Provider(issuer, {
      clients,
      features: {
        clientCredentials: { enabled: true },
        introspection: { enabled: true },
        revocation: { enabled: true },
      },
    });
  } catch (e) {
    fail(`oidc-provider refused the configuration: ${e.message}`);
  }
  // Unexpected failures inside the provider, for the harness's log (no secrets here:
  // the error object, not the request).
  provider.on('server_error', (_ctx, err) => {
    console.error(`server_error: ${err?.stack ?? err}`);
  });
  handler = provider.callback();
  console.log(`grantcheck-peer oidc-provider ${version} listening on ${issuer}`);
});

function stop(signal) {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  // Should close() hang on something, do not outlive the harness.
  setTimeout(() => {
    console.error(`server.mjs: still closing 2 s after ${signal}; exiting`);
    process.exit(0);
  }, 2000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
