import { DurableEntity, Entity, type EntityContext } from '../../src/index.js';

/**
 * The aggregator as a class (Durable Functions' class-based Counter, `ctx.DispatchAsync<Counter>()`): each public
 * method is an operation, and `this.state` is the entity's durable state. Operations on one entity run one at a
 * time, so `add` needs no locking however many clients signal it at once.
 */
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

/** The overview's function-style Counter, as written there (registered as `FunctionCounter` beside the class). */
@Entity({ name: 'FunctionCounter' })
export class FunctionCounter {
  run(ctx: EntityContext<number>): void {
    const currentValue = ctx.getState(() => 0);
    switch (ctx.operationName) {
      case 'add': {
        const amount = ctx.getInput<number>();
        ctx.setState(currentValue + amount);
        break;
      }
      case 'reset':
        ctx.setState(0);
        break;
      case 'get':
        ctx.return(currentValue);
        break;
    }
  }
}
