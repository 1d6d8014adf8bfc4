/** Calendar dates are `YYYY-MM-DD`; instants are ISO-8601 UTC strings. Both compare lexically. */
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
