// A real OpenID provider for the sign-in tests: node-oidc-provider (OpenID Certified) on loopback.
//
//   node provider.mjs <port> '<config JSON>'
//
// The config names the clients ({client_id, client_secret, redirect_uris}) and the people ({login: {email,
// email_verified, name, groups}}). Anyone signs in at its development login page with their login and any
// password; consent is taken as given. It prints "ready <issuer>" once it listens.
//
// GET /__mode?set=<mode> changes what the token endpoint answers, so that the tests can meet what a faulty or
// hostile provider would send, signed with the provider's own key: "wrong-audience" (an ID token issued to
// another application), "expired" (an ID token that expired an hour ago), "normal".
import Provider from 'oidc-provider';
import * as jose from 'jose';

const port = Number(process.argv[2]);
const config = JSON.parse(process.argv[3] || '{}');
const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await jose.exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
let mode = 'normal';

const people = config.people || {};
const provider = new Provider(issuer, {
  clients: (config.clients || []).map((client) => ({
    grant_types: ['authorization_code'], response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic', ...client,
  })),
  jwks: { keys: [jwk] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
  conformIdTokenClaims: false, // the scopes' claims go in the ID token, as Entra ID puts them there
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, ...(people[id] || { email: `${id}@example.org`, email_verified: true, name: id }) }),
  }),
  loadExistingGrant: async (ctx) => {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    grant.addOIDCClaims(['sub', 'email', 'email_verified', 'name', 'groups']);
    await grant.save();
    return grant;
  },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['surveyapp-tests-only'] },
});

provider.use(async (ctx, next) => {
  if (ctx.path === '/__mode') {
    mode = ctx.query.set;
    ctx.body = { mode };
    return;
  }
  await next();
  if (ctx.path === '/token' && mode !== 'normal' && ctx.body && ctx.body.id_token) {
    const claims = jose.decodeJwt(ctx.body.id_token);
    if (mode === 'wrong-audience') claims.aud = 'another-application';
    if (mode === 'expired') {
      claims.iat -= 7200;
      claims.exp = claims.iat + 3600;
    }
    ctx.body.id_token = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .sign(privateKey);
  }
});

const server = provider.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
