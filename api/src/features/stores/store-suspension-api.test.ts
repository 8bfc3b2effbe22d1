import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../../test/support/test-platform.ts';

// The suspend and resume routes over HTTP on an API-only replica (real PostgreSQL, no GitOps repo): the
// request's validation, the problem shapes, and the row, job and audit written in one transaction.
const OPERATOR = 'ops-api@example.com';
let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform({ CREATE_RATE_LIMIT_PER_MINUTE: '1000', OPERATOR_EMAILS: OPERATOR });
});
afterAll(async () => t?.close());

async function readyStore(token: string, name: string): Promise<string> {
  const created = await t.request('POST', '/api/v1/stores', { token, body: { name } });
  await t.platform.knex('stores').where('id', created.body.id).update({ status: 'Ready', phase: 'ready', ready_at: new Date(), committed_generation: 1 });
  return created.body.id;
}

const problem = (res: { status: number; headers: Headers; body: any }, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code });
};

describe('POST /api/v1/stores/:id/suspend and /resume', () => {
  it('suspends with 202 and the suspension, a provision job and the audit in the same change; resumes with 202', async () => {
    const u = await t.signUp();
    const id = await readyStore(u.token, 'quiet-shop');
    const jobsBefore = await t.platform.knex('agenda_jobs').whereRaw("data->>'storeId' = ?", [id]).count<{ count: string }[]>({ count: '*' });
    const res = await t.request('POST', `/api/v1/stores/${id}/suspend`, { token: u.token, body: { reason: 'holiday' } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      status: 'Suspended',
      phase: 'suspending',
      suspension: { kind: 'owner', by: u.userId, reason: 'holiday', ownerCanResume: true },
    });
    expect(new Date(res.body.suspension.at).getTime()).not.toBeNaN();
    const row = await t.platform.knex('stores').where({ id }).first();
    expect([row.generation, row.committed_generation, row.suspended_by_kind]).toEqual([2, 1, 'owner']);
    const jobsAfter = await t.platform.knex('agenda_jobs').whereRaw("data->>'storeId' = ?", [id]).count<{ count: string }[]>({ count: '*' });
    expect(Number(jobsAfter[0]!.count)).toBe(Number(jobsBefore[0]!.count) + 1);
    const list = await t.request('GET', '/api/v1/stores', { token: u.token });
    expect(list.body.items[0].suspension.kind).toBe('owner');
    expect(list.body.quota).toMatchObject({ used: 1, suspended: 1 });

    const resumed = await t.request('POST', `/api/v1/stores/${id}/resume`, { token: u.token });
    expect(resumed.status).toBe(202);
    expect(resumed.body).toMatchObject({ status: 'Suspended', phase: 'resuming' });
    expect(resumed.body).not.toHaveProperty('suspension');
    expect((await t.platform.knex('stores').where({ id }).first()).generation).toBe(3);
    const audit = await t.platform.knex('audit_events').where({ store_id: id }).orderBy('id').pluck('action');
    expect(audit).toEqual(['store.create', 'store.suspended', 'store.resumed']);
  });

  it('refuses bad input with a field error and changes nothing: an unknown field, a reason over 500 characters, a reason that is not text', async () => {
    const u = await t.signUp();
    const id = await readyStore(u.token, 'strict-shop');
    for (const body of [{ reason: 'x'.repeat(501) }, { reason: 42 }, { why: 'unknown field' }]) {
      const res = await t.request('POST', `/api/v1/stores/${id}/suspend`, { token: u.token, body });
      problem(res, 422, 'validation_failed');
      expect(res.body.errors.length).toBeGreaterThan(0);
    }
    expect(await t.platform.knex('stores').where({ id }).first()).toMatchObject({ status: 'Ready', generation: 1, suspended_at: null });
  });

  it('401 without credentials, 404 for an unknown store, 422 for an id that is not a UUID, 403 for another user’s store', async () => {
    const u = await t.signUp();
    const id = await readyStore(u.token, 'guarded-shop');
    expect((await t.request('POST', `/api/v1/stores/${id}/suspend`, { body: {} })).status).toBe(401);
    problem(await t.request('POST', '/api/v1/stores/00000000-0000-4000-8000-000000000000/resume', { token: u.token }), 404, 'not_found');
    expect((await t.request('POST', '/api/v1/stores/nope/resume', { token: u.token })).status).toBe(422);
    const other = await t.signUp();
    problem(await t.request('POST', `/api/v1/stores/${id}/suspend`, { token: other.token, body: {} }), 403, 'forbidden');
  });

  it('an operator suspension: 422 reason_required without a reason, then the owner’s resume is 403 suspended_by_operator', async () => {
    const u = await t.signUp();
    const ops = await t.signUp(OPERATOR);
    const id = await readyStore(u.token, 'billing-shop');
    const noReason = await t.request('POST', `/api/v1/stores/${id}/suspend`, { token: ops.token, body: {} });
    problem(noReason, 422, 'validation_failed');
    expect(noReason.body.errors).toEqual([expect.objectContaining({ field: 'reason', code: 'reason_required' })]);
    expect((await t.request('POST', `/api/v1/stores/${id}/suspend`, { token: ops.token, body: { reason: 'card declined' } })).status).toBe(202);
    problem(await t.request('POST', `/api/v1/stores/${id}/resume`, { token: u.token }), 403, 'suspended_by_operator');
    problem(await t.request('POST', `/api/v1/stores/${id}/suspend`, { token: ops.token, body: { reason: 'again' } }), 409, 'already_suspended');
  });
});
