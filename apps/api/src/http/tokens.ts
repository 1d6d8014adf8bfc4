import { createPublicKey, type KeyObject } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { ROLES, type Actor, type Role } from '#domain';

export interface TokenSettings {
  readonly secret?: string;
  readonly publicKeyPem?: string;
  readonly issuer: string;
  readonly audience: string;
}

export class InvalidToken extends Error {}

const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/** Verifies bearer tokens: HS256 with a shared secret, or an asymmetric key from an identity provider. */
export class TokenVerifier {
  private readonly key: Uint8Array | KeyObject;
  private readonly algorithms: string[];

  constructor(private readonly settings: TokenSettings) {
    if (settings.publicKeyPem) {
      this.key = createPublicKey(settings.publicKeyPem);
      this.algorithms = ['RS256', 'PS256', 'ES256', 'EdDSA'];
    } else if (settings.secret) {
      this.key = new TextEncoder().encode(settings.secret);
      this.algorithms = ['HS256'];
    } else {
      throw new Error('a JWT secret or public key is required');
    }
  }

  async verify(token: string): Promise<Actor> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: this.algorithms,
        requiredClaims: ['sub', 'exp'],
      });
      const roles = Array.isArray(payload.roles) ? payload.roles.filter(isRole) : [];
      return { userId: payload.sub!, roles };
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) throw new InvalidToken(error.code);
      throw error;
    }
  }
}

export interface MintOptions {
  readonly secret: string;
  readonly issuer: string;
  readonly audience: string;
  readonly userId: string;
  readonly roles: readonly Role[];
  /** jose duration, e.g. '8h'. */
  readonly expiresIn?: string;
}

/** Development and test tokens; production tokens come from the identity provider. */
export const mintToken = (options: MintOptions): Promise<string> =>
  new SignJWT({ roles: [...options.roles] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.userId)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '8h')
    .sign(new TextEncoder().encode(options.secret));
