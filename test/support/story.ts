import type { Response } from 'supertest';
import type { TestApp } from './app';

/** A supertest `expect` callback that names the body when the status is not the one expected. */
export const expectStatus =
  (status: number) =>
  (response: { status: number; body: unknown }): void => {
    if (response.status !== status)
      throw new Error(`expected ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
  };

export interface LinkedClientOptions {
  readonly advertiserId: string;
  readonly contractId: string;
  readonly allowedDomains: readonly string[];
}

/**
 * The contracting story up to an outbound link, over HTTP with its usual cast (ada the platform
 * admin, sam in sales, cora in compliance, dana the deal approver): taobao registered, beauty
 * link-eligible, a verified advertiser with beauty approved, a contract over this year and the next
 * drafted, approved and signed, and its taobao link for beauty enabled. Answers the enabling response
 * (its X-Event-Position is where read models show the link).
 */
export const seedLinkedClient = async (
  t: TestApp,
  { advertiserId, contractId, allowedDomains }: LinkedClientOptions,
): Promise<Response> => {
  const [admin, sales, compliance, approver] = await Promise.all([
    t.as('ada', 'platform_admin'),
    t.as('sam', 'sales'),
    t.as('cora', 'compliance'),
    t.as('dana', 'deal_approver'),
  ]);
  const year = new Date().getUTCFullYear();
  await t.http
    .put('/v1/platforms/taobao')
    .set('authorization', admin)
    .send({ displayName: 'Taobao', allowedDomains })
    .expect(expectStatus(201));
  await t.http
    .put('/v1/link-eligible-categories/beauty')
    .set('authorization', admin)
    .send({ regulated: true })
    .expect(expectStatus(201));
  await t.http
    .post('/v1/advertisers')
    .set('authorization', sales)
    .send({ advertiserId, legalName: 'Glow Cosmetics Co., Ltd.', registrationNumber: 'REG-77', kaTier: 'key' })
    .expect(expectStatus(201));
  await t.http
    .post(`/v1/advertisers/${advertiserId}/verification`)
    .set('authorization', compliance)
    .send({ decision: 'verified' })
    .expect(expectStatus(200));
  await t.http
    .post(`/v1/advertisers/${advertiserId}/category-approvals`)
    .set('authorization', sales)
    .send({ category: 'beauty', licenceRef: 'NMPA-2026-00417', validUntil: `${year + 2}-12-31` })
    .expect(expectStatus(201));
  await t.http
    .post(`/v1/advertisers/${advertiserId}/category-approvals/beauty/approval`)
    .set('authorization', compliance)
    .expect(expectStatus(200));
  await t.http
    .post('/v1/contracts')
    .set('authorization', sales)
    .send({
      contractId,
      advertiserId,
      currency: 'CNY',
      totalValueMinor: '120000000',
      startsOn: `${year}-01-01`,
      endsOn: `${year + 1}-12-31`,
      categories: ['beauty'],
      platforms: ['taobao'],
    })
    .expect(expectStatus(201));
  await t.http.post(`/v1/contracts/${contractId}/submission`).set('authorization', sales).expect(expectStatus(200));
  await t.http.post(`/v1/contracts/${contractId}/approval`).set('authorization', approver).expect(expectStatus(200));
  await t.http.post(`/v1/contracts/${contractId}/signature`).set('authorization', sales).expect(expectStatus(200));
  return t.http
    .post(`/v1/contracts/${contractId}/external-links`)
    .set('authorization', compliance)
    .send({ platform: 'taobao', categories: ['beauty'] })
    .expect(expectStatus(200));
};
