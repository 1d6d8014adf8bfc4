import { MAX_POSITION, POSITION_PATTERN, parsePosition } from './event-store';

describe('parsePosition', () => {
  it.each([
    ['0', 0n],
    ['8589934593', 8589934593n],
    [MAX_POSITION.toString(), MAX_POSITION],
  ])('reads %s', (text, position) => {
    expect(parsePosition(text)).toBe(position);
    expect(POSITION_PATTERN.test(text)).toBe(true);
  });

  it.each([
    ['one past the largest position any store hands out', (MAX_POSITION + 1n).toString()],
    ['more digits than the largest position has', '1'.repeat(MAX_POSITION.toString().length + 1)],
    ['a leading zero', '01'],
    ['a sign', '-1'],
    ['an exponent', '1e3'],
    ['spaces', ' 1'],
    ['nothing', ''],
  ])('refuses %s', (_, text) => {
    expect(parsePosition(text)).toBeUndefined();
  });
});
