import 'reflect-metadata';
import { container as rootContainer } from 'tsyringe';
import { Durably, type DurableClient } from '../../src/index.js';
import { connectionOptions, type ExampleOptions } from '../shared/example-options.js';
import { pollUntil, runExample } from '../shared/run-example.js';
import { Mailer, PaymentGateway, type Mail } from './approval-services.js';
import { APPROVAL_EVENT, ApprovalWorkflow, AWAITING_APPROVAL, Escalate, ProcessApproval, RequestApproval } from './approval-workflow.js';

/** How one approval workflow ended. */
export interface ApprovalOutcome {
  readonly instanceId: string;
  readonly runtimeStatus: string;
  readonly customStatus: unknown;
  readonly output: string;
}

/** What the human-interaction example returns. */
export interface HumanInteractionResult {
  /** The manager approved in time (an `ApprovalEvent` raised with `true`): the employee was paid. */
  readonly approved: ApprovalOutcome;
  /** Nobody decided before the deadline: the timer fired first and the claim was escalated. */
  readonly escalated: ApprovalOutcome;
  readonly mails: Mail[];
  readonly payouts: readonly { readonly payee: string; readonly amount: number; readonly paymentId: string }[];
}

/**
 * Human interaction: starts two expense approvals. The first is approved with `raiseEvent` while it waits; the
 * second gets no answer and is escalated when its `timeoutMs` deadline passes.
 */
export async function main(options: ExampleOptions = {}, timeoutMs = 1_000): Promise<HumanInteractionResult> {
  const container = rootContainer.createChildContainer();
  const mailer = new Mailer();
  const payments = new PaymentGateway();
  container.registerInstance(Mailer, mailer);
  container.registerInstance(PaymentGateway, payments);

  const durably = await Durably.create({
    ...connectionOptions(options),
    taskHub: 'HumanInteraction',
    orchestrators: [ApprovalWorkflow],
    activities: [RequestApproval, ProcessApproval, Escalate],
    container,
  });
  try {
    await durably.start();
    const { client } = durably;
    // A long deadline: the manager answers first.
    const approvedId = await client.startNew(ApprovalWorkflow, { input: { expenseId: 'expense-1', employee: 'alice', amount: 120, timeoutMs: 60_000 } });
    // A short deadline and no answer: the timer fires first.
    const escalatedId = await client.startNew(ApprovalWorkflow, { input: { expenseId: 'expense-2', employee: 'bob', amount: 2_400, timeoutMs } });

    // The manager clicks "approve" once the request reached them (what your approval endpoint would call).
    await pollUntil(`${approvedId} to wait for approval`, async () => ((await client.getStatus(approvedId))?.customStatus === AWAITING_APPROVAL ? true : undefined));
    await client.raiseEvent(approvedId, APPROVAL_EVENT, true);

    return {
      approved: await outcome(client, approvedId),
      escalated: await outcome(client, escalatedId),
      mails: [...mailer.outbox],
      payouts: [...payments.payouts],
    };
  } finally {
    await durably.stop();
  }
}

async function outcome(client: DurableClient, instanceId: string): Promise<ApprovalOutcome> {
  const status = await client.waitForCompletion(instanceId, { timeoutMs: 30_000 });
  return { instanceId, runtimeStatus: status.runtimeStatus, customStatus: status.customStatus, output: status.output as string };
}

runExample(import.meta.url, () => main(), ({ approved, escalated, mails }) => [
  `ApprovalWorkflow (approved in time): ${approved.runtimeStatus}, ${approved.output}`,
  `ApprovalWorkflow (no answer):        ${escalated.runtimeStatus}, ${escalated.output}`,
  'Mails sent:',
  ...mails.map((mail) => `  to ${mail.to}: ${mail.subject}`),
].join('\n'));
