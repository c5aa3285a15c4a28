import type { ExampleModule } from '../shared/example-module.js';
import { Mailer, PaymentGateway } from './approval-services.js';
import { ApprovalWorkflow, Escalate, ProcessApproval, RequestApproval } from './approval-workflow.js';

/** Human interaction, for the example service. */
export const humanInteractionExample: ExampleModule = {
  name: 'human-interaction',
  orchestrators: [ApprovalWorkflow],
  activities: [RequestApproval, ProcessApproval, Escalate],
  registerServices: (container, log, counters) => {
    container.registerInstance(Mailer, new Mailer(log));
    container.registerInstance(PaymentGateway, new PaymentGateway(log, counters));
  },
};
