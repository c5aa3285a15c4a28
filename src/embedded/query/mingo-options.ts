import { Context, ProcessingMode } from 'mingo';
import { Aggregator } from 'mingo/aggregator';
import * as accumulatorOperators from 'mingo/operators/accumulator';
import * as expressionOperators from 'mingo/operators/expression';
import * as pipelineOperators from 'mingo/operators/pipeline';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import * as windowOperators from 'mingo/operators/window';
import { Query } from 'mingo/query';
import type { Options } from 'mingo/types';
import { CommandError } from '../../core/errors/command-error.js';
import type { Document } from '../bson/document.js';
import { QUERY_OPERATORS } from './query-operators.js';

// An internal query operator whose only use is to hand back the options object mingo builds (see sharedOptions). The
// filter validator refuses every operator it does not know, so clients cannot reach it.
const CAPTURE_OPTIONS = '$__durablyCaptureOptions';
let captured: Options | undefined;
const captureOptions = (_selector: string, _value: unknown, options: Options): (() => boolean) => {
  captured ??= options;
  return () => false;
};

// mingo's own Query/Aggregator merge its default operators in first, and the first registration of a name wins; so
// the engine builds the whole context itself, with its MongoDB-faithful replacements in place of mingo's versions.
const CONTEXT = Context.init({
  accumulator: accumulatorOperators,
  expression: expressionOperators,
  pipeline: pipelineOperators,
  projection: projectionOperators,
  query: { ...queryOperators, ...QUERY_OPERATORS, [CAPTURE_OPTIONS]: captureOptions },
  window: windowOperators,
});

/**
 * mingo options shared by every query, projection and pipeline. Scripts are off: `$where`, `$function` and
 * `$accumulator` would evaluate strings sent by clients as code.
 */
export function mingoOptions(extra: Partial<Options> = {}): Partial<Options> {
  return { idKey: '_id', scriptEnabled: false, processingMode: ProcessingMode.CLONE_OFF, context: CONTEXT, ...extra };
}

/**
 * {@link mingoOptions} as the options object mingo builds from them, built once. Given plain options, every Query and
 * Aggregator copies the whole operator context (hundreds of entries: ~30 µs, most of a compile); given this object,
 * it only copies its per-query locals. Both are equivalent: the context is never modified after start-up.
 */
function sharedOptions(): Partial<Options> {
  return captured ?? mingoOptions();
}

// Captured at load, before any client filter can run the operator.
new Query({ x: { [CAPTURE_OPTIONS]: 1 } }, mingoOptions());

/** A compiled mingo query using the engine's operators. */
export function mingoQuery(filter: Document, extra?: Partial<Options>): Query {
  return new Query(filter, extra === undefined ? sharedOptions() : mingoOptions(extra));
}

/** A compiled mingo pipeline using the engine's operators. */
export function mingoPipeline(stages: Document[], extra?: Partial<Options>): Aggregator {
  return new Aggregator(stages, extra === undefined ? sharedOptions() : mingoOptions(extra));
}

/** Runs a mingo call, turning its errors into the MongoDB error mongod gives for the same mistake. */
export function withMingo<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof CommandError) throw error;
    const message = (error as Error).message;
    const unknownOperator = /^unknown query operator (\$\w+)/.exec(message);
    if (unknownOperator) throw new CommandError('BadValue', `unknown operator: ${unknownOperator[1]}`);
    const unknownStage = /^unregistered pipeline operator (\$\w+)/.exec(message);
    if (unknownStage) throw new CommandError('Location40324', `Unrecognized pipeline stage name: '${unknownStage[1]}'`);
    if (message.includes("$group specification must include an '_id'")) {
      throw new CommandError('Location15955', 'a group specification must include an _id');
    }
    throw new CommandError('BadValue', `${what}: ${message}`);
  }
}
