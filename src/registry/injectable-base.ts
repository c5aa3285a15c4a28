import { injectable } from 'tsyringe';
import { assertReflectMetadata } from './runnable-metadata.js';

/**
 * Makes the constructor parameters of a base class — typically an ABSTRACT base of several orchestrators or
 * activities — injectable for the subclasses that inherit its constructor. Registers nothing and records no name.
 *
 * Needed because TypeScript records constructor parameter types (`design:paramtypes`) only for a decorated class that
 * declares its own constructor: `@Orchestrator() class A extends Base {}` records none, so tsyringe would construct `A`
 * without arguments. Registration detects that case and asks for this decorator. tsyringe's own `@injectable()` does
 * the same for concrete classes but is not typed for abstract ones.
 *
 * @example
 * ```ts
 * @InjectableBase()
 * abstract class ImportOrchestrator extends DurableOrchestrator<string, number> {
 *   constructor(protected readonly settings: Settings) { super(); }
 *   async run(ctx: OrchestrationContext<string>): Promise<number> { return (await this.fetch(ctx)).length; }
 *   protected abstract fetch(ctx: OrchestrationContext<string>): Promise<string[]>;
 * }
 *
 * @Orchestrator({ name: 'CsvImport' })
 * class CsvImport extends ImportOrchestrator { ... }   // receives Settings through the inherited constructor
 * ```
 */
export function InjectableBase(): (target: abstract new (...args: never[]) => unknown) => void {
  assertReflectMetadata('@InjectableBase()');
  return (target) => {
    injectable()(target as unknown as new (...args: unknown[]) => unknown);
  };
}
