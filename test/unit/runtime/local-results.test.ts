import { describe, expect, it } from '@jest/globals';
import { HistoryEventType, type HistoryEvent } from '../../../src/history/history-event.js';
import { LocalResults } from '../../../src/runtime/local-results.js';

const completed = (sequence: number): HistoryEvent => ({
  type: HistoryEventType.TaskCompleted, eventId: -1, timestamp: new Date(0), taskScheduledId: sequence, result: '1',
});

describe('LocalResults', () => {
  it('without a session for the instance, a result is not taken: its activity sends it to the inbox', async () => {
    const results = new LocalResults();
    const deliver = results.begin('i1');
    await expect(deliver('e1', completed(0))).resolves.toBe(false);
  });

  it('hands a result to the session of its instance, and tells the activity what the session made of it', async () => {
    const results = new LocalResults();
    const session = results.open('i1', 'e1');
    const delivered = results.begin('i1')('e1', completed(0));

    expect(session.hasResults).toBe(true);
    const [taken] = session.take();
    expect(taken?.event).toEqual(completed(0));
    expect(session.take()).toEqual([]);
    taken?.settle(true);
    await expect(delivered).resolves.toBe(true);
  });

  it('does not take a result for another execution of the instance', async () => {
    const results = new LocalResults();
    const session = results.open('i1', 'e2');
    await expect(results.begin('i1')('e1', completed(0))).resolves.toBe(false);
    expect(session.hasResults).toBe(false);
  });

  it('settles results nobody took as not recorded when the session closes', async () => {
    const results = new LocalResults();
    const session = results.open('i1', 'e1');
    const delivered = results.begin('i1')('e1', completed(0));
    session.close();
    await expect(delivered).resolves.toBe(false);
    // After the close, new results go to the inbox.
    await expect(results.begin('i1')('e1', completed(1))).resolves.toBe(false);
  });

  it('waits for a running activity of the instance, and batches results that finish in the same turn', async () => {
    const results = new LocalResults();
    const session = results.open('i1', 'e1');
    const first = results.begin('i1');
    const second = results.begin('i1');
    const waiting = session.wait(10_000, 2);
    setTimeout(() => {
      void first('e1', completed(0));
      void second('e1', completed(1));
    }, 5);
    await expect(waiting).resolves.toBe(true);
    expect(session.take().map((r) => r.event)).toEqual([completed(0), completed(1)]);
  });

  it('does not wait when no activity of the instance runs here, and gives up at the timeout', async () => {
    const results = new LocalResults();
    const session = results.open('i1', 'e1');
    await expect(session.wait(10_000, 0)).resolves.toBe(false);

    const deliver = results.begin('i1');
    await expect(session.wait(5, 0)).resolves.toBe(false);
    session.close();
    await expect(deliver('e1', completed(0))).resolves.toBe(false);
  });

  it('stops waiting when the last running activity ends without a result', async () => {
    const results = new LocalResults();
    const session = results.open('i1', 'e1');
    const deliver = results.begin('i1');
    const waiting = session.wait(10_000, 0);
    await deliver('e1', undefined);
    await expect(waiting).resolves.toBe(false);
  });

  it('waits for open activities not running yet (queued here), and wakes for a message this process sent to the inbox', async () => {
    const results = new LocalResults();
    const session = results.open('i1', 'e1');
    // Nothing runs yet, but the history has an open activity: a slot may pick it up in a moment.
    const waiting = session.wait(10_000, 1);
    setTimeout(() => void results.begin('i1')('e1', completed(0)), 5);
    await expect(waiting).resolves.toBe(true);
    session.take();

    const waitingForInbox = session.wait(10_000, 1);
    results.inboxed('i1');
    await expect(waitingForInbox).resolves.toBe(true);
    expect(session.take()).toEqual([]);
    // Taking clears the notice.
    await expect(session.wait(5, 1)).resolves.toBe(false);
    // Other instances' messages do not concern it.
    results.inboxed('i2');
    await expect(session.wait(5, 1)).resolves.toBe(false);
  });

  it('lets an early start wait for more results without taking them, and remembers voided starts by their job', async () => {
    const results = new LocalResults();
    const session = results.open('i1', 'e1');
    const first = results.begin('i1');
    const second = results.begin('i1');
    void first('e1', completed(0));
    expect(session.peek().map((r) => r.event)).toEqual([completed(0)]);
    const more = session.waitForMore(10_000);
    void second('e1', completed(1));
    await expect(more).resolves.toBe(true);
    expect(session.peek()).toHaveLength(2);
    // Nothing arrives: the wait ends at its time.
    await expect(session.waitForMore(5)).resolves.toBe(false);
    expect(session.take()).toHaveLength(2);
    const job = { sequence: 0 };
    expect(results.isVoid(job)).toBe(false);
    results.voidStarts([job]);
    expect(results.isVoid(job)).toBe(true);
    expect(results.isVoid({ sequence: 0 })).toBe(false);
  });

  it('refuses a second delivery from one activity', () => {
    const results = new LocalResults();
    const deliver = results.begin('i1');
    void deliver('e1', undefined);
    expect(() => deliver('e1', undefined)).toThrow('delivered twice');
  });
});
