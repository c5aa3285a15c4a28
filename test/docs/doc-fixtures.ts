// The sample app the documentation talks about. A ```ts block of README.md or docs/ that uses one of these names
// without declaring or importing it gets it from here (see code-blocks.ts): snippets can say `durably.client...` or
// `ctx.callActivity(SayHello, ...)` the way the surrounding text does, and still be type-checked.
// Nothing here runs: values are declared, not created.
/* eslint-disable @typescript-eslint/require-await -- stand-ins keep the async signatures the docs show */
import 'reflect-metadata';
import type { Application, Request } from 'express';
import { injectable } from 'tsyringe';
import {
  Activity, DurableEntity, Entity, EntityId, Orchestrator, type AdminAuthorize, type AdminOperation, type Durably,
  type OrchestrationContext, type PinoLike,
} from '../../src/index.js';

// ---- services (constructor-injected into activities and entities)

@injectable()
export class Greeter {
  hello(city: string): string { return `Hello ${city}!`; }
}

@injectable()
export class Metrics {
  count(_name: string, _value = 1): void {}
}

export interface Order {
  readonly id: string;
  readonly sku: string;
  readonly quantity: number;
  readonly amount: number;
}

@injectable()
export class PaymentGateway {
  async charge(_order: Order): Promise<string> { return 'payment-1'; }
}

// ---- activities

@Activity()
export class SayHello {
  constructor(private readonly greeter: Greeter) {}
  async run(city: string): Promise<string> { return this.greeter.hello(city); }
}

@Activity()
export class ChargeCard {
  constructor(private readonly payments: PaymentGateway) {}
  async run(order: Order): Promise<string> { return this.payments.charge(order); }
}

@Activity()
export class ReleaseStock {
  async run(_order: Order): Promise<void> {}
}

@Activity()
export class ShipOrder {
  async run(order: Order): Promise<string> { return `shipment of ${order.id}`; }
}

@Activity()
export class RequestApproval {
  async run(_request: { readonly id: string; readonly amount: number }): Promise<void> {}
}

@Activity()
export class ProcessApproval {
  async run(_approved: boolean): Promise<void> {}
}

@Activity()
export class Escalate {
  async run(_instanceId: string): Promise<void> {}
}

@Activity()
export class GetJobStatus {
  async run(_jobId: string): Promise<'Running' | 'Completed' | 'Failed'> { return 'Completed'; }
}

@Activity()
export class SendAlert {
  async run(_message: string): Promise<void> {}
}

// ---- orchestrators

@Orchestrator()
export class HelloSequence {
  async run(ctx: OrchestrationContext<string[]>): Promise<string[]> {
    const out: string[] = [];
    for (const city of ctx.input) out.push(await ctx.callActivity(SayHello, city));
    return out;
  }
}

@Orchestrator()
export class ProcessOrder {
  async run(ctx: OrchestrationContext<Order>): Promise<string> {
    await ctx.callActivity(ChargeCard, ctx.input);
    return ctx.callActivity(ShipOrder, ctx.input);
  }
}

export interface OrderLine { readonly sku: string; readonly quantity: number }

@Activity({ name: 'ReserveStock' })
export class ReserveStock {
  async run(line: OrderLine): Promise<string> { return `reservation-${line.sku}-${line.quantity}`; }
}

@Activity({ name: 'SendConfirmation' })
export class SendConfirmation {
  async run(_reservation: string): Promise<void> {}
}

/** The orchestrator of getting-started.md. */
@Orchestrator({ name: 'PlaceOrder' })
export class PlaceOrder {
  async run(ctx: OrchestrationContext<OrderLine>): Promise<string> {
    const reservation = await ctx.callActivity(ReserveStock, ctx.input);
    await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 30_000));
    await ctx.callActivity(SendConfirmation, reservation);
    return reservation;
  }
}

export interface ExpenseReport { readonly id: string; readonly amount: number }

/** The orchestrator of patterns/human-interaction.md. */
@Orchestrator({ name: 'ApprovalWorkflow' })
export class ApprovalWorkflow {
  async run(ctx: OrchestrationContext<ExpenseReport>): Promise<'approved' | 'rejected' | 'escalated'> {
    await ctx.callActivity(RequestApproval, ctx.input);
    const durableTimeout = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 72 * 3_600_000));
    const approvalEvent = ctx.waitForExternalEvent<boolean>('ApprovalEvent');
    await ctx.whenAny([approvalEvent, durableTimeout]);
    if (approvalEvent.isCompleted) {
      durableTimeout.cancel();
      const approved = await approvalEvent;
      await ctx.callActivity(ProcessApproval, approved);
      return approved ? 'approved' : 'rejected';
    }
    await ctx.callActivity(Escalate, ctx.instanceId);
    return 'escalated';
  }
}

// ---- entities

@Entity()
export class Counter extends DurableEntity<number> {
  protected override initializeState(): number { return 0; }
  add(amount: number): void { this.state += amount; }
  reset(): void { this.state = 0; }
  get(): number { return this.state; }
}

// ---- values a snippet may refer to

/** A started app (`Durably.create(...)` + `start()`). */
export declare const durably: Durably;
/** The context inside an orchestrator's `run`; its input is whatever the snippet reads from it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- snippets read their own input shapes
export declare const ctx: OrchestrationContext<any>;
/** An Express app. */
export declare const app: Application;
export declare const order: Order;
export declare const from: EntityId;
export declare const to: EntityId;
export declare const amount: number;
export declare const deadline: Date;
export declare const tomorrow: Date;
/** Your identity check: the user behind a request's credentials, or undefined. */
export declare function verifyToken(authorization: string | undefined): Promise<{ readonly roles: readonly string[] } | undefined>;
/** Your authorization check. */
export declare function checkToken(authorization: string | undefined, operation: AdminOperation): boolean;
export declare function isSupport(req: Request): boolean;
export const counterId = new EntityId('Counter', 'myCounter');
export declare const instanceId: string;
/** The admin router's authorization hook of your app. */
export declare const authorize: AdminAuthorize;
/** pino's default export (`import pino from 'pino'`): the app's dependency, not Durably's, so it is declared here. */
export declare function pino(options?: { readonly level?: string }): PinoLike;
