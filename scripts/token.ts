import { parseArgs } from 'node:util';
import { ROLES, type Role } from '#domain';
import { ConfigError, developmentSecret, loadConfig } from '#runtime';
import { mintToken } from '../apps/api/src/http/tokens';

const usage = `usage: npm run token -- --user <id> --roles <role,role> [--expires 8h (at most JWT_MAX_LIFETIME_SECONDS)]
roles: ${ROLES.join(', ')}`;

/** Mints a development token with the secret the API verifies (JWT_SECRET, or the embedded one under DATA_DIR). */
const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: { user: { type: 'string' }, roles: { type: 'string' }, expires: { type: 'string', default: '8h' } },
  });
  const roles = (values.roles ?? '').split(',').filter(Boolean);
  const unknown = roles.filter((role) => !(ROLES as readonly string[]).includes(role));
  if (!values.user || roles.length === 0 || unknown.length > 0) {
    console.error(unknown.length > 0 ? `unknown role(s): ${unknown.join(', ')}\n${usage}` : usage);
    process.exit(2);
  }
  const config = loadConfig();
  if (config.jwtPublicKey || config.jwtJwksUrl) {
    console.error('JWT_PUBLIC_KEY or JWT_JWKS_URL is set: tokens come from your identity provider, not from this tool');
    process.exit(2);
  }
  const secret = config.jwtSecret ?? (await developmentSecret(config.dataDir));
  console.log(
    await mintToken({
      secret,
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      userId: values.user,
      roles: roles as Role[],
      expiresIn: values.expires,
    }),
  );
};

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `configuration error: ${error.message}` : error);
  process.exit(1);
});
