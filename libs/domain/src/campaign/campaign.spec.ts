import { BusinessRuleViolation, NotFound, NotPermitted } from '../shared';
import type { Actor, CategoryStanding, ContractStanding, LinkPolicy } from '../shared';
import { actor, metadataOf, recorded, spec } from '../shared/testing/decider-spec';
import { campaignDecider, campaignStreamId, campaignFactsNeeded as factsNeeded } from '.';
import type { CampaignCommand, CampaignEvent, CampaignFacts, CreateCampaign } from '.';

const sam = actor('sam', 'sales');
const sue = actor('sue', 'sales');
const cora = actor('cora', 'compliance');
const ads = actor('ads', 'service');
const finn = actor('finn', 'finance_auditor');
// Holds both roles, so only the four-eyes rule can stop them reviewing their own campaign.
const pat = actor('pat', 'sales', 'compliance');

const id = 'c-1';
const LIVE_NOW = '2026-12-10T12:00:00.000Z';

const contract: ContractStanding = {
  contractId: 'k-1',
  status: 'Active',
  advertiserId: 'adv-1',
  currency: 'CNY',
  totalValueMinor: '1000000',
  allocatedMinor: '400000',
  startsOn: '2026-11-01',
  endsOn: '2027-10-31',
  categories: ['beauty', 'food'],
  enabledLinks: { taobao: ['beauty'], pdd: ['beauty'] },
};
const category: CategoryStanding = { advertiserId: 'adv-1', category: 'beauty', approved: true };
const policy: LinkPolicy = {
  platforms: {
    taobao: { platform: 'taobao', suspended: false, allowedDomains: ['taobao.com', 'tmall.com'] },
    jd: { platform: 'jd', suspended: false, allowedDomains: ['jd.com'] },
  },
  linkEligibleCategories: { beauty: { regulated: false } },
  commercialLoadCapBasisPoints: 1500,
};
const facts: CampaignFacts = { contract, category, policy };
// A spend report reads no other stream, however many campaigns share the contract.
const spendFacts: CampaignFacts = {};

const creationWithoutLink: CreateCampaign['data'] = {
  campaignId: id,
  contractId: 'k-1',
  advertiserId: 'adv-1',
  category: 'beauty',
  budgetMinor: '100000',
  startsAt: '2026-12-01T00:00:00.000Z',
  endsAt: '2027-01-01T00:00:00.000Z',
  adLabel: 'Ad',
};
const creation: CreateCampaign['data'] = {
  ...creationWithoutLink,
  linkTarget: { platform: 'taobao', url: 'https://shop.taobao.com/item?id=42' },
};

const command = <T extends CampaignCommand['type']>(
  type: T,
  data: Extract<CampaignCommand, { type: T }>['data'],
  by: Actor,
  now?: string,
): CampaignCommand => ({ type, data, metadata: metadataOf(by, now) }) as CampaignCommand;

const create = (data: Partial<CreateCampaign['data']> = {}, by: Actor = sam, now?: string) =>
  command('CreateCampaign', { ...creation, ...data }, by, now);
const submit = (by: Actor = sam) => command('SubmitCampaign', { campaignId: id }, by);
const approve = (by: Actor = cora) => command('ApproveCampaign', { campaignId: id }, by);
const reject = (reason = 'misleading claims', by: Actor = cora) =>
  command('RejectCampaign', { campaignId: id, reason }, by);
const launch = (by: Actor = ads, now = LIVE_NOW) => command('LaunchCampaign', { campaignId: id }, by, now);
const pause = (reason = 'creative refresh', by: Actor = sam) =>
  command('PauseCampaign', { campaignId: id, reason }, by);
const resume = (by: Actor = sam, now = LIVE_NOW) => command('ResumeCampaign', { campaignId: id }, by, now);
const changeBudget = (budgetMinor: string, by: Actor = sam) =>
  command('ChangeCampaignBudget', { campaignId: id, budgetMinor }, by);
const reportSpend = (batchId: string, amountMinor: string, by: Actor = ads, period = december10) =>
  command('ReportCampaignSpend', { campaignId: id, batchId, amountMinor, ...period }, by, LIVE_NOW);
const suspend = (cause = 'category approval revoked', by: Actor = ads) =>
  command('SuspendCampaignByPolicy', { campaignId: id, cause }, by);
const complete = (by: Actor = ads, reason?: string) =>
  command('CompleteCampaign', { campaignId: id, ...(reason === undefined ? {} : { reason }) }, by);

const december10 = { periodStart: '2026-12-10T00:00:00.000Z', periodEnd: '2026-12-10T12:00:00.000Z' };
const december20 = { periodStart: '2026-12-20T06:00:00.000Z', periodEnd: '2026-12-20T07:00:00.000Z' };

const event = (e: CampaignEvent, by: Actor) => recorded(e, by);
const created = (data: Partial<CreateCampaign['data']> = {}, by: Actor = sam) =>
  event({ type: 'CampaignCreated', data: { ...creation, ...data } }, by);
