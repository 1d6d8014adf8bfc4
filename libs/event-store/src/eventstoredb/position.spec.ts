import { decodePosition, encodePosition } from './position';

const MAX = (1n << 64n) - 1n;

describe('EventStoreDB position encoding', () => {
  it.each([
    { commit: 0n, prepare: 0n },
    { commit: 1n, prepare: 0n },
    { commit: 0n, prepare: 1n },
    { commit: 123_456n, prepare: 123_456n },
    { commit: MAX, prepare: MAX },
    { commit: MAX, prepare: 0n },
  ])('round-trips commit $commit, prepare $prepare', (position) => {
    expect(decodePosition(encodePosition(position))).toEqual(position);
  });

  it('packs commit above prepare', () => {
    expect(encodePosition({ commit: 2n, prepare: 5n })).toBe((2n << 64n) + 5n);
    expect(encodePosition({ commit: 0n, prepare: 0n })).toBe(0n);
  });

  it('orders by commit, then by prepare, exactly like EventStoreDB', () => {
    const positions = [
      { commit: 0n, prepare: 7n },
      { commit: 1n, prepare: 0n },
      { commit: 1n, prepare: 1n },
      { commit: 1n, prepare: MAX },
      { commit: 2n, prepare: 0n },
      { commit: 900n, prepare: 850n },
      { commit: 900n, prepare: 900n },
      { commit: MAX, prepare: MAX },
    ];
    const encoded = positions.map(encodePosition);
    const reshuffled = [...encoded].reverse().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(reshuffled).toEqual(encoded);
    for (let i = 1; i < encoded.length; i++) expect(encoded[i - 1]!).toBeLessThan(encoded[i]!);
  });

  it('refuses values outside 64 bits per half', () => {
    expect(() => encodePosition({ commit: -1n, prepare: 0n })).toThrow(RangeError);
    expect(() => encodePosition({ commit: 0n, prepare: MAX + 1n })).toThrow(RangeError);
    expect(() => encodePosition({ commit: MAX + 1n, prepare: 0n })).toThrow(RangeError);
    expect(() => decodePosition(-1n)).toThrow(RangeError);
    expect(() => decodePosition(1n << 128n)).toThrow(RangeError);
  });
});
