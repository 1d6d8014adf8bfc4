/**
 * Whether JSON.parse keeps every number of this JSON text exactly as written, so that the parsed
 * value's canonical JSON is the stored content. A writer of this system hashes JavaScript values and
 * stores JSON.stringify's text, whose numbers are each the shortest form of a double; PostgreSQL keeps
 * those digits. A number that is not such a form (a digit changed beyond 2^53, say) parses to a
 * neighbouring double, and its change would go unseen by a hash over the parsed value.
 */
export const parsesExactly = (json: string): boolean => {
  for (const [, number] of json.matchAll(TOKENS)) {
    if (number !== undefined && !isShortestForm(number)) return false;
  }
  return true;
};

// Strings are matched whole so that digits inside them are skipped; what is left are number tokens.
const TOKENS = /"(?:[^"\\]|\\.)*"|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;

// Up to 15 significant digits and no exponent, every decimal is a double's shortest form.
const SAFE = /^-?\d{1,15}$/;

const isShortestForm = (token: string): boolean => {
  if (SAFE.test(token)) return true;
  const value = Number(token);
  return Number.isFinite(value) && decimal(token) === decimal(JSON.stringify(value));
};

/** The exact value of a decimal token as sign, significant digits and exponent: equal values, equal text. */
const decimal = (token: string): string => {
  const [, sign, whole, fraction = '', exponent = '0'] = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(token)!;
  const digits = `${whole}${fraction}`.replace(/^0+/, '');
  const significant = digits.replace(/0+$/, '');
  if (significant === '') return '0';
  return `${sign}${significant}e${Number(exponent) - fraction.length + (digits.length - significant.length)}`;
};
