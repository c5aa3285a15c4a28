// JobSlots: `concurrency` bounds every activity a worker runs; a suspect takes every slot to run alone, waits only for
// the jobs already running, and holds back new ones until it is done.
import { describe, expect, it } from '@jest/globals';
import { JobSlots } from '../../../src/adapters/agenda/job-slots.js';

/** Lets every granted waiter's continuation run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Records when each acquisition is granted. */
function track(promise: Promise<void>, granted: string[], name: string): void {
  void promise.then(() => granted.push(name));
}

describe('JobSlots', () => {
  it('bounds the jobs running at once and hands a released slot to the longest waiter', async () => {
    const slots = new JobSlots(2);
    expect(slots.tryAcquire()).toBe(true);
    expect(slots.tryAcquire()).toBe(true);
    expect(slots.tryAcquire()).toBe(false);
    const granted: string[] = [];
    track(slots.acquire(), granted, 'a');
    track(slots.acquire(), granted, 'b');
    await settle();
    expect(granted).toEqual([]);
    slots.release();
    await settle();
    expect(granted).toEqual(['a']);
    // A slot released while someone waits is theirs: tryAcquire does not overtake.
    expect(slots.tryAcquire()).toBe(false);
    slots.release();
    await settle();
    expect(granted).toEqual(['a', 'b']);
    expect(slots.free).toBe(0);
  });

  it('runs a job alone at once when nothing runs, and starts nothing beside it until it is done', async () => {
    const slots = new JobSlots(3);
    await slots.acquireAlone();
    expect(slots.free).toBe(0);
    expect(slots.tryAcquire()).toBe(false);
    const granted: string[] = [];
    track(slots.acquire(), granted, 'next');
    await settle();
    expect(granted).toEqual([]);
    slots.releaseAlone();
    await settle();
    expect(granted).toEqual(['next']);
    expect(slots.free).toBe(2);
  });

  it('lets a job waiting to run alone start once the running jobs finish, however many new jobs keep arriving', async () => {
    const slots = new JobSlots(3);
    expect(slots.tryAcquire()).toBe(true);
    expect(slots.tryAcquire()).toBe(true);
    const granted: string[] = [];
    track(slots.acquireAlone(), granted, 'alone');
    // New work arriving while it waits: refused or queued behind it, although a slot is free.
    expect(slots.free).toBe(1);
    for (let i = 0; i < 5; i++) expect(slots.tryAcquire()).toBe(false);
    track(slots.acquire(), granted, 'later-1');
    track(slots.acquire(), granted, 'later-2');
    slots.release();
    await settle();
    expect(granted).toEqual([]);
    slots.release();
    await settle();
    expect(granted).toEqual(['alone']);
    expect(slots.free).toBe(0);
    slots.releaseAlone();
    await settle();
    expect(granted).toEqual(['alone', 'later-1', 'later-2']);
    expect(slots.free).toBe(1);
    expect(slots.waiting).toBe(0);
  });

  it('serves waiters in order: jobs queued before a lone one run first, two lone ones run one after the other', async () => {
    const slots = new JobSlots(2);
    expect(slots.tryAcquire()).toBe(true);
    expect(slots.tryAcquire()).toBe(true);
    const granted: string[] = [];
    track(slots.acquire(), granted, 'first');
    track(slots.acquireAlone(), granted, 'alone-1');
    track(slots.acquireAlone(), granted, 'alone-2');
    track(slots.acquire(), granted, 'last');
    slots.release();
    await settle();
    expect(granted).toEqual(['first']);
    slots.release();
    slots.release();
    await settle();
    expect(granted).toEqual(['first', 'alone-1']);
    slots.releaseAlone();
    await settle();
    expect(granted).toEqual(['first', 'alone-1', 'alone-2']);
    slots.releaseAlone();
    await settle();
    expect(granted).toEqual(['first', 'alone-1', 'alone-2', 'last']);
    expect(slots.free).toBe(1);
  });
});
