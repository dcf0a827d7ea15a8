// A relying party as an app developer would write it with oauth4webapi: discovery,
// authorization code with PKCE, ID token validation, userinfo, refresh and revocation.
// The browser part of the sign-in (a person filling in the vendor's pages) is played
// with plain fetch and a small form reader. TLS trust comes only from the system's
// roots plus NODE_EXTRA_CA_CERTS; nothing here turns a check off, except with
// --careless (below).
//
// Usage: node app.mjs --issuer URL --client-id ID --redirect-uri URI --username U
//          --password P --scope "a b" [--client-secret S --auth basic|post]
//          [--aud AUD] [--smart-config URL] [--skip step,step]
//          [--mistake comma-scopes|tenant-typo|tenant-typo-issuer --tenant TENANT]
//          [--verify-signature] [--careless]
// Mistakes: comma-scopes sends the scopes comma-separated; tenant-typo builds the
// authorize and token URLs by hand from a mistyped tenant id (discovery is right);
// tenant-typo-issuer has the mistyped tenant id in every URL the app is configured
// with (issuer, SMART configuration, aud).
// --verify-signature also checks the ID token's signature against the server's keys
// (validateApplicationLevelSignature; the library leaves it out by default for an ID
// token that came straight from the token endpoint over TLS).
// --careless plays an app that skips the checks: it takes the code from the redirect
// without validateAuthResponse when that refuses it, reads the token response's JSON
// itself when processAuthorizationCodeResponse refuses it, sends the code again after
// invalid_grant, and goes on with those tokens. What it ignored is listed in
// "ignored" (each the library's error).
// Prints one JSON line: {"ok":true,"steps":[...],"skipped":[...],...}; on failure
// {"ok":false,"failed":"step","error":{...}} and exit code 1.

import * as oauth from 'oauth4webapi'

const FLAGS = new Set(['--careless', '--verify-signature'])

function parseArgs(argv) {
  const args = {}
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]
    if (FLAGS.has(key)) {
      args[key.slice(2)] = true
      i -= 1
      continue
    }
    if (!key.startsWith('--') || i + 1 >= argv.length) {
      throw new Error(`bad argument ${key}`)
    }
    args[key.slice(2)] = argv[i + 1]
  }
  for (const needed of ['issuer', 'client-id', 'redirect-uri', 'username', 'password', 'scope']) {
    if (!args[needed]) throw new Error(`--${needed} is required`)
  }
  return args
}

const args = parseArgs(process.argv.slice(2))
const mistake = args.mistake ?? 'none'
if (mistake === 'tenant-typo-issuer') {
  for (const k of ['issuer', 'smart-config', 'aud']) {
    if (args[k]) args[k] = typo(args[k])
  }
}
const skip = new Set((args.skip ?? '').split(',').filter(Boolean))
const careless = args.careless === true
const done = []
const report = { ok: false, steps: done, skipped: [...skip] }
if (careless) report.ignored = []
let current = 'setup'

function step(name) {
  current = name
}

function finish(name, extra = {}) {
  done.push(name)
  Object.assign(report, extra)
}

// The library's error, as the report shows it.
function describe(err) {
  return {
    name: err?.name,
    code: err?.code,
    message: err?.message,
    error: err?.error,
    error_description: err?.error_description,
    status: err?.status,
    claim: err?.cause?.claim,
    cause: err?.cause instanceof URLSearchParams ? Object.fromEntries(err.cause) : err?.cause?.message,
  }
}

// A careful app stops at the library's error; a careless one notes it and goes on
// with `instead()`.
async function orElse(check, instead) {
  try {
    return await check()
  } catch (err) {
    if (!careless) throw err
    report.ignored.push({ step: current, ...describe(err) })
    try {
      return await instead(err)
    } catch (next) {
      // The same error thrown again: not ignored after all, the app stops here.
      if (next === err) report.ignored.pop()
      throw next
    }
  }
}

// A careless app's own token request: the code as the redirect has it.
function redeemByHand(as, client, code, verifier) {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: args['redirect-uri'],
    code_verifier: verifier,
    client_id: client.client_id,
  })
  const headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }
  const secret = args['client-secret']
  if (secret && args.auth === 'post') body.set('client_secret', secret)
  else if (secret) {
    body.delete('client_id')
    const pair = `${encodeURIComponent(client.client_id)}:${encodeURIComponent(secret)}`
    headers.authorization = `Basic ${btoa(pair)}`
  }
  return fetch(as.token_endpoint, { method: 'POST', headers, body })
}

