import { Activity, Orchestrator, type OrchestrationContext } from '../../src/index.js';
import { Mailer, PaymentGateway } from './approval-services.js';

/** An expense claim that needs a manager's approval. */
export interface ExpenseClaim {
  readonly expenseId: string;
  readonly employee: string;
  readonly amount: number;
  /** How long the manager has to decide. Default: 72 hours, as in the Durable Functions overview. */
  readonly timeoutMs?: number;
}

/** The name of the event that carries the manager's decision (`true` approves, `false` rejects). */
export const APPROVAL_EVENT = 'ApprovalEvent';
/** The custom status while the workflow waits for the decision. */
export const AWAITING_APPROVAL = 'Awaiting approval';
const SEVENTY_TWO_HOURS_MS = 72 * 60 * 60 * 1000;

/** Asks the manager to approve the claim. */
@Activity()
export class RequestApproval {
  constructor(private readonly mailer: Mailer) {}

  run(claim: ExpenseClaim): Promise<void> {
    return this.mailer.send({ to: 'manager@example.com', subject: `Please approve ${claim.expenseId}: €${claim.amount} for ${claim.employee}` });
  }
}

/** Acts on the manager's decision: pays the employee, or tells them the claim was rejected. */
@Activity()
export class ProcessApproval {
  constructor(private readonly payments: PaymentGateway, private readonly mailer: Mailer) {}

  async run(input: { claim: ExpenseClaim; approved: boolean }): Promise<string> {
    const { claim, approved } = input;
    if (!approved) {
      await this.mailer.send({ to: `${claim.employee}@example.com`, subject: `${claim.expenseId} was rejected` });
      return `${claim.expenseId} rejected`;
    }
    const paymentId = await this.payments.pay(claim.employee, claim.amount);
    return `${claim.expenseId} approved and paid (${paymentId})`;
  }
}

/** Nobody decided in time: asks the manager's manager. */
@Activity()
export class Escalate {
  constructor(private readonly mailer: Mailer) {}

  async run(claim: ExpenseClaim): Promise<string> {
    await this.mailer.send({ to: 'director@example.com', subject: `Escalated: ${claim.expenseId} waited too long for approval` });
    return `${claim.expenseId} escalated to the director`;
  }
}

/**
 * Human interaction (Durable Functions' ApprovalWorkflow): asks for approval, then waits for the manager's decision
 * (an `ApprovalEvent`, raised from outside) or for the deadline, whichever comes first. The wait is durable: the
 * deadline is a stored timer and an approval raised while no process runs is kept, so the workflow survives restarts.
 */
@Orchestrator()
export class ApprovalWorkflow {
  async run(ctx: OrchestrationContext<ExpenseClaim>): Promise<string> {
    const claim = ctx.input;
    await ctx.callActivity(RequestApproval, claim);

    const dueTime = new Date(ctx.currentUtcDateTime.getTime() + (claim.timeoutMs ?? SEVENTY_TWO_HOURS_MS));
    const durableTimeout = ctx.createTimer(dueTime);
    const approvalEvent = ctx.waitForExternalEvent<boolean>(APPROVAL_EVENT);
    ctx.setCustomStatus(AWAITING_APPROVAL);

    await ctx.whenAny([approvalEvent, durableTimeout]);
    if (approvalEvent.isCompleted) {
      durableTimeout.cancel(); // a cancelled timer never wakes the orchestration
      ctx.setCustomStatus(approvalEvent.result === true ? 'Approved' : 'Rejected');
      return ctx.callActivity(ProcessApproval, { claim, approved: approvalEvent.result === true });
    }
    ctx.setCustomStatus('Escalated');
    return ctx.callActivity(Escalate, claim);
  }
}
