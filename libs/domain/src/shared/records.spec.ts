import { dropOwn, ownValue, putOwn } from './records';

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

describe('putOwn and dropOwn', () => {
  it('store and remove an entry in place', () => {
    const record: Record<string, number> = {};
    putOwn(record, 'taobao', 1);
    expect(record).toEqual({ taobao: 1 });
    dropOwn(record, 'taobao');
    expect(record).toEqual({});
  });

  it('keep __proto__ an own entry and leave the prototype alone', () => {
    const record: Record<string, string> = {};
    putOwn(record, '__proto__', 'held');
    expect(ownValue(record, '__proto__')).toBe('held');
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(record))).toEqual(Object.fromEntries([['__proto__', 'held']]));
    dropOwn(record, '__proto__');
    expect(Object.keys(record)).toEqual([]);
  });

  it('never removes an inherited property', () => {
    const record: Record<string, string> = {};
    dropOwn(record, 'toString');
    expect(typeof record.toString).toBe('function');
  });
});
