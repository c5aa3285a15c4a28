import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { main } from '../../examples/human-interaction/main.js';
import { startExampleMongo, type ExampleMongo } from './support/example-mongo.js';

let env: ExampleMongo;
beforeAll(async () => {
  env = await startExampleMongo();
});
afterAll(async () => {
  await env.mongo.stop();
});

describe('examples/human-interaction', () => {
  it('pays an approved claim, and escalates one nobody answered before its deadline', async () => {
    const result = await main(env.options, 800);
    expect(result.approved).toMatchObject({ runtimeStatus: 'Completed', customStatus: 'Approved', output: 'expense-1 approved and paid (pay-0001)' });
    expect(result.escalated).toMatchObject({ runtimeStatus: 'Completed', customStatus: 'Escalated', output: 'expense-2 escalated to the director' });
    expect(result.payouts).toEqual([{ payee: 'alice', amount: 120, paymentId: 'pay-0001' }]);
    expect(result.mails).toHaveLength(3);
    expect(result.mails).toEqual(expect.arrayContaining([
      { to: 'manager@example.com', subject: 'Please approve expense-1: €120 for alice' },
      { to: 'manager@example.com', subject: 'Please approve expense-2: €2400 for bob' },
      { to: 'director@example.com', subject: 'Escalated: expense-2 waited too long for approval' },
    ]));
    expect(env.errors).toEqual([]);
  });
});
