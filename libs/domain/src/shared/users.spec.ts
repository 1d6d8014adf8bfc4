import { sameUser, userKey } from './users';

describe('sameUser', () => {
  it.each([
    ['sam', 'Sam'],
    ['sam', 'SAM'],
    ['sam', 'ｓａｍ'],
    ['jos\u00e9', 'jose\u0301'],
    ['sam', 'sa\u200bm'],
    ['sam', ' sam\u00a0'],
    ['strasse', 'STRAßE'],
  ])('takes %j and %j for one person', (a, b) => expect(sameUser(a, b)).toBe(true));

  it.each([
    ['sam', 'sara'],
    ['sam', 'sam2'],
    ['jose', 'jos\u00e9'],
  ])('tells %j and %j apart', (a, b) => expect(sameUser(a, b)).toBe(false));

  it('gives one key whatever the spelling', () => expect(userKey('Ｓａｍ')).toBe('sam'));
});
