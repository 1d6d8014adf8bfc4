import { checkJsonShape } from './json-body';
import { ProblemException } from './problem';

const check = (json: string, maxDepth = 3, maxElements = 5) =>
  checkJsonShape(Buffer.from(json), { maxDepth, maxElements });

describe('checkJsonShape', () => {
  it('accepts nesting up to the limit', () => expect(() => check('{"a":[[1]]}')).not.toThrow());

  it('refuses one level more', () => expect(() => check('{"a":[[[1]]]}')).toThrow(/deeper than 3 levels/));

  it('ignores brackets inside strings, escaped quotes included', () =>
    expect(() => check('{"a":"[[[[\\"[[[[","b":"\\\\"}')).not.toThrow());

  it('counts members, items and containers', () => {
    expect(() => check('[1,2,3,4]')).not.toThrow();
    expect(() => check('[1,2,3,4,5]')).toThrow(/more than 5 values/);
    expect(() => check('[[],[],[]]')).toThrow(/more than 5 values/);
  });

  it('answers with a 400 problem', () => {
    const error = (() => {
      try {
        check('[[[[1]]]]');
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(ProblemException);
    expect(error).toMatchObject({ status: 400, code: 'MALFORMED_BODY' });
  });
});
