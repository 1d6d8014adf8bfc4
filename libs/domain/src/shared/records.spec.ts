import { ownValue } from './records';

describe('ownValue', () => {
  const record: Record<string, number> = { taobao: 1, zero: 0 };

  it('finds what the record holds, falsy values included', () => {
    expect(ownValue(record, 'taobao')).toBe(1);
    expect(ownValue(record, 'zero')).toBe(0);
  });

  it('finds nothing under a key the record lacks', () => expect(ownValue(record, 'jd')).toBeUndefined());

  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__'])('never finds the inherited %s', (key) =>
    expect(ownValue(record, key)).toBeUndefined(),
  );

  it('finds a slug such as constructor once the record holds it', () => {
    const withConstructor: Record<string, string> = Object.fromEntries([['constructor', 'held']]);
    expect(ownValue(withConstructor, 'constructor')).toBe('held');
  });
});
