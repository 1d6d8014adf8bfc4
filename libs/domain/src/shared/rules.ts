import { BusinessRuleViolation, NotPermitted } from './errors';
import type { Actor, Role } from './messages';

/** "the sales role", "the sales or service role", "the sales, compliance or service role". */
const roleList = (roles: readonly Role[]): string =>
  roles.length === 1 ? `the ${roles[0]} role` : `the ${roles.slice(0, -1).join(', ')} or ${roles.at(-1)} role`;

/**
 * Refuses an actor who holds none of `roles`. `refusal` is either the action, such as 'Creating a
 * campaign', refused as "Creating a campaign needs the sales role.", or a function that words the
 * whole message from the roles needed; each aggregate keeps the wording its clients already see.
 */
export const requireRole = (
  actor: Actor,
  roles: readonly Role[],
  refusal: string | ((needed: string) => string),
  code = 'ROLE_REQUIRED',
): void => {
  if (roles.some((role) => actor.roles.includes(role))) return;
  const needed = roleList(roles);
  throw new NotPermitted(code, typeof refusal === 'string' ? `${refusal} needs ${needed}.` : refusal(needed));
};

/**
 * The trimmed text, or a violation with `code` and `message` if nothing but whitespace is left.
 * Anything but a string counts as empty: a malformed command is refused, not crashed on.
 */
export const requiredText = (value: unknown, code: string, message: string): string => {
  const trimmed = typeof value === 'string' ? value.trim() : '';
  if (trimmed === '') throw new BusinessRuleViolation(code, message);
  return trimmed;
};

/**
 * An optional reason as event data: `{ reason }` trimmed, or nothing when it is absent or blank, so
 * the event carries no empty or undefined reason.
 */
export const optionalReason = (value: unknown): { readonly reason?: string } => {
  const trimmed = typeof value === 'string' ? value.trim() : '';
  return trimmed === '' ? {} : { reason: trimmed };
};

// No '-': platform ids and categories end up inside stream names, where '-' ends the category.
const SLUG = /^[a-z][a-z0-9_]{1,31}$/;

/** 2 to 32 lowercase letters, digits or '_', starting with a letter, such as `skincare` or `jd_mall`. */
export const isSlug = (value: unknown): value is string => typeof value === 'string' && SLUG.test(value);

const MINOR_UNITS = /^-?\d+$/;

/**
 * An amount of integer minor units written as decimal digits (optionally negative), or undefined if
 * `value` is anything else. Parsed with BigInt because amounts may exceed Number's exact range.
 */
export const minorUnitsOf = (value: unknown): bigint | undefined =>
  typeof value === 'string' && MINOR_UNITS.test(value) ? BigInt(value) : undefined;
