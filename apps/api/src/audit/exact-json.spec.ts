import { parsesExactly } from './exact-json';

describe('parsesExactly', () => {
  it('accepts what JSON.stringify writes and what PostgreSQL jsonb gives back for it', () => {
    for (const value of [0, -0, 1, -17, 1.5, 0.1, 1e-7, 1e21, 2 ** 60, Number.MAX_SAFE_INTEGER, 123456789.123]) {
      expect(parsesExactly(JSON.stringify({ value }))).toBe(true);
    }
    // jsonb writes 1e-7 as 0.0000001, 1e21 in full, and keeps trailing zeros of the input.
    expect(parsesExactly('{"a": 0.0000001, "b": 1000000000000000000000, "c": 1.50, "d": [1, 2e2]}')).toBe(true);
    // 2^60 as JSON.stringify writes it.
    expect(parsesExactly('{"big": 1152921504606847000}')).toBe(true);
  });

  it('refuses a number that parses to a neighbouring double, whose change a parsed hash cannot see', () => {
    expect(parsesExactly('{"big": 1152921504606847001}')).toBe(false);
    expect(parsesExactly('{"big": 9007199254740993}')).toBe(false);
    expect(parsesExactly('[0.1000000000000000001]')).toBe(false);
    expect(parsesExactly('{"huge": 1e400}')).toBe(false);
  });

  it('ignores digits inside strings, escaped quotes included', () => {
    expect(parsesExactly('{"note": "9007199254740993", "quoted": "say \\"9007199254740993\\"", "n": 5}')).toBe(true);
  });
});