// A tenant id as someone might mistype it: one character too many.
function typo(url) {
  if (!args.tenant) throw new Error('--mistake tenant-typo needs --tenant')
  return url.split(args.tenant).join(`${args.tenant}m`)
}

// ---- The browser part: follow redirects, fill the forms, stop at the redirect URI.

const cookies = new Map()

function keepCookies(response) {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';')
    const eq = pair.indexOf('=')
    if (eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
  }
}

function cookieHeader() {
  return [...cookies].map(([k, v]) => `${k}=${v}`).join('; ')
}

function unescapeHtml(text) {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
}

function attributes(tag) {
  const out = {}
  for (const m of tag.matchAll(/([a-zA-Z_:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    out[m[1].toLowerCase()] = unescapeHtml(m[2] ?? m[3] ?? m[4] ?? '')
  }
  return out
}

// The first form of a page: where it posts, its fields and its submit buttons.
function readForm(html) {
  const form = html.match(/<form\b([^>]*)>([\s\S]*?)<\/form>/i)
  if (!form) return undefined
  const attrs = attributes(form[1])
  const inputs = [...form[2].matchAll(/<input\b([^>]*)>/gi)].map((m) => attributes(m[1]))
  const buttons = [...form[2].matchAll(/<button\b([^>]*)>/gi)].map((m) => attributes(m[1]))
  return { action: attrs.action ?? '', method: (attrs.method ?? 'get').toLowerCase(), inputs, buttons }
}

function isRedirectUri(location) {
  const want = new URL(args['redirect-uri'])
  const got = new URL(location)
  return got.origin === want.origin && got.pathname === want.pathname
}

async function signIn(authorizationUrl) {
  let request = { url: authorizationUrl.href, method: 'GET' }
  for (let hop = 0; hop < 12; hop++) {
    const headers = { cookie: cookieHeader() }
    let body
    if (request.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      body = new URLSearchParams(request.form).toString()
    }
    const response = await fetch(request.url, { method: request.method, headers, body, redirect: 'manual' })
    keepCookies(response)
    const location = response.headers.get('location')
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, request.url)
      // The browser would now load the app's redirect URI: the app reads it instead.
      if (isRedirectUri(next.href)) return next
      request = { url: next.href, method: 'GET' }
      continue
    }
    const html = await response.text()
    const form = readForm(html)
    if (response.status !== 200 || !form) {
      throw new Error(`the sign-in stopped at ${request.url}: HTTP ${response.status} ${html.slice(0, 300)}`)
    }
    const fields = []
    const password = form.inputs.find((i) => i.type === 'password')
    for (const input of form.inputs) {
      if (!input.name) continue
      if (input === password) fields.push([input.name, args.password])
      else if (password && (input.type ?? 'text') === 'text') fields.push([input.name, args.username])
      else if (input.type === 'checkbox' || input.type === 'radio') {
        if ('checked' in input) fields.push([input.name, input.value ?? 'on'])
      } else if (input.type !== 'submit') fields.push([input.name, input.value ?? ''])
    }
    // The consent page: press the button that allows.
    const allow = form.buttons.find((b) => b.name && /allow|approve|accept/i.test(b.value ?? ''))
    if (allow) fields.push([allow.name, allow.value])
    const action = new URL(form.action || request.url, request.url).href
    if (form.method === 'post') {
      request = { url: action, method: 'POST', form: fields }
    } else {
      const url = new URL(action)
      for (const [k, v] of fields) url.searchParams.append(k, v)
      request = { url: url.href, method: 'GET' }
    }
  }
  throw new Error('the sign-in took too many steps')
}

// ---- The relying party.

async function main() {
  step('discovery')
  const issuer = new URL(args.issuer)
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer))
  if (args['smart-config']) {
    // SMART App Launch: the FHIR server's configuration names what the OpenID
    // document may leave out (Oracle Health's revocation endpoint, for one).
    const response = await fetch(args['smart-config'], { headers: { accept: 'application/json' } })
    if (!response.ok) throw new Error(`SMART configuration: HTTP ${response.status}`)
    const smart = await response.json()
    for (const [k, v] of Object.entries(smart)) {
      if (k.endsWith('_endpoint') && as[k] === undefined) as[k] = v
    }
  }
  if (mistake === 'tenant-typo') {
    // The app builds its endpoints by hand from a tenant id typed with a typo.
    as.authorization_endpoint = typo(as.authorization_endpoint)
    as.token_endpoint = typo(as.token_endpoint)
  }
  finish('discovery', { issuer: as.issuer })

  const client = { client_id: args['client-id'] }
  let clientAuth
  if (!args['client-secret']) clientAuth = oauth.None()
  else if (args.auth === 'post') clientAuth = oauth.ClientSecretPost(args['client-secret'])
  else clientAuth = oauth.ClientSecretBasic(args['client-secret'])

  step('authorize')
  const verifier = oauth.generateRandomCodeVerifier()
  const challenge = await oauth.calculatePKCECodeChallenge(verifier)
  const state = oauth.generateRandomState()
  const scopes = args.scope.split(' ')
  const openid = scopes.includes('openid')
  const nonce = openid ? oauth.generateRandomNonce() : undefined
  const url = new URL(as.authorization_endpoint)
  url.searchParams.set('client_id', client.client_id)
  url.searchParams.set('redirect_uri', args['redirect-uri'])
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('scope', mistake === 'comma-scopes' ? scopes.join(',') : args.scope)
  url.searchParams.set('state', state)
  if (nonce) url.searchParams.set('nonce', nonce)
  url.searchParams.set('code_challenge', challenge)
  url.searchParams.set('code_challenge_method', 'S256')
  if (args.aud) url.searchParams.set('aud', args.aud)
  const callback = await signIn(url)
  finish('authorize')

  step('callback')
  // Careless: the code straight from the redirect, redeemed with a request of its own.
  const redeem = await orElse(
    () => {
      const params = oauth.validateAuthResponse(as, client, callback, state)
      return () =>
        oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, args['redirect-uri'], verifier)
    },
    () => () => redeemByHand(as, client, callback.searchParams.get('code'), verifier),
  )
  finish('callback')

  step('code_grant')
  // The response the library processed and accepted (the ID token's signature is
  // checked on it); none when a careless app read the JSON itself.
  let processed
  const processTokens = async (response, again) => {
    const copy = response.clone()
    return orElse(
      async () => {
        const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
          expectedNonce: nonce,
          requireIdToken: openid,
        })
        processed = response
        return tokens
      },
      async (err) => {
        if (err instanceof oauth.ResponseBodyError) {
          // Careless: a refused redemption is sent again, once.
          if (again && err.error === 'invalid_grant') return processTokens(await redeem(), false)
          throw err
        }
        // Careless: the tokens as the JSON has them.
        return copy.json()
      },
    )
  }
  const tokens = await processTokens(await redeem(), true)
  finish('code_grant', { granted_scope: tokens.scope, refresh_token: Boolean(tokens.refresh_token) })
  if (args['verify-signature'] && processed && tokens.id_token) {
    step('id_token_signature')
    await orElse(
      () => oauth.validateApplicationLevelSignature(as, processed),
      () => undefined,
    )
    finish('id_token_signature')
  }
  const claims = processed ? oauth.getValidatedIdTokenClaims(tokens) : undefined
  if (openid && processed) {
    step('id_token')
    if (!claims?.sub) throw new Error('no validated ID token')
    finish('id_token', { sub: claims.sub })
  }

  let accessToken = tokens.access_token
  if (!skip.has('userinfo')) {
    step('userinfo')
    const response = await oauth.userInfoRequest(as, client, accessToken)
    const info = await oauth.processUserInfoResponse(as, client, claims?.sub ?? oauth.skipSubjectCheck, response)
    finish('userinfo', { userinfo_sub: info.sub })
  }

  let refreshToken = tokens.refresh_token
  if (!skip.has('refresh')) {
    step('refresh')
    if (!refreshToken) throw new Error('no refresh token was issued')
    const response = await oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshToken)
    const refreshed = await oauth.processRefreshTokenResponse(as, client, response)
    accessToken = refreshed.access_token
    // A server may keep the refresh token as it is (Oracle Health does, CER-17).
    refreshToken = refreshed.refresh_token ?? refreshToken
    finish('refresh', { rotated: Boolean(refreshed.refresh_token) })
  }

  if (!skip.has('revocation')) {
    step('revocation')
    const token = refreshToken ?? accessToken
    const hint = refreshToken ? 'refresh_token' : 'access_token'
    const response = await oauth.revocationRequest(as, client, clientAuth, token, {
      additionalParameters: { token_type_hint: hint },
    })
    await oauth.processRevocationResponse(response)
    finish('revocation', { revoked: hint })
  }
  report.ok = true
}

try {
  await main()
  console.log(JSON.stringify(report))
} catch (err) {
  report.failed = current
  report.error = describe(err)
  console.log(JSON.stringify(report))
  process.exitCode = 1
}
