import { monthsBetween } from './time';

describe('monthsBetween', () => {
  it('counts whole months', () => expect(monthsBetween('2026-01-15', '2029-01-15')).toBe(36));
  it('counts a partial month as a whole one', () => expect(monthsBetween('2026-01-15', '2029-01-16')).toBe(37));
  it('counts within a month as zero or one', () => {
    expect(monthsBetween('2026-01-15', '2026-01-15')).toBe(0);
    expect(monthsBetween('2026-01-15', '2026-01-20')).toBe(1);
  });
});
