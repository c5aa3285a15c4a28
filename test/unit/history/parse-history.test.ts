import { describe, expect, it } from '@jest/globals';
import { DurableError } from '../../../src/core/durable-error.js';
import { InvalidHistoryError } from '../../../src/core/errors/invalid-history-error.js';
import { HistoryEventType, type HistoryEvent } from '../../../src/history/history-event.js';
import { parseHistory } from '../../../src/history/parse-history.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';

function invalid(json: string | readonly unknown[]): InvalidHistoryError {
  try {
    parseHistory(json);
  } catch (error) {
    expect(error).toBeInstanceOf(DurableError);
    expect((error as DurableError).code).toBe('INVALID_HISTORY');
    return error as InvalidHistoryError;
  }
  throw new Error('parseHistory accepted it');
}

describe('parseHistory', () => {
  it('reads back a JSON export event for event, dates as Dates', () => {
    const builder = new HistoryBuilder({ name: 'Approval', input: { id: 1 } })
      .timerCreated(72 * 3_600_000).taskScheduled('Ask', 'x').orchestratorCompleted()
      .advance(5_000).orchestratorStarted().timerFired(0).eventRaised('Approval', { timestamp: 'not a date, user data' })
      .entityOperationSignaled('@counter@a', 'add', 1, 60_000);
    const events: HistoryEvent[] = [...builder.split().pastEvents, ...builder.split().newEvents];
    const parsed = parseHistory(JSON.stringify(events));
    expect(parsed).toEqual(events);
    const fired = parsed.find((e) => e.type === HistoryEventType.TimerFired);
    expect(fired?.type === HistoryEventType.TimerFired && fired.fireAt).toBeInstanceOf(Date);
    // Payloads stay encoded strings: a "timestamp" inside user data is not touched.
    const raised = parsed.find((e) => e.type === HistoryEventType.EventRaised);
    expect(raised?.type === HistoryEventType.EventRaised && raised.input).toBe('{"timestamp":"not a date, user data"}');
  });

  it('revives the dates of events carried over by continue-as-new, and accepts a parsed array', () => {
    const at = '2030-01-01T00:00:00.000Z';
    const parsed = parseHistory([{
      type: 'ContinueAsNew', eventId: -1, timestamp: at, input: '1',
      carryoverEvents: [{ type: 'EventRaised', eventId: -1, timestamp: at, name: 'e', input: '2' }],
    }]);
    const event = parsed[0];
    expect(event?.type === HistoryEventType.ContinueAsNew && event.carryoverEvents?.[0]?.timestamp).toEqual(new Date(at));
  });

  it('names what is wrong: not JSON, not an array, not an event, unknown type, missing eventId, bad dates', () => {
    expect(invalid('{').message).toMatch(/^Invalid history: not JSON/);
    expect(invalid('{"type":"TaskScheduled"}').message).toBe('Invalid history: expected an array of events, got an object.');
    const ok = { type: 'OrchestratorStarted', eventId: -1, timestamp: '2030-01-01T00:00:00Z' };
    expect(invalid([ok, 42]).message).toBe('Invalid history: event 1 is number 42, not an event object.');
    expect(invalid([ok, 42]).index).toBe(1);
    expect(invalid([{ ...ok, type: 'TaskExploded' }]).message).toBe('Invalid history: event 0 has an unknown type "TaskExploded".');
    expect(invalid([{ ...ok, eventId: '3' }]).message).toBe("Invalid history: event 0 (OrchestratorStarted) has no integer 'eventId' (got \"3\").");
    expect(invalid([{ ...ok, timestamp: 'yesterday' }]).message).toBe("Invalid history: event 0 (OrchestratorStarted) has no valid 'timestamp' date (got \"yesterday\").");
    expect(invalid([{ type: 'OrchestratorStarted', eventId: -1 }]).message).toBe("Invalid history: event 0 (OrchestratorStarted) has no valid 'timestamp' date (got nothing).");
    expect(invalid([{ ...ok, type: 'TimerCreated', eventId: 0 }]).message).toBe("Invalid history: event 0 (TimerCreated) has no valid 'fireAt' date (got nothing).");
    expect(invalid([{ ...ok, type: 'TimerCreated', eventId: 0, fireAt: 12 }]).message).toBe("Invalid history: event 0 (TimerCreated) has no valid 'fireAt' date (got number 12).");
  });
});
