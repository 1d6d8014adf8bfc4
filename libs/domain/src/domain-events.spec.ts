import { DOMAIN_EVENT_TYPES } from '.';

describe('DOMAIN_EVENT_TYPES', () => {
  it('names every event type once, none of them shared between aggregates', () =>
    expect(new Set(DOMAIN_EVENT_TYPES).size).toBe(DOMAIN_EVENT_TYPES.length));

  it('holds the types of all five aggregates', () => {
    expect(DOMAIN_EVENT_TYPES).toHaveLength(7 + 6 + 5 + 17 + 11);
    expect(DOMAIN_EVENT_TYPES).toEqual(
      expect.arrayContaining(['CommercialLoadCapSet', 'KaTierChanged', 'CategoryApprovalExpired', 'ContractExpired']),
    );
    expect(DOMAIN_EVENT_TYPES).toEqual(expect.arrayContaining(['CampaignSpendReported', 'CampaignCompleted']));
  });
});
