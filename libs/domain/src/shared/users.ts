/**
 * One key per person for rules that compare users (four eyes): NFKC (full-width and decomposed
 * spellings become one), then case-folded (upper then lower case, so "ß" and "SS" meet too), with
 * invisible characters and spaces dropped. The API refuses such subjects at authentication, but events
 * recorded before it did keep the raw token subject; comparing keys makes those match as well. When
 * in doubt two ids are taken for the same person: for four eyes that only ever refuses more.
 */
export const userKey = (userId: string): string =>
  userId
    .normalize('NFKC')
    .replace(/[\p{C}\p{Z}\s]/gu, '')
    .toUpperCase()
    .toLowerCase()
    .normalize('NFKC');

export const sameUser = (a: string, b: string): boolean => a === b || userKey(a) === userKey(b);
