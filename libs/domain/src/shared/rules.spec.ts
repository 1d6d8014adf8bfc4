import { BusinessRuleViolation, NotPermitted } from './errors';
import type { DomainError } from './errors';
import { isSlug, minorUnitsOf, requireRole, requiredText } from './rules';
import { actor } from './testing/decider-spec';

const thrownBy = (run: () => unknown): DomainError => {
  try {
    run();
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected a throw');
};

describe('requireRole', () => {
  it('lets through an actor with any one of the roles', () => {
    expect(() => requireRole(actor('ada', 'service'), ['sales', 'service'], 'Completing a campaign')).not.toThrow();
  });

  it('refuses an actor with none of them as ROLE_REQUIRED, naming the action and the roles', () => {
    const error = thrownBy(() => requireRole(actor('ada', 'compliance'), ['sales'], 'Creating a campaign'));
    expect(error).toBeInstanceOf(NotPermitted);
    expect(error.code).toBe('ROLE_REQUIRED');
    expect(error.message).toBe('Creating a campaign needs the sales role.');
  });

  it('refuses an actor without roles', () => {
    expect(thrownBy(() => requireRole(actor('ada'), ['sales'], 'Creating a campaign'))).toBeInstanceOf(NotPermitted);
  });

  it.each([
    [['sales', 'deal_approver'], 'X needs the sales or deal_approver role.'],
    [['sales', 'compliance', 'service'], 'X needs the sales, compliance or service role.'],
  ] as const)('lists the roles %j in prose', (roles, message) => {
    expect(thrownBy(() => requireRole(actor('ada', 'finance_auditor'), roles, 'X')).message).toBe(message);
  });

  it('lets the aggregate word the whole refusal and choose the code', () => {
    const error = thrownBy(() =>
      requireRole(
        actor('ada', 'sales'),
        ['deal_approver'],
        (needed) => `To approve you need ${needed}.`,
        'APPROVER_ONLY',
      ),
    );
    expect(error.code).toBe('APPROVER_ONLY');
    expect(error.message).toBe('To approve you need the deal_approver role.');
  });
});

describe('requiredText', () => {
  it('returns the text trimmed', () => expect(requiredText('  a reason \n', 'CODE', 'message')).toBe('a reason'));

  it.each(['', '   ', '\t\n', undefined, null, 42])('refuses %j with the given code and message', (value) => {
    const error = thrownBy(() => requiredText(value, 'REASON_REQUIRED', 'Say why.'));
    expect(error).toBeInstanceOf(BusinessRuleViolation);
    expect(error.code).toBe('REASON_REQUIRED');
    expect(error.message).toBe('Say why.');
  });
});

describe('isSlug', () => {
  it.each(['taobao', 'jd_mall', 'ab', 'a1', `a${'b'.repeat(31)}`])('accepts %j', (value) =>
    expect(isSlug(value)).toBe(true),
  );

  it.each(['a', `a${'b'.repeat(32)}`, 'Taobao', '1ab', '_ab', 'jd-mall', 'jd mall', ' taobao', 'taobao\n', '', 7])(
    'refuses %j',
    (value) => expect(isSlug(value)).toBe(false),
  );
});

describe('minorUnitsOf', () => {
  it.each([
    ['150000', 150000n],
    ['0', 0n],
    ['007', 7n],
    ['-25', -25n],
    ['123456789012345678901234567890', 123456789012345678901234567890n],
  ])('reads %j as %p', (value, amount) => expect(minorUnitsOf(value)).toBe(amount));

  it.each(['', '-', '1.5', '1e3', ' 1', '1 ', '+1', '0x10', '1_000', 150000, 150000n, null])('refuses %j', (value) =>
    expect(minorUnitsOf(value)).toBeUndefined(),
  );
});
