import { epochMs, isCalendarDate, monthsBetween } from './time';

describe('monthsBetween', () => {
  it('counts whole months', () => expect(monthsBetween('2026-01-15', '2029-01-15')).toBe(36));
  it('counts a partial month as a whole one', () => expect(monthsBetween('2026-01-15', '2029-01-16')).toBe(37));
  it('counts within a month as zero or one', () => {
    expect(monthsBetween('2026-01-15', '2026-01-15')).toBe(0);
    expect(monthsBetween('2026-01-15', '2026-01-20')).toBe(1);
  });
});

describe('isCalendarDate', () => {
  it.each(['2026-01-01', '2026-12-31', '2026-04-30', '2028-02-29', '2000-02-29', '2027-02-28'])('accepts %s', (value) =>
    expect(isCalendarDate(value)).toBe(true),
  );

  it.each([
    '2026-02-29',
    '1900-02-29',
    '2026-02-30',
    '2026-04-31',
    '2026-13-01',
    '2026-00-10',
    '2026-01-00',
    '2026-1-05',
    '26-01-05',
    '2026-01-05T00:00:00Z',
    ' 2026-01-05',
    '',
    20260105,
    undefined,
  ])('refuses %j', (value) => expect(isCalendarDate(value)).toBe(false));
});

describe('epochMs', () => {
  it('reads a UTC instant with or without fractional seconds as the same number', () => {
    expect(epochMs('2026-12-01T00:00:00Z')).toBe(Date.UTC(2026, 11, 1));
    expect(epochMs('2026-12-01T00:00:00.000Z')).toBe(Date.UTC(2026, 11, 1));
  });

  it('keeps milliseconds and drops finer digits', () => {
    expect(epochMs('2026-12-01T10:20:30.5Z')).toBe(Date.UTC(2026, 11, 1, 10, 20, 30, 500));
    expect(epochMs('2026-12-01T10:20:30.123456789Z')).toBe(Date.UTC(2026, 11, 1, 10, 20, 30, 123));
  });

  it('accepts 29 February in a leap year', () =>
    expect(epochMs('2028-02-29T23:59:59Z')).toBe(Date.UTC(2028, 1, 29, 23, 59, 59)));

  it.each([
    '2026-02-29T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-12-01T24:00:00Z',
    '2026-12-01T10:60:00Z',
    '2026-12-01T10:00:60Z',
    '2026-12-01T10:00:00',
    '2026-12-01T10:00:00+01:00',
    '2026-12-01T10:00Z',
    '2026-12-01T10:00:00.Z',
    '2026-12-01T10:00:00.1234567890Z',
    '2026-12-01',
    ' 2026-12-01T10:00:00Z',
    '',
  ])('refuses %j', (value) => expect(epochMs(value)).toBeUndefined());
});
