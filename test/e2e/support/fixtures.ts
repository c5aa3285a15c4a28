// Orchestrators, activities and entities shared by the HTTP end-to-end suites. Each suite registers them in its own app.
import { injectable } from 'tsyringe';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { DurableEntity } from '../../../src/entities/durable-entity.js';
import type { EntityContext } from '../../../src/entities/entity-context.js';
import { Activity, Entity, Orchestrator } from '../../../src/registry/index.js';
import { Gate } from '../../support/gate.js';

/** Cities whose greeting waits until the test releases it (so that a Running instance can be observed for sure). */
@injectable()
export class HeldCities {
  readonly #gates = new Map<string, Gate>();

  hold(city: string): Gate {
    const gate = new Gate();
    this.#gates.set(city, gate);
    return gate;
  }

  async passed(city: string): Promise<void> {
    await this.#gates.get(city)?.passed();
  }

  /** How many greetings reached the gate of `city`. */
  reached(city: string): number {
    return this.#gates.get(city)?.reached ?? 0;
  }

  releaseAll(): void {
    for (const gate of this.#gates.values()) gate.open();
  }
}

@Activity()
export class SayHello {
  constructor(private readonly held: HeldCities) {}

  async run(city: string): Promise<string> {
    await this.held.passed(city);
    return `Hello ${city}!`;
  }
}

/** The overview's function chaining example. */
@Orchestrator()
export class HelloSequence {
  async run(ctx: OrchestrationContext<string[]>): Promise<string[]> {
    const out: string[] = [];
    for (const city of ctx.input) out.push(await ctx.callActivity(SayHello, city));
    return out;
  }
}

/** Human interaction: reports its stage and waits for an 'Approval' event. */
@Orchestrator()
export class WaitForApproval {
  async run(ctx: OrchestrationContext<unknown>): Promise<{ input: unknown; approval: unknown }> {
    ctx.setCustomStatus({ stage: 'awaiting approval' });
    const approval = await ctx.waitForExternalEvent<unknown>('Approval');
    ctx.setCustomStatus({ stage: 'approved' });
    return { input: ctx.input, approval };
  }
}

/** Returns its input at once. */
@Orchestrator()
export class Echo {
  run(ctx: OrchestrationContext<unknown>): unknown {
    return ctx.input;
  }
}

/** Fails at once. */
@Orchestrator()
export class AlwaysFails {
  run(ctx: OrchestrationContext<unknown>): never {
    throw new Error(`boom: ${JSON.stringify(ctx.input)}`);
  }
}

/** Returns values JSON has no spelling for. */
@Orchestrator()
export class ExoticOutput {
  run(): { big: bigint; bytes: Uint8Array; at: Date } {
    return { big: 12345678901234567890n, bytes: new Uint8Array([1, 2, 3]), at: new Date('2024-05-01T10:00:00.000Z') };
  }
}

/** The class-based Counter of the Durable Functions overview. */
@Entity()
export class Counter extends DurableEntity<number> {
  protected override initializeState(): number {
    return 0;
  }
  add(amount: number): void {
    this.state += amount;
  }
  reset(): void {
    this.state = 0;
  }
  get(): number {
    return this.state;
  }
}

/**
 * Function style: `set` stores its input as the state (any JSON value); `clear` and `delete` delete it (a
 * function-style entity handles `delete` itself: only class-based entities have it implicitly).
 */
@Entity({ name: 'Register' })
export class Register {
  run(ctx: EntityContext<unknown>): void {
    switch (ctx.operationName) {
      case 'set':
        ctx.setState(ctx.getInput<unknown>());
        break;
      case 'clear':
      case 'delete':
        ctx.deleteState();
        break;
      default:
        throw new Error(`Register has no operation '${ctx.operationName}'`);
    }
  }
}

export const ORCHESTRATORS = [HelloSequence, WaitForApproval, Echo, AlwaysFails, ExoticOutput];
export const ACTIVITIES = [SayHello];
export const ENTITIES = [Counter, Register];
