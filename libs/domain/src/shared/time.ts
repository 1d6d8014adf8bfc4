/**
 * Calendar dates are `YYYY-MM-DD` and compare lexically. Instants are ISO-8601 UTC strings; compare
 * them with `epochMs`, since the same instant may be written with or without fractional seconds.
 */
export type CalendarDate = string;
export type Instant = string;

export const dateOf = (instant: Instant): CalendarDate => instant.slice(0, 10);

/** Whole months from `from` to `to`, counting a partial month as a whole one. */
export const monthsBetween = (from: CalendarDate, to: CalendarDate): number => {
  const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = to.split('-').map(Number) as [number, number, number];
  const months = (ty - fy) * 12 + (tm - fm);
  return td > fd ? months + 1 : months;
};

const daysInMonth = (year: number, month: number): number => {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
};

const isDayOfYear = (year: number, month: number, day: number): boolean =>
  month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A `YYYY-MM-DD` string naming a day that exists (no 30 February, no 29 February outside leap years). */
export const isCalendarDate = (value: unknown): value is CalendarDate => {
  const match = typeof value === 'string' ? CALENDAR_DATE.exec(value) : null;
  return match !== null && isDayOfYear(Number(match[1]), Number(match[2]), Number(match[3]));
};

const UTC_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

/**
 * Epoch milliseconds of an ISO-8601 UTC instant, or undefined if it is not one. Instants are compared
 * as numbers because `...:00Z` and `...:00.000Z` name the same instant but do not compare lexically,
 * and Date.parse alone would accept 30 February by rolling it over.
 */
export const epochMs = (value: string): number | undefined => {
  const match = UTC_INSTANT.exec(value);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  if (!isDayOfYear(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  const millisecond = Number((match[7] ?? '').padEnd(3, '0').slice(0, 3));
  return Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
};
