/**
 * The form names are searched in: NFKC folds full-width letters and digits and compatibility
 * characters (ｓｈｅｎｚｈｅｎ -> shenzhen, ㈱ -> (株)), and upper- then lower-casing approximates
 * Unicode full case folding (ß -> ss, ﬃ -> ffi) where toLowerCase alone would not. CJK text has
 * no case and passes through. The same function runs on stored names and on search terms, so what
 * is stored and what is asked are compared in one form.
 */
export const searchText = (text: string): string =>
  text.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC').replace(/\s+/g, ' ').trim();

/** A LIKE pattern that matches `text` anywhere, with LIKE's own wildcards taken literally. */
export const containsPattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