const submitted = (by: Actor = sam) => event({ type: 'CampaignSubmitted', data: { campaignId: id } }, by);
const approved = event({ type: 'CampaignApproved', data: { campaignId: id } }, cora);
const rejected = event(
  { type: 'CampaignRejected', data: { campaignId: id, reason: 'no', budgetMinor: '100000' } },
  cora,
);
const launched = event({ type: 'CampaignLaunched', data: { campaignId: id } }, ads);
const paused = (reason = 'creative refresh') =>
  event({ type: 'CampaignPaused', data: { campaignId: id, reason } }, sam);
const resumed = event({ type: 'CampaignResumed', data: { campaignId: id } }, sam);
const budgetChanged = (budgetMinor: string, previousBudgetMinor = '100000') =>
  event({ type: 'CampaignBudgetChanged', data: { campaignId: id, budgetMinor, previousBudgetMinor } }, sam);
const spent = (batchId: string, amountMinor: string) =>
  event({ type: 'CampaignSpendReported', data: { campaignId: id, batchId, amountMinor, ...december10 } }, ads);
const suspended = event({ type: 'CampaignSuspendedByPolicy', data: { campaignId: id, cause: 'revoked' } }, ads);
const completed = event(
  { type: 'CampaignCompleted', data: { campaignId: id, spentMinor: '0', unspentMinor: '100000' } },
  ads,
);

const draft = [created()];
const inReview = [created(), submitted()];
const ready = [...inReview, approved];
const live = [...ready, launched];

const when = (given: ReturnType<typeof created>[], cmd: CampaignCommand, withFacts: CampaignFacts = facts) =>
  spec(campaignDecider).given(given).when(cmd, withFacts);

describe('campaign stream', () => {
  it('names the stream campaign-<id>', () => expect(campaignStreamId('c-1')).toBe('campaign-c-1'));

  it('refuses to fold a stream that does not start with CampaignCreated', () =>
    expect(() => campaignDecider.evolve(campaignDecider.initialState, launched)).toThrow(
      'CampaignLaunched cannot precede CampaignCreated',
    ));
});

describe('factsNeeded', () => {
  it('asks for the policy at creation only when there is a link', () => {
    expect(factsNeeded(create())).toEqual(['contract', 'category', 'policy']);
    expect(factsNeeded(command('CreateCampaign', creationWithoutLink, sam))).toEqual(['contract', 'category']);
  });
  it('asks for everything a re-check needs at approval', () =>
    expect(factsNeeded(approve())).toEqual(['contract', 'category', 'policy']));
  it('asks for the contract at launch, and the category too at resumption', () => {
    expect(factsNeeded(launch())).toEqual(['contract']);
    expect(factsNeeded(resume())).toEqual(['contract', 'category']);
  });
  it('asks for nothing where the campaign alone decides, spend reports included', () => {
    for (const cmd of [
      submit(),
      reject(),
      pause(),
      changeBudget('5'),
      reportSpend('b-1', '10'),
      suspend(),
      complete(),
    ]) {
      expect(factsNeeded(cmd)).toEqual([]);
    }
  });
});

