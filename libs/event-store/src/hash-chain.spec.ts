import { GENESIS_HASH, canonicalJson, eventHash, type ChainedContent } from './hash-chain';

const content: ChainedContent = {
  streamId: 'contract-1',
  revision: 0n,
  eventId: '5a4f0e5e-4b8e-4d3c-9a57-1f1b2f0e8c11',
  type: 'ContractDrafted',
  data: { b: 1, a: { d: [1, 2], c: 'x' } },
  metadata: { prevHash: GENESIS_HASH, actor: { userId: 'alice', roles: ['sales'] } },
};

describe('hash chain', () => {
  it('canonical JSON sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
  });

  it('hashes equal content equally whatever the key order, and ignores a stored hash field', () => {
    const reordered: ChainedContent = { ...content, data: { a: { c: 'x', d: [1, 2] }, b: 1 } };
    expect(eventHash(GENESIS_HASH, reordered)).toBe(eventHash(GENESIS_HASH, content));
    const withHash = { ...content, metadata: { ...content.metadata, hash: 'whatever' } };
    expect(eventHash(GENESIS_HASH, withHash)).toBe(eventHash(GENESIS_HASH, content));
  });

  it.each([
    ['data', { ...content, data: { ...content.data, b: 2 } }],
    ['type', { ...content, type: 'ContractSigned' }],
    ['revision', { ...content, revision: 1n }],
    ['stream', { ...content, streamId: 'contract-2' }],
    ['actor', { ...content, metadata: { ...content.metadata, actor: { userId: 'mallory', roles: ['sales'] } } }],
  ])('changes when the %s changes', (_, changed) => {
    expect(eventHash(GENESIS_HASH, changed as ChainedContent)).not.toBe(eventHash(GENESIS_HASH, content));
  });

  it('changes when the previous hash changes', () => {
    expect(eventHash('f'.repeat(64), content)).not.toBe(eventHash(GENESIS_HASH, content));
  });
});
