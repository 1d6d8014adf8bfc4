import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { startTestApp, type TestApp } from './support/app';

/**
 * The contracting story of issue 3, in order, over real HTTP against the real app: each step
 * builds on the state the previous ones left, as it would in production.
 */
describe('contracting story over HTTP', () => {
  let t: TestApp;
  let admin: string;
  let sales: string;
  let salesWhoAlsoApproves: string;
  let compliance: string;
  let otherCompliance: string;
  let approver: string;

  const advertiserId = randomUUID();
  const contractId = randomUUID();
  const contractStream = `contract-${contractId}`;
  const year = new Date().getUTCFullYear();
  const terms = {
    currency: 'CNY',
    totalValueMinor: '120000000',
    startsOn: `${year}-01-01`,
    endsOn: `${year + 1}-12-31`,
    categories: ['beauty'],
    platforms: ['taobao', 'jd'],
  };

  const expectProblem = (response: Response, status: number, code: string): void => {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status, code });
  };

  beforeAll(async () => {
    t = await startTestApp();
    [admin, sales, salesWhoAlsoApproves, compliance, otherCompliance, approver] = await Promise.all([
      t.as('ada', 'platform_admin'),
      t.as('sam', 'sales'),
      // Same subject as `sales`: the refusals below must come from four eyes, not from a missing role.
      t.as('sam', 'sales', 'deal_approver'),
      t.as('cora', 'compliance'),
      t.as('cole', 'compliance'),
      t.as('dana', 'deal_approver'),
    ]);
  });
  afterAll(() => t?.close());

  it('1. an admin registers taobao and jd with their domains, and the link-eligible categories', async () => {
    await t.http
      .put('/v1/platforms/taobao')
      .set('authorization', admin)
      .send({ displayName: 'Taobao', allowedDomains: ['taobao.com', 'tmall.com'] })
      .expect(201);
    await t.http
      .put('/v1/platforms/jd')
      .set('authorization', admin)
      .send({ displayName: 'JD', allowedDomains: ['jd.com'] })
      .expect(201);
    for (const category of ['beauty', 'fashion']) {
      await t.http
        .put(`/v1/link-eligible-categories/${category}`)
        .set('authorization', admin)
        .send({ regulated: category === 'beauty' })
        .expect(201);
    }
    const policy = await t.http.get('/v1/platform-policy').set('authorization', sales).expect(200);
    expect(Object.keys(policy.body.platforms).sort()).toEqual(['jd', 'taobao']);
    expect(Object.keys(policy.body.linkEligibleCategories).sort()).toEqual(['beauty', 'fashion']);
  });

  it('2. sales registers an advertiser and compliance verifies it', async () => {
    await t.http
      .post('/v1/advertisers')
      .set('authorization', sales)
      .send({ advertiserId, legalName: 'Glow Cosmetics Co., Ltd.', registrationNumber: 'REG-77', kaTier: 'key' })
      .expect(201);
    await t.http
      .post(`/v1/advertisers/${advertiserId}/verification`)
      .set('authorization', compliance)
      .send({ decision: 'verified' })
      .expect(200);
  });

  it('3. sales requests category beauty, and compliance approves it', async () => {
    const requested = await t.http
      .post(`/v1/advertisers/${advertiserId}/category-approvals`)
      .set('authorization', sales)
      .send({ category: 'beauty', licenceRef: 'NMPA-2026-00417', validUntil: `${year + 2}-12-31` })
      .expect(201);
    expect(requested.headers.location).toBe(`/v1/advertisers/${advertiserId}/category-approvals/beauty`);
    expect(requested.body).toMatchObject({ id: 'beauty', revision: '0', events: ['CategoryApprovalRequested'] });

    // A requester who is also a compliance reviewer still may not decide on their own request.
    const samAsCompliance = await t.as('sam', 'compliance');
    const ownRequest = await t.http
      .post(`/v1/advertisers/${advertiserId}/category-approvals/beauty/approval`)
      .set('authorization', samAsCompliance)
      .expect(403);
    expectProblem(ownRequest, 403, 'FOUR_EYES');

    await t.http
      .post(`/v1/advertisers/${advertiserId}/category-approvals/beauty/approval`)
      .set('authorization', compliance)
      .set('if-match', 'W/"0"')
      .expect(200);
    const approval = await t.http.get(requested.headers.location!).set('authorization', sales).expect(200);
    expect(approval.headers.etag).toBe('W/"1"');
    expect(approval.body).toEqual({
      status: 'Approved',
      advertiserId,
      category: 'beauty',
      validUntil: `${year + 2}-12-31`,
    });
  });

  it('4. sales drafts and submits a contract for beauty on taobao and jd', async () => {
    const drafted = await t.http
      .post('/v1/contracts')
      .set('authorization', sales)
      .send({ contractId, advertiserId, ...terms })
      .expect(201);
    expect(drafted.headers.location).toBe(`/v1/contracts/${contractId}`);
    expect(drafted.body).toMatchObject({ id: contractId, revision: '0', events: ['ContractDrafted'] });
    await t.http.post(`/v1/contracts/${contractId}/submission`).set('authorization', sales).expect(200);
  });

  it('5. the salesperson who submitted it may not approve it, even holding the approver role', async () => {
    const before = await t.stream(contractStream);
    const refused = await t.http
      .post(`/v1/contracts/${contractId}/approval`)
      .set('authorization', salesWhoAlsoApproves)
      .expect(403);
    expectProblem(refused, 403, 'FOUR_EYES');
    expect(await t.stream(contractStream)).toEqual(before);
  });

  it('6. a deal approver approves and sales records the signature', async () => {
    const approved = await t.http.post(`/v1/contracts/${contractId}/approval`).set('authorization', approver);
    expect(approved.status).toBe(200);
    expect(approved.body.events).toEqual(['ContractApproved']);
    const signed = await t.http.post(`/v1/contracts/${contractId}/signature`).set('authorization', sales).expect(200);
    expect(signed.body).toMatchObject({ revision: '3', events: ['ContractSigned'] });
    expect(signed.headers.etag).toBe('W/"3"');

    const events = await t.stream(contractStream);
    expect(events.map((event) => [event.type, (event.metadata.actor as { userId: string }).userId])).toEqual([
      ['ContractDrafted', 'sam'],
      ['ContractSubmitted', 'sam'],
      ['ContractApproved', 'dana'],
      ['ContractSigned', 'sam'],
    ]);
  });

  it('7. compliance enables taobao links for beauty', async () => {
    const enabled = await t.http
      .post(`/v1/contracts/${contractId}/external-links`)
      .set('authorization', compliance)
      .set('if-match', 'W/"3"')
      .send({ platform: 'taobao', categories: ['beauty'] })
      .expect(200);
    expect(enabled.body).toMatchObject({ revision: '4', events: ['ExternalLinkEnabled'] });
    expect(enabled.headers['x-event-position']).toMatch(/^[0-9]+$/);
  });

  it('8. a stale If-Match gets 412 and appends nothing', async () => {
    const before = await t.stream(contractStream);
    const stale = await t.http
      .post(`/v1/contracts/${contractId}/external-links`)
      .set('authorization', compliance)
      .set('if-match', 'W/"3"')
      .send({ platform: 'jd', categories: ['beauty'] })
      .expect(412);
    expectProblem(stale, 412, 'STALE_REVISION');
    expect(await t.stream(contractStream)).toEqual(before);
  });

  it('9. a retried Idempotency-Key returns the first response and appends nothing', async () => {
    const send = () =>
      t.http
        .post(`/v1/contracts/${contractId}/external-links`)
        .set('authorization', otherCompliance)
        .set('idempotency-key', 'enable-jd-beauty')
        .send({ platform: 'jd', categories: ['beauty'] });
    const first = await send().expect(200);
    expect(first.body).toMatchObject({ revision: '5', events: ['ExternalLinkEnabled'] });
    const afterFirst = await t.stream(contractStream);
    expect(afterFirst).toHaveLength(6);

    const retry = await send().expect(200);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.etag).toBe(first.headers.etag);
    expect(retry.headers['x-event-position']).toBe(first.headers['x-event-position']);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await t.stream(contractStream)).toEqual(afterFirst);
  });

  it('10. GET shows the contract Active with its enabled links, and an ETag at its revision', async () => {
    const read = await t.http.get(`/v1/contracts/${contractId}`).set('authorization', approver).expect(200);
    const events = await t.stream(contractStream);
    expect(read.headers.etag).toBe(`W/"${events[events.length - 1]!.revision.toString()}"`);
    expect(read.headers.etag).toBe('W/"5"');
    expect(read.body).toMatchObject({
      status: 'Active',
      contractId,
      advertiserId,
      version: 1,
      terms,
      enabledLinks: { taobao: ['beauty'], jd: ['beauty'] },
      pendingAmendment: null,
    });
  });

  it('11. an amendment is proposed, refused to its proposer, approved by another approver: the version increments', async () => {
    const changes = { totalValueMinor: '150000000', endsOn: `${year + 2}-06-30`, categories: ['beauty', 'fashion'] };
    await t.http
      .post(`/v1/contracts/${contractId}/amendments`)
      .set('authorization', sales)
      .send({ changes })
      .expect(200);
    const pending = await t.http.get(`/v1/contracts/${contractId}`).set('authorization', sales).expect(200);
    expect(pending.body.pendingAmendment).toEqual({ version: 2, changes, proposedBy: 'sam' });
    expect(pending.body.version).toBe(1);

    const before = await t.stream(contractStream);
    const ownAmendment = await t.http
      .post(`/v1/contracts/${contractId}/amendments/2/approval`)
      .set('authorization', salesWhoAlsoApproves)
      .expect(403);
    expectProblem(ownAmendment, 403, 'FOUR_EYES');
    expect(await t.stream(contractStream)).toEqual(before);

    const approved = await t.http
      .post(`/v1/contracts/${contractId}/amendments/2/approval`)
      .set('authorization', approver)
      .expect(200);
    expect(approved.body.events).toEqual(['ContractAmendmentApproved']);

    const amended = await t.http.get(`/v1/contracts/${contractId}`).set('authorization', sales).expect(200);
    expect(amended.body).toMatchObject({
      status: 'Active',
      version: 2,
      pendingAmendment: null,
      terms: { ...terms, ...changes },
    });
  });

  it('12. a link is disabled with a reason, and every event of the contract is hash-chained', async () => {
    await t.http
      .delete(`/v1/contracts/${contractId}/external-links/jd`)
      .set('authorization', compliance)
      .send({ reason: 'advertiser withdrew from jd' })
      .expect(200);
    const read = await t.http.get(`/v1/contracts/${contractId}`).set('authorization', sales).expect(200);
    expect(read.body.enabledLinks).toEqual({ taobao: ['beauty'] });

    const events = await t.stream(contractStream);
    expect(events.at(-1)).toMatchObject({
      type: 'ExternalLinkDisabled',
      data: { contractId, platform: 'jd', reason: 'advertiser withdrew from jd' },
    });
    events.slice(1).forEach((event, index) => expect(event.metadata.prevHash).toBe(events[index]!.metadata.hash));
  });

  it('13. a rejected contract is revised with only the changed terms, resubmitted and approved', async () => {
    const secondId = randomUUID();
    await t.http
      .post('/v1/contracts')
      .set('authorization', sales)
      .send({ contractId: secondId, advertiserId, ...terms })
      .expect(201);
    await t.http.post(`/v1/contracts/${secondId}/submission`).set('authorization', sales).expect(200);
    await t.http
      .post(`/v1/contracts/${secondId}/rejection`)
      .set('authorization', approver)
      .send({ reason: 'value too high for a first year' })
      .expect(200);
    await t.http
      .patch(`/v1/contracts/${secondId}`)
      .set('authorization', sales)
      .send({ totalValueMinor: '90000000' })
      .expect(200);
    await t.http.post(`/v1/contracts/${secondId}/submission`).set('authorization', sales).expect(200);
    await t.http.post(`/v1/contracts/${secondId}/approval`).set('authorization', approver).expect(200);

    const events = await t.stream(`contract-${secondId}`);
    expect(events.map((event) => event.type)).toEqual([
      'ContractDrafted',
      'ContractSubmitted',
      'ContractRejected',
      'ContractDraftRevised',
      'ContractSubmitted',
      'ContractApproved',
    ]);
    expect(events[3]!.data).toEqual({ contractId: secondId, totalValueMinor: '90000000' });
  });

  it('14. compliance rejects one category request and revokes an approval; an unexpired one cannot expire', async () => {
    await t.http
      .post(`/v1/advertisers/${advertiserId}/category-approvals`)
      .set('authorization', sales)
      .send({ category: 'fashion', licenceRef: 'none', validUntil: `${year + 2}-12-31` })
      .expect(201);
    await t.http
      .post(`/v1/advertisers/${advertiserId}/category-approvals/fashion/rejection`)
      .set('authorization', compliance)
      .send({ reason: 'no licence on file' })
      .expect(200);

    const service = await t.as('expiry-job', 'service');
    const early = await t.http
      .post(`/v1/advertisers/${advertiserId}/category-approvals/beauty/expiry`)
      .set('authorization', service)
      .expect(409);
    expectProblem(early, 409, 'APPROVAL_STILL_VALID');

    await t.http
      .post(`/v1/advertisers/${advertiserId}/category-approvals/beauty/revocation`)
      .set('authorization', otherCompliance)
      .send({ reason: 'licence withdrawn by the regulator' })
      .expect(200);
    const beauty = await t.http
      .get(`/v1/advertisers/${advertiserId}/category-approvals/beauty`)
      .set('authorization', compliance)
      .expect(200);
    expect(beauty.body).toEqual({ status: 'Revoked', advertiserId, category: 'beauty' });
    const fashion = await t.http
      .get(`/v1/advertisers/${advertiserId}/category-approvals/fashion`)
      .set('authorization', compliance)
      .expect(200);
    expect(fashion.body.status).toBe('Rejected');
  });

  it('15. the contract is suspended, resumed and terminated; a terminated contract cannot expire', async () => {
    await t.http
      .post(`/v1/contracts/${contractId}/suspension`)
      .set('authorization', compliance)
      .send({ reason: 'payment overdue' })
      .expect(200);
    await t.http.post(`/v1/contracts/${contractId}/resumption`).set('authorization', approver).expect(200);
    await t.http
      .post(`/v1/contracts/${contractId}/termination`)
      .set('authorization', approver)
      .send({ reason: 'advertiser left the market' })
      .expect(200);
    const expiry = await t.http.post(`/v1/contracts/${contractId}/expiry`).set('authorization', approver).expect(409);
    expectProblem(expiry, 409, 'CONTRACT_CLOSED');

    const read = await t.http.get(`/v1/contracts/${contractId}`).set('authorization', sales).expect(200);
    expect(read.body.status).toBe('Terminated');
  });

  it('16. a draft without an id, retried after its stored response was lost, finds the contract it drafted', async () => {
    const send = () =>
      t.http
        .post('/v1/contracts')
        .set('authorization', sales)
        .set('idempotency-key', 'draft-follow-up')
        .send({ advertiserId, ...terms })
        .expect(201);
    const first = await send();
    // As if the process died after appending but before keeping the response.
    await t.pool.query('DELETE FROM idempotent_responses');
    const retry = await send();
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.location).toBe(`/v1/contracts/${first.body.id}`);
    expect(await t.stream(`contract-${first.body.id}`)).toHaveLength(1);
  });
});
