import type { CalendarDate } from '../shared';
import { BusinessRuleViolation, isCalendarDate, isSlug, minorUnitsOf, monthsBetween } from '../shared';

export interface ContractTerms {
  /** ISO 4217 code, three capital letters. */
  readonly currency: string;
  /** Decimal string of integer minor units, greater than zero. */
  readonly totalValueMinor: string;
  readonly startsOn: CalendarDate;
  readonly endsOn: CalendarDate;
  readonly categories: readonly string[];
  /** The partner shop platforms this contract may enable external links to. */
  readonly platforms: readonly string[];
}

export type TermName = keyof ContractTerms;
export type TermChanges = Partial<ContractTerms>;

export const TERM_NAMES = [
  'currency',
  'totalValueMinor',
  'startsOn',
  'endsOn',
  'categories',
  'platforms',
] as const satisfies readonly TermName[];

/** Once signed, the currency and the start date stay as agreed; an amendment may change the rest. */
export const AMENDABLE_TERM_NAMES = [
  'totalValueMinor',
  'endsOn',
  'categories',
  'platforms',
] as const satisfies readonly TermName[];

export type AmendmentChanges = Partial<Pick<ContractTerms, (typeof AMENDABLE_TERM_NAMES)[number]>>;

const MAX_TERM_MONTHS = 36;
const CURRENCY = /^[A-Z]{3}$/;

export const termsOf = ({
  currency,
  totalValueMinor,
  startsOn,
  endsOn,
  categories,
  platforms,
}: ContractTerms): ContractTerms => ({ currency, totalValueMinor, startsOn, endsOn, categories, platforms });

export const withChanges = (terms: ContractTerms, changes: TermChanges): ContractTerms => ({
  currency: changes.currency ?? terms.currency,
  totalValueMinor: changes.totalValueMinor ?? terms.totalValueMinor,
  startsOn: changes.startsOn ?? terms.startsOn,
  endsOn: changes.endsOn ?? terms.endsOn,
  categories: changes.categories ?? terms.categories,
  platforms: changes.platforms ?? terms.platforms,
});

export const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((item) => b.includes(item));

/** The terms in `next` that differ from `current`; lists compare as sets because their order means nothing. */
export const changedTerms = (current: ContractTerms, next: ContractTerms): TermChanges => {
  const changed: { -readonly [K in TermName]?: ContractTerms[K] } = {};
  if (next.currency !== current.currency) changed.currency = next.currency;
  if (next.totalValueMinor !== current.totalValueMinor) changed.totalValueMinor = next.totalValueMinor;
  if (next.startsOn !== current.startsOn) changed.startsOn = next.startsOn;
  if (next.endsOn !== current.endsOn) changed.endsOn = next.endsOn;
  if (!sameSet(next.categories, current.categories)) changed.categories = next.categories;
  if (!sameSet(next.platforms, current.platforms)) changed.platforms = next.platforms;
  return changed;
};

/**
 * Checks every rule a set of terms must satisfy, whether drafted, revised or amended, and returns
 * them with the value in canonical form (no leading zeros) so equal amounts are stored equally.
 */
export const validTerms = (terms: ContractTerms): ContractTerms => {
  if (typeof terms.currency !== 'string' || !CURRENCY.test(terms.currency)) {
    throw new BusinessRuleViolation(
      'INVALID_CURRENCY',
      `The currency must be an ISO 4217 code of three capital letters, such as EUR (got ${JSON.stringify(terms.currency)}).`,
    );
  }
  const totalValue = positiveMinor(terms.totalValueMinor, 'INVALID_TOTAL_VALUE', 'The total value');
  calendarDate(terms.startsOn, 'start date');
  calendarDate(terms.endsOn, 'end date');
  if (terms.startsOn >= terms.endsOn) {
    throw new BusinessRuleViolation(
      'END_NOT_AFTER_START',
      `The contract must end after it starts; it starts on ${terms.startsOn} and ends on ${terms.endsOn}.`,
    );
  }
  const months = monthsBetween(terms.startsOn, terms.endsOn);
  if (months > MAX_TERM_MONTHS) {
    throw new BusinessRuleViolation(
      'TERM_TOO_LONG',
      `A contract may run at most ${MAX_TERM_MONTHS} months; ${terms.startsOn} to ${terms.endsOn} spans ${months}. Shorten it or sign a follow-up contract.`,
    );
  }
  return {
    currency: terms.currency,
    totalValueMinor: totalValue.toString(),
    startsOn: terms.startsOn,
    endsOn: terms.endsOn,
    categories: slugs(terms.categories, 'INVALID_CATEGORIES', 'category'),
    platforms: slugs(terms.platforms, 'INVALID_PLATFORMS', 'platform'),
  };
};

export const positiveMinor = (value: unknown, code: string, what: string): bigint => {
  const amount = minorUnitsOf(value);
  if (amount === undefined || amount <= 0n) {
    throw new BusinessRuleViolation(
      code,
      `${what} must be a whole number of minor units greater than zero, written as a decimal string (got ${JSON.stringify(value)}).`,
    );
  }
  return amount;
};

/** A non-empty list of distinct slugs such as `skincare` or `jd_mall`. */
export const slugs = (values: unknown, code: string, noun: 'category' | 'platform'): readonly string[] => {
  if (!Array.isArray(values) || values.length === 0) {
    throw new BusinessRuleViolation(code, `List at least one ${noun}.`);
  }
  for (const [index, value] of values.entries()) {
    if (!isSlug(value)) {
      throw new BusinessRuleViolation(
        code,
        `${JSON.stringify(value)} is not a valid ${noun}: use 2 to 32 lowercase letters, digits or underscores, starting with a letter.`,
      );
    }
    if (values.indexOf(value) !== index) {
      throw new BusinessRuleViolation(code, `The ${noun} ${value} is listed twice; list each ${noun} once.`);
    }
  }
  return values as string[];
};

const calendarDate = (value: unknown, what: string): void => {
  if (!isCalendarDate(value)) {
    throw new BusinessRuleViolation(
      'INVALID_DATE',
      `The ${what} must be a calendar date written YYYY-MM-DD (got ${JSON.stringify(value)}).`,
    );
  }
};