describe('CreateCampaign', () => {
  it('creates a campaign with a link', () => when([], create()).then([{ type: 'CampaignCreated', data: creation }]));

  it('creates a campaign without a link, needing no policy', () =>
    when([], command('CreateCampaign', creationWithoutLink, sam), { contract, category }).then([
      { type: 'CampaignCreated', data: creationWithoutLink },
    ]));

  it('records the ad label trimmed and the budget in canonical digits', () =>
    when([], create({ adLabel: '  Sponsored  ', budgetMinor: '000100' })).then([
      { type: 'CampaignCreated', data: { ...creation, adLabel: 'Sponsored', budgetMinor: '100' } },
    ]));

  it('needs the sales role', () => when([], create({}, cora)).thenThrows(NotPermitted, 'ROLE_REQUIRED'));

  it('refuses an id already in use', () =>
    when(draft, create()).thenThrows(BusinessRuleViolation, 'CAMPAIGN_ALREADY_EXISTS'));

  it('requires an ad label', () =>
    when([], create({ adLabel: '   ' })).thenThrows(BusinessRuleViolation, 'AD_LABEL_REQUIRED'));

  it('refuses an ad label over 40 characters', () =>
    when([], create({ adLabel: 'x'.repeat(41) })).thenThrows(BusinessRuleViolation, 'AD_LABEL_TOO_LONG'));

  it('counts characters, not UTF-16 units, in the ad label', () =>
    when([], create({ adLabel: '广告😀'.repeat(13) + '广' })).then([
      { type: 'CampaignCreated', data: { ...creation, adLabel: '广告😀'.repeat(13) + '广' } },
    ]));

  it('refuses a budget that is not whole minor units', () =>
    when([], create({ budgetMinor: '12.50' })).thenThrows(BusinessRuleViolation, 'INVALID_AMOUNT'));

  it.each(['0', '-5'])('refuses a budget of %s', (budgetMinor) =>
    when([], create({ budgetMinor })).thenThrows(BusinessRuleViolation, 'BUDGET_NOT_POSITIVE'),
  );

  it.each([
    ['an end equal to the start', '2026-12-01T00:00:00Z', '2026-12-01T00:00:00.000Z'],
    ['an end before the start', '2026-12-02T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
    ['a date without a time', '2026-12-01', '2027-01-01T00:00:00.000Z'],
    ['a date that does not exist', '2026-12-01T00:00:00.000Z', '2027-02-30T00:00:00.000Z'],
    ['a local time with an offset', '2026-12-01T00:00:00+08:00', '2027-01-01T00:00:00.000Z'],
  ])('refuses %s', (_case, startsAt, endsAt) =>
    when([], create({ startsAt, endsAt })).thenThrows(BusinessRuleViolation, 'CAMPAIGN_WINDOW_INVALID'),
  );

  it('refuses a campaign that ends before now', () =>
    when([], create({ startsAt: '2026-11-02T00:00:00.000Z', endsAt: '2026-11-25T09:59:59.999Z' })).thenThrows(
      BusinessRuleViolation,
      'CAMPAIGN_ALREADY_ENDED',
    ));

  it('accepts a campaign that ends exactly now', () =>
    when([], create({ startsAt: '2026-11-02T00:00:00.000Z', endsAt: '2026-11-25T10:00:00.000Z' })).then([
      {
        type: 'CampaignCreated',
        data: { ...creation, startsAt: '2026-11-02T00:00:00.000Z', endsAt: '2026-11-25T10:00:00.000Z' },
      },
    ]));

  it('needs an active contract', () =>
    when([], create(), { ...facts, contract: { ...contract, status: 'Suspended' } }).thenThrows(
      BusinessRuleViolation,
      'CONTRACT_NOT_ACTIVE',
    ));

  it("needs the contract's advertiser", () =>
    when([], create({ advertiserId: 'adv-2' }), {
      ...facts,
      category: { ...category, advertiserId: 'adv-2' },
    }).thenThrows(BusinessRuleViolation, 'ADVERTISER_MISMATCH'));

  it('refuses a start before the contract term', () =>
    when([], create({ startsAt: '2026-10-31T23:59:59.999Z' })).thenThrows(
      BusinessRuleViolation,
      'OUTSIDE_CONTRACT_TERM',
    ));

  it('refuses an end after the contract term', () =>
    when([], create({ endsAt: '2027-11-01T00:00:00.001Z' })).thenThrows(
      BusinessRuleViolation,
      'OUTSIDE_CONTRACT_TERM',
    ));

  it('accepts a window from the first day of the term up to midnight after its last day', () =>
    when([], create({ startsAt: '2026-11-01T00:00:00.000Z', endsAt: '2027-11-01T00:00:00.000Z' })).then([
      {
        type: 'CampaignCreated',
        data: { ...creation, startsAt: '2026-11-01T00:00:00.000Z', endsAt: '2027-11-01T00:00:00.000Z' },
      },
    ]));

  it('needs a category on the contract', () =>
    when([], create({ category: 'toys' }), { ...facts, category: { ...category, category: 'toys' } }).thenThrows(
      BusinessRuleViolation,
      'CATEGORY_NOT_ON_CONTRACT',
    ));

  it('needs the category approved for the advertiser', () =>
    when([], create(), { ...facts, category: { ...category, approved: false } }).thenThrows(
      BusinessRuleViolation,
      'CATEGORY_NOT_APPROVED',
    ));

  it('needs links to the platform enabled on the contract for the category', () =>
    when([], create({ category: 'food' }), { ...facts, category: { ...category, category: 'food' } }).thenThrows(
      BusinessRuleViolation,
      'LINK_NOT_ENABLED',
    ));

  it('needs a registered link platform', () =>
    when([], create({ linkTarget: { platform: 'pdd', url: 'https://pdd.com/x' } })).thenThrows(
      BusinessRuleViolation,
      'LINK_PLATFORM_NOT_REGISTERED',
    ));

  it('refuses a suspended link platform', () =>
    when([], create(), {
      ...facts,
      policy: {
        ...policy,
        platforms: { ...policy.platforms, taobao: { ...policy.platforms.taobao!, suspended: true } },
      },
    }).thenThrows(BusinessRuleViolation, 'LINK_PLATFORM_SUSPENDED'));

  it("refuses a link outside the platform's allowed domains", () =>
    when([], create({ linkTarget: { platform: 'taobao', url: 'https://eviltaobao.com/x' } })).thenThrows(
      BusinessRuleViolation,
      'LINK_TARGET_NOT_ALLOWED',
    ));

  it('treats a missing fact as a programming error', () =>
    expect(() => campaignDecider.decide(create(), campaignDecider.initialState, { contract, category })).toThrow(
      'needs the policy fact',
    ));

  it("treats another contract's facts as a programming error", () =>
    expect(() =>
      campaignDecider.decide(create(), campaignDecider.initialState, {
        ...facts,
        contract: { ...contract, contractId: 'k-2' },
      }),
    ).toThrow('The contract fact is for k-2'));
});

describe('SubmitCampaign', () => {
  it('submits a draft', () => when(draft, submit()).then([{ type: 'CampaignSubmitted', data: { campaignId: id } }]));
  it('needs the sales role', () => when(draft, submit(cora)).thenThrows(NotPermitted, 'ROLE_REQUIRED'));
  it('needs an existing campaign', () => when([], submit()).thenThrows(NotFound, 'CAMPAIGN_NOT_FOUND'));
  it('submits only a draft', () => when(inReview, submit()).thenThrows(BusinessRuleViolation, 'CAMPAIGN_NOT_DRAFT'));
});

describe('ApproveCampaign', () => {
  it('approves a submitted campaign', () =>
    when(inReview, approve()).then([{ type: 'CampaignApproved', data: { campaignId: id } }]));

  it('approves a campaign without a link with no policy at hand', () =>
    when([event({ type: 'CampaignCreated', data: creationWithoutLink }, sam), submitted()], approve(), {
      contract,
      category,
    }).then([{ type: 'CampaignApproved', data: { campaignId: id } }]));

  it('needs the compliance role', () => when(inReview, approve(sue)).thenThrows(NotPermitted, 'ROLE_REQUIRED'));
  it('needs an existing campaign', () => when([], approve()).thenThrows(NotFound, 'CAMPAIGN_NOT_FOUND'));
  it('approves only a submitted campaign', () =>
    when(draft, approve()).thenThrows(BusinessRuleViolation, 'CAMPAIGN_NOT_SUBMITTED'));

  it('refuses the creator', () =>
    when([created({}, pat), submitted(sam)], approve(pat)).thenThrows(NotPermitted, 'FOUR_EYES'));

  it('refuses the submitter', () =>
    when([created({}, sam), submitted(pat)], approve(pat)).thenThrows(NotPermitted, 'FOUR_EYES'));

  it('re-checks that the contract is still active', () =>
    when(inReview, approve(), { ...facts, contract: { ...contract, status: 'Terminated' } }).thenThrows(
      BusinessRuleViolation,
      'CONTRACT_NOT_ACTIVE',
    ));

  it('re-checks that the category is still approved', () =>
    when(inReview, approve(), { ...facts, category: { ...category, approved: false } }).thenThrows(
      BusinessRuleViolation,
      'CATEGORY_NOT_APPROVED',
    ));

  it('re-checks that the link is still enabled', () =>
    when(inReview, approve(), { ...facts, contract: { ...contract, enabledLinks: {} } }).thenThrows(
      BusinessRuleViolation,
      'LINK_NOT_ENABLED',
    ));

  it('re-checks that the platform is not suspended', () =>
    when(inReview, approve(), {
      ...facts,
      policy: { ...policy, platforms: { taobao: { ...policy.platforms.taobao!, suspended: true } } },
    }).thenThrows(BusinessRuleViolation, 'LINK_PLATFORM_SUSPENDED'));

  it("re-checks the link against the platform's current domains", () =>
    when(inReview, approve(), {
      ...facts,
      policy: { ...policy, platforms: { taobao: { ...policy.platforms.taobao!, allowedDomains: ['tmall.com'] } } },
    }).thenThrows(BusinessRuleViolation, 'LINK_TARGET_NOT_ALLOWED'));
});

describe('RejectCampaign', () => {
  it('rejects with the current budget, so the shell can release it', () =>
    when([...inReview, budgetChanged('150000')], reject()).then([
      { type: 'CampaignRejected', data: { campaignId: id, reason: 'misleading claims', budgetMinor: '150000' } },
    ]));
  it('needs the compliance role', () => when(inReview, reject('no', sue)).thenThrows(NotPermitted, 'ROLE_REQUIRED'));
  it('needs an existing campaign', () => when([], reject()).thenThrows(NotFound, 'CAMPAIGN_NOT_FOUND'));
  it('rejects only a submitted campaign', () =>
    when(ready, reject()).thenThrows(BusinessRuleViolation, 'CAMPAIGN_NOT_SUBMITTED'));
  it('refuses the creator', () =>
    when([created({}, pat), submitted(sam)], reject('no', pat)).thenThrows(NotPermitted, 'FOUR_EYES'));
  it('needs a reason', () => when(inReview, reject('  ')).thenThrows(BusinessRuleViolation, 'REASON_REQUIRED'));
});

describe('LaunchCampaign', () => {
  const launchFacts: CampaignFacts = { contract };

  it.each([
    ['service', ads],
    ['sales', sam],
  ])('launches an approved campaign for %s', (_role, by) =>
    when(ready, launch(by), launchFacts).then([{ type: 'CampaignLaunched', data: { campaignId: id } }]),
  );

  it('launches exactly at the start', () =>
    when(ready, launch(ads, '2026-12-01T00:00:00.000Z'), launchFacts).then([
      { type: 'CampaignLaunched', data: { campaignId: id } },
    ]));

  it('needs the sales or service role', () =>
    when(ready, launch(cora), launchFacts).thenThrows(NotPermitted, 'ROLE_REQUIRED'));
  it('needs an existing campaign', () => when([], launch(), launchFacts).thenThrows(NotFound, 'CAMPAIGN_NOT_FOUND'));
  it('launches only an approved campaign', () =>
    when(inReview, launch(), launchFacts).thenThrows(BusinessRuleViolation, 'CAMPAIGN_NOT_APPROVED'));
  it('needs an active contract', () =>
    when(ready, launch(), { contract: { ...contract, status: 'Expired' } }).thenThrows(
      BusinessRuleViolation,
      'CONTRACT_NOT_ACTIVE',
    ));
  it('refuses before the start', () =>
    when(ready, launch(ads, '2026-11-30T23:59:59.999Z'), launchFacts).thenThrows(
      BusinessRuleViolation,
      'CAMPAIGN_NOT_STARTED',
    ));
  it('refuses at the end, which is exclusive', () =>
    when(ready, launch(ads, '2027-01-01T00:00:00.000Z'), launchFacts).thenThrows(
      BusinessRuleViolation,
      'CAMPAIGN_ALREADY_ENDED',
    ));
});

describe('PauseCampaign', () => {
  it.each([
    ['sales', sam],
    ['compliance', cora],
    ['service', ads],
  ])('pauses a live campaign for %s', (_role, by) =>
    when(live, pause('creative refresh', by)).then([
      { type: 'CampaignPaused', data: { campaignId: id, reason: 'creative refresh' } },
    ]),
  );
  it('needs the sales, compliance or service role', () =>
    when(live, pause('x', finn)).thenThrows(NotPermitted, 'ROLE_REQUIRED'));
  it('needs an existing campaign', () => when([], pause()).thenThrows(NotFound, 'CAMPAIGN_NOT_FOUND'));
  it('pauses only a live campaign', () =>
    when([...live, paused()], pause()).thenThrows(BusinessRuleViolation, 'CAMPAIGN_NOT_LIVE'));
  it('needs a reason', () => when(live, pause(' ')).thenThrows(BusinessRuleViolation, 'REASON_REQUIRED'));
});

describe('ResumeCampaign', () => {
  const resumeFacts: CampaignFacts = { contract, category };
  const pausedCampaign = [...live, paused()];

  it('resumes a paused campaign', () =>
    when(pausedCampaign, resume(), resumeFacts).then([{ type: 'CampaignResumed', data: { campaignId: id } }]));
  it('needs the sales, compliance or service role', () =>
    when(pausedCampaign, resume(finn), resumeFacts).thenThrows(NotPermitted, 'ROLE_REQUIRED'));
  it('needs an existing campaign', () => when([], resume(), resumeFacts).thenThrows(NotFound, 'CAMPAIGN_NOT_FOUND'));
  it('resumes only a paused campaign', () =>
    when([...pausedCampaign, resumed], resume(), resumeFacts).thenThrows(BusinessRuleViolation, 'CAMPAIGN_NOT_PAUSED'));
  it('never resumes a campaign suspended by policy', () =>
    when([...pausedCampaign, suspended], resume(), resumeFacts).thenThrows(
      BusinessRuleViolation,
      'CAMPAIGN_SUSPENDED_BY_POLICY',
    ));
  it('refuses while the budget is spent', () =>
    when([...live, spent('b-1', '100000'), paused('budget exhausted')], resume(), resumeFacts).thenThrows(
      BusinessRuleViolation,
      'BUDGET_EXHAUSTED',
    ));
  it('resumes once the budget has been raised above the spend', () =>
    when(
      [...live, spent('b-1', '100000'), paused('budget exhausted'), budgetChanged('120000')],
      resume(),
      resumeFacts,
    ).then([{ type: 'CampaignResumed', data: { campaignId: id } }]));
  it('refuses after the end', () =>
    when(pausedCampaign, resume(sam, '2027-01-01T00:00:00.000Z'), resumeFacts).thenThrows(
      BusinessRuleViolation,
      'CAMPAIGN_ALREADY_ENDED',
    ));
  it('needs an active contract', () =>
    when(pausedCampaign, resume(), { ...resumeFacts, contract: { ...contract, status: 'Suspended' } }).thenThrows(
      BusinessRuleViolation,
      'CONTRACT_NOT_ACTIVE',
    ));
  it('needs the category still approved', () =>
    when(pausedCampaign, resume(), { ...resumeFacts, category: { ...category, approved: false } }).thenThrows(
      BusinessRuleViolation,
      'CATEGORY_NOT_APPROVED',
    ));
});

describe('ChangeCampaignBudget', () => {
  it('changes the budget and records the previous one', () =>
    when(live, changeBudget('250000')).then([
      { type: 'CampaignBudgetChanged', data: { campaignId: id, budgetMinor: '250000', previousBudgetMinor: '100000' } },
    ]));
  it('may lower the budget to exactly what was spent', () =>
    when([...live, spent('b-1', '40000')], changeBudget('40000')).then([
      { type: 'CampaignBudgetChanged', data: { campaignId: id, budgetMinor: '40000', previousBudgetMinor: '100000' } },
    ]));
  it('needs the sales role', () => when(live, changeBudget('5', ads)).thenThrows(NotPermitted, 'ROLE_REQUIRED'));
  it('needs an existing campaign', () => when([], changeBudget('5')).thenThrows(NotFound, 'CAMPAIGN_NOT_FOUND'));
  it.each([
    ['rejected', [...inReview, rejected]],
    ['completed', [...live, completed]],
  ])('refuses a %s campaign', (_status, given) =>
    when(given, changeBudget('5')).thenThrows(BusinessRuleViolation, 'CAMPAIGN_CLOSED'),
  );
  it('refuses an amount that is not whole minor units', () =>
    when(live, changeBudget('1e6')).thenThrows(BusinessRuleViolation, 'INVALID_AMOUNT'));
  it('refuses a budget of zero', () =>
    when(live, changeBudget('0')).thenThrows(BusinessRuleViolation, 'BUDGET_NOT_POSITIVE'));
  it('refuses the same budget, however it is written', () =>
    when(live, changeBudget('0100000')).thenThrows(BusinessRuleViolation, 'BUDGET_UNCHANGED'));
  it('refuses a budget below the spend', () =>
    when([...live, spent('b-1', '40000')], changeBudget('39999')).thenThrows(
      BusinessRuleViolation,
      'BUDGET_BELOW_SPEND',
    ));
});

describe('ReportCampaignSpend', () => {
  const reported = (
    batchId: string,
    amountMinor: string,
    billableMinor = amountMinor,
    period: { periodStart: string; periodEnd: string } = december10,
  ): CampaignEvent => ({
    type: 'CampaignSpendReported',
    data: {
      campaignId: id,
      batchId,
      amountMinor,
      ...period,
      billableMinor,
      overdeliveredMinor: (BigInt(amountMinor) - BigInt(billableMinor)).toString(),
    },
  });
  const exhausted: CampaignEvent = { type: 'CampaignPaused', data: { campaignId: id, reason: 'budget exhausted' } };
  /** A report recorded with its split, as the decider records it now. */
  const split = (batchId: string, amountMinor: string, billableMinor: string) =>
    event(reported(batchId, amountMinor, billableMinor), ads);
  const at = <E extends CampaignEvent>(e: E, by: Actor, instant: string) => recorded(e, by, instant);
  // Live from 1 December, paused on 11 December, live again from 20 December.
  const launchedDec1 = at({ type: 'CampaignLaunched', data: { campaignId: id } }, ads, '2026-12-01T00:00:00.000Z');
  const stoppedDec11 = (e: CampaignEvent) => at(e, ads, '2026-12-11T00:00:00.000Z');
  const pausedDec11 = stoppedDec11({ type: 'CampaignPaused', data: { campaignId: id, reason: 'creative refresh' } });
  const resumedDec20 = at({ type: 'CampaignResumed', data: { campaignId: id } }, sam, '2026-12-20T00:00:00.000Z');
  const liveSinceDec1 = [...ready, launchedDec1];
  const december15 = { periodStart: '2026-12-15T00:00:00.000Z', periodEnd: '2026-12-15T01:00:00.000Z' };
  const november30 = { periodStart: '2026-11-30T00:00:00.000Z', periodEnd: '2026-11-30T23:00:00.000Z' };
  const lateReport = (batchId: string, amountMinor: string, period = december10) =>
    command(
      'ReportCampaignSpend',
      { campaignId: id, batchId, amountMinor, ...period },
      ads,
      '2026-12-21T00:00:00.000Z',
    );

  it('records spend under the budget as billable', () =>
    when(live, reportSpend('b-1', '30000'), spendFacts).then([reported('b-1', '30000')]));

  it('pauses when the billable spend reaches the budget exactly', () =>
    when([...live, split('b-1', '60000', '60000')], reportSpend('b-2', '40000'), spendFacts).then([
      reported('b-2', '40000'),
      exhausted,
    ]));

  it('bills up to the budget and records the rest as overdelivery, and pauses', () =>
    when([...live, split('b-1', '60000', '60000')], reportSpend('b-2', '50000'), spendFacts).then([
      reported('b-2', '50000', '40000'),
      exhausted,
    ]));

  it('records a report beyond the whole budget, since it was delivered, billing only the budget', () =>
    when(live, reportSpend('b-1', '100001'), spendFacts).then([reported('b-1', '100001', '100000'), exhausted]));

  it('records everything reported after the budget is used up as overdelivery', () =>
    when(
      [...liveSinceDec1, split('b-1', '100000', '100000'), stoppedDec11(exhausted)],
      lateReport('b-2', '7000'),
      spendFacts,
    ).then([reported('b-2', '7000', '0')]));

  it('bills what a raised budget leaves room for, never earlier overdelivery', () =>
    when(
      [...liveSinceDec1, split('b-1', '130000', '100000'), stoppedDec11(exhausted), budgetChanged('120000')],
      lateReport('b-2', '30000'),
      spendFacts,
    ).then([reported('b-2', '30000', '20000')]));

  it('counts a report recorded before spend was split as billable in full', () =>
    when([...live, spent('b-1', '90000')], reportSpend('b-2', '20000'), spendFacts).then([
      reported('b-2', '20000', '10000'),
      exhausted,
    ]));

  it('accepts spend for a live period reported after a pause, without pausing again', () =>
    when([...liveSinceDec1, pausedDec11], lateReport('b-1', '30000'), spendFacts).then([reported('b-1', '30000')]));

  it('accepts spend for a live period reported after a suspension by policy', () =>
    when(
      [
        ...liveSinceDec1,
        stoppedDec11({ type: 'CampaignSuspendedByPolicy', data: { campaignId: id, cause: 'revoked' } }),
      ],
      lateReport('b-1', '30000'),
      spendFacts,
    ).then([reported('b-1', '30000')]));

  it('records spend for a live period reported after completion as overdelivery: the budget was given back', () =>
    when(
      [
        ...liveSinceDec1,
        stoppedDec11({ type: 'CampaignCompleted', data: { campaignId: id, spentMinor: '0', unspentMinor: '100000' } }),
      ],
      lateReport('b-1', '30000'),
      spendFacts,
    ).then([reported('b-1', '30000', '0')]));

  it('accepts a period that only partly overlaps a live interval', () =>
    when(
      [...liveSinceDec1, pausedDec11],
      lateReport('b-1', '100', { periodStart: '2026-12-10T23:00:00.000Z', periodEnd: '2026-12-11T01:00:00.000Z' }),
      spendFacts,
    ).then([
      reported('b-1', '100', '100', { periodStart: '2026-12-10T23:00:00.000Z', periodEnd: '2026-12-11T01:00:00.000Z' }),
    ]));

  it('accepts spend for a later live interval after a resumption', () =>
    when([...liveSinceDec1, pausedDec11, resumedDec20], lateReport('b-1', '100', december20), spendFacts).then([
      reported('b-1', '100', '100', december20),
    ]));

  it.each([
    ['before the launch', november30],
    ['while paused', december15],
  ])('refuses spend for a period %s with SPEND_PERIOD_NOT_LIVE', (_when, period) =>
    when([...liveSinceDec1, pausedDec11, resumedDec20], lateReport('b-1', '100', period), spendFacts).thenThrows(
      BusinessRuleViolation,
      'SPEND_PERIOD_NOT_LIVE',
    ),
  );

  it('refuses a period that ends exactly when the campaign went live', () =>
    when(
      liveSinceDec1,
      lateReport('b-1', '100', { periodStart: '2026-11-30T00:00:00.000Z', periodEnd: '2026-12-01T00:00:00.000Z' }),
      spendFacts,
    ).thenThrows(BusinessRuleViolation, 'SPEND_PERIOD_NOT_LIVE'));

  it('records a retried batch once', () =>
    when([...live, spent('b-1', '30000')], reportSpend('b-1', '30000'), spendFacts).then([]));

  it('acknowledges a retried batch even after completion', () =>
    when([...live, spent('b-1', '30000'), completed], reportSpend('b-1', '30000'), spendFacts).then([]));

  it('refuses a different report under a recorded batchId', () =>
    when([...live, spent('b-1', '30000')], reportSpend('b-1', '31000'), spendFacts).thenThrows(
      BusinessRuleViolation,
      'SPEND_BATCH_CONFLICT',
    ));

  it('does not mistake a batchId for an inherited property', () =>
    when(live, reportSpend('constructor', '10'), spendFacts).then([reported('constructor', '10')]));

  it('needs the service role', () =>
    when(live, reportSpend('b-1', '10', sam), spendFacts).thenThrows(NotPermitted, 'ROLE_REQUIRED'));
  it('needs an existing campaign', () =>
    when([], reportSpend('b-1', '10'), spendFacts).thenThrows(NotFound, 'CAMPAIGN_NOT_FOUND'));
  it.each([
    ['draft', draft],
    ['approved', ready],
    ['rejected', [...inReview, rejected]],
    ['suspended by policy before launch', [...inReview, suspended]],
  ])('refuses spend for a campaign that was never live (%s)', (_status, given) =>
    when(given, reportSpend('b-1', '10'), spendFacts).thenThrows(BusinessRuleViolation, 'CAMPAIGN_NOT_RUNNING'),
  );
  it('needs a batchId', () =>
    when(live, reportSpend(' ', '10'), spendFacts).thenThrows(BusinessRuleViolation, 'SPEND_BATCH_ID_REQUIRED'));
  it('refuses an amount that is not whole minor units', () =>
    when(live, reportSpend('b-1', '10.5'), spendFacts).thenThrows(BusinessRuleViolation, 'INVALID_AMOUNT'));
  it('refuses a zero amount', () =>
    when(live, reportSpend('b-1', '0'), spendFacts).thenThrows(BusinessRuleViolation, 'SPEND_NOT_POSITIVE'));
  it('refuses a period that does not move forward', () =>
    when(
      live,
      reportSpend('b-1', '10', ads, { periodStart: december10.periodEnd, periodEnd: december10.periodStart }),
      spendFacts,
    ).thenThrows(BusinessRuleViolation, 'SPEND_PERIOD_INVALID'));
});

describe('campaign fold', () => {
  const fold = (events: ReturnType<typeof created>[]) =>
    events.reduce(campaignDecider.evolve, campaignDecider.initialState);

  it('keeps billable and overdelivered spend apart, old reports counting as billable', () =>
    expect(
      fold([
        ...live,
        spent('b-0', '20000'),
        event(
          {
            type: 'CampaignSpendReported',
            data: {
              campaignId: id,
              batchId: 'b-1',
              amountMinor: '90000',
              ...december10,
              billableMinor: '80000',
              overdeliveredMinor: '10000',
            },
          },
          ads,
        ),
      ]),
    ).toMatchObject({ spentMinor: '100000', overdeliveredMinor: '10000' }));

  it('keeps when the campaign was live, from each launch or resumption to what stopped it', () => {
    const on = (e: CampaignEvent, instant: string) => recorded(e, ads, instant);
    expect(
      fold([
        ...ready,
        on({ type: 'CampaignLaunched', data: { campaignId: id } }, '2026-12-01T00:00:00.000Z'),
        on({ type: 'CampaignPaused', data: { campaignId: id, reason: 'x' } }, '2026-12-02T00:00:00.000Z'),
        on({ type: 'CampaignResumed', data: { campaignId: id } }, '2026-12-03T00:00:00.000Z'),
        on({ type: 'CampaignSuspendedByPolicy', data: { campaignId: id, cause: 'x' } }, '2026-12-04T00:00:00.000Z'),
        on(
          { type: 'CampaignCompleted', data: { campaignId: id, spentMinor: '0', unspentMinor: '1' } },
          '2026-12-05T00:00:00.000Z',
        ),
      ]),
    ).toMatchObject({
      status: 'Completed',
      liveIntervals: [
        { from: '2026-12-01T00:00:00.000Z', until: '2026-12-02T00:00:00.000Z' },
        { from: '2026-12-03T00:00:00.000Z', until: '2026-12-04T00:00:00.000Z' },
      ],
    });
  });

  it('folds 10,000 spend reports into one batch table, each batch recognised', () => {
    const reports = Array.from({ length: 10_000 }, (_, n) => spent(`b-${n}`, '1'));
    const state = fold([...live, ...reports]);
    expect(state).toMatchObject({ spentMinor: '10000' });
    if (state.status === 'None') throw new Error('unreachable');
    expect(Object.keys(state.spendBatches)).toHaveLength(10_000);
    expect(state.spendBatches['b-9999']).toEqual({ amountMinor: '1', ...december10 });
  });
});

describe('SuspendCampaignByPolicy', () => {
  const suspension = {
    type: 'CampaignSuspendedByPolicy',
    data: { campaignId: id, cause: 'category approval revoked' },
  };

  it('suspends a live campaign', () => when(live, suspend()).then([suspension as CampaignEvent]));
  it('suspends a campaign still in review, by compliance', () =>
    when(inReview, suspend('category approval revoked', cora)).then([suspension as CampaignEvent]));
  it('needs the service or compliance role', () =>
    when(live, suspend('x', sam)).thenThrows(NotPermitted, 'ROLE_REQUIRED'));
  it('needs an existing campaign', () => when([], suspend()).thenThrows(NotFound, 'CAMPAIGN_NOT_FOUND'));
  it('refuses a closed campaign', () =>
    when([...inReview, rejected], suspend()).thenThrows(BusinessRuleViolation, 'CAMPAIGN_CLOSED'));
  it('refuses a campaign already suspended', () =>
    when([...live, suspended], suspend()).thenThrows(BusinessRuleViolation, 'CAMPAIGN_ALREADY_SUSPENDED'));
  it('needs a cause', () => when(live, suspend('')).thenThrows(BusinessRuleViolation, 'CAUSE_REQUIRED'));
});

describe('CompleteCampaign', () => {
  const completion = (spentMinor: string, unspentMinor: string, reason?: { reason: string }): CampaignEvent => ({
    type: 'CampaignCompleted',
    data: { campaignId: id, spentMinor, unspentMinor, ...reason },
  });

  it('completes a live campaign with what it spent and left unspent', () =>
    when([...live, spent('b-1', '30000'), spent('b-2', '5000')], complete()).then([completion('35000', '65000')]));
  it('records the reason it is given, trimmed', () =>
    when(live, complete(ads, ' campaign ended at 2026-12-10T00:00:00.000Z ')).then([
      completion('0', '100000', { reason: 'campaign ended at 2026-12-10T00:00:00.000Z' }),
    ]));
  it('records no reason for a blank one', () => when(live, complete(ads, ' ')).then([completion('0', '100000')]));
  it('completes a paused campaign', () => when([...live, paused()], complete(sam)).then([completion('0', '100000')]));
  it('completes a campaign suspended by policy', () =>
    when([...inReview, suspended], complete()).then([completion('0', '100000')]));
  it('leaves nothing unspent when the spend overran the budget', () =>
    when([...live, spent('b-1', '120000')], complete()).then([completion('120000', '0')]));
  it('needs the sales or service role', () => when(live, complete(cora)).thenThrows(NotPermitted, 'ROLE_REQUIRED'));
  it('needs an existing campaign', () => when([], complete()).thenThrows(NotFound, 'CAMPAIGN_NOT_FOUND'));
  it('refuses a closed campaign', () =>
    when([...live, completed], complete()).thenThrows(BusinessRuleViolation, 'CAMPAIGN_CLOSED'));
  it('refuses a campaign that never launched', () =>
    when(ready, complete()).thenThrows(BusinessRuleViolation, 'CAMPAIGN_NOT_LAUNCHED'));
});
