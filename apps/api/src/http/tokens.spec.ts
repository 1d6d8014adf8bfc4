import { InvalidToken, TokenVerifier, mintToken } from './tokens';

const settings = {
  secret: 's'.repeat(40),
  issuer: 'ka-contracting',
  audience: 'ka-contracting-api',
  maxLifetimeSeconds: 86_400,
  clockSkewSeconds: 60,
};

describe('TokenVerifier', () => {
  afterEach(() => jest.useRealTimers());

  it('answers a token verified before from its cache, and refuses it once it has expired', async () => {
    const verifier = new TokenVerifier(settings);
    const token = await mintToken({
      ...settings,
      secret: settings.secret,
      userId: 'ad-serving',
      roles: ['service'],
      expiresIn: '60s',
    });
    expect(await verifier.verify(token)).toEqual({ userId: 'ad-serving', roles: ['service'] });
    expect(await verifier.verify(token)).toEqual({ userId: 'ad-serving', roles: ['service'] });
    // Only the clock moves: jose reads it through Date, the cache through Date.now.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'setTimeout', 'setInterval'] });
    // Expired, and past the clock skew the verifier tolerates.
    jest.setSystemTime(Date.now() + (60 + settings.clockSkewSeconds + 1) * 1000);
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(InvalidToken);
  });

  it('never caches a token that failed verification', async () => {
    const verifier = new TokenVerifier(settings);
    const forged = await mintToken({ ...settings, secret: 'x'.repeat(40), userId: 'mallory', roles: ['service'] });
    await expect(verifier.verify(forged)).rejects.toBeInstanceOf(InvalidToken);
    await expect(verifier.verify(forged)).rejects.toBeInstanceOf(InvalidToken);
  });
});
