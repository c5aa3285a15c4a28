import { assertNever } from './assert-never.js';
import type { HistoryEvent, HistoryEventType } from './history-event.js';

/** The history event whose type is `K` (e.g. `HistoryEventOf<'TimerFired'>` is `TimerFiredEvent`). */
export type HistoryEventOf<K extends HistoryEventType> = Extract<HistoryEvent, { readonly type: K }>;

/**
 * One handler per history event type, each taking the events of its own type. A map typed with this fails to compile
 * when a type has no handler, so adding a type to {@link HistoryEventType} points at every map that must handle it.
 * A map that deliberately does nothing for some types says so with a handler that does nothing.
 *
 * @typeParam C - What every handler is given besides the event.
 * @typeParam R - What every handler returns.
 */
export type HistoryEventHandlers<C, R> = {
  readonly [K in HistoryEventType]: (context: C, event: HistoryEventOf<K>) => R;
};

/**
 * Calls the handler of `event`'s type.
 *
 * @throws DurableError `INTERNAL_ERROR` for an event whose type no handler has (data the types do not describe).
 */
export function handleEvent<C, R>(handlers: HistoryEventHandlers<C, R>, context: C, event: HistoryEvent): R {
  // The compiler cannot relate `handlers[event.type]` to `event`; each handler takes exactly the events of its key.
  const handler = handlers[event.type] as ((context: C, event: HistoryEvent) => R) | undefined;
  if (handler === undefined) return assertNever(event as never, 'history event type');
  return handler(context, event);
}
