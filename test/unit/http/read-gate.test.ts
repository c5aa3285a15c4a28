import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import type { Response } from 'express';
import { HttpApiError } from '../../../src/core/errors/http-api-error.js';
import { ReadGate } from '../../../src/http/read-gate.js';

/** Just what the gate uses of a response: headers it sets, and the `close` event of a client that goes away. */
class FakeResponse extends EventEmitter {
  readonly headers = new Map<string, string>();
  set(name: string, value: string): this {
    this.headers.set(name, value);
    return this;
  }
}

const response = (): FakeResponse & Response => new FakeResponse() as FakeResponse & Response;

/** A read that finishes when the test says so. */
function heldRead(): { read: () => Promise<string>; started: () => boolean; finish: (value: string) => void } {
  let started = false;
  let finish: (value: string) => void = () => undefined;
  const done = new Promise<string>((resolve) => {
    finish = resolve;
  });
  return { read: () => ((started = true), done), started: () => started, finish };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ReadGate', () => {
  it('runs up to maxConcurrent reads at once, then the waiting ones in arrival order', async () => {
    const gate = new ReadGate(2, 10);
    const reads = [heldRead(), heldRead(), heldRead(), heldRead()];
    const results = reads.map((r) => gate.run(response(), r.read));
    await tick();
    expect(reads.map((r) => r.started())).toEqual([true, true, false, false]);
    expect(gate.load).toEqual({ running: 2, waiting: 2 });
    reads[1]!.finish('b');
    await tick();
    expect(reads.map((r) => r.started())).toEqual([true, true, true, false]);
    reads[0]!.finish('a');
    reads[2]!.finish('c');
    await tick();
    expect(reads[3]!.started()).toBe(true);
    reads[3]!.finish('d');
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
    expect(gate.load).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses a read with 503 TOO_MANY_READS and Retry-After once the queue is full, and frees the slot of a failed read', async () => {
    const gate = new ReadGate(1, 1);
    const first = heldRead();
    const running = gate.run(response(), first.read);
    const queued = gate.run(response(), () => Promise.resolve('queued'));
    const refusedResponse = response();
    const refused = await gate.run(refusedResponse, () => Promise.resolve('never')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HttpApiError);
    expect(refused).toMatchObject({ status: 503, code: 'TOO_MANY_READS' });
    expect(refusedResponse.headers.get('Retry-After')).toBe('1');
    first.finish('first');
    expect(await running).toBe('first');
    expect(await queued).toBe('queued');
    await expect(gate.run(response(), async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(gate.load).toEqual({ running: 0, waiting: 0 });
  });

  it('gives up the place of a waiting read whose client went away', async () => {
    const gate = new ReadGate(1, 1);
    const first = heldRead();
    const running = gate.run(response(), first.read);
    const goneResponse = response();
    let ran = false;
    const gone = gate.run(goneResponse, () => {
      ran = true;
      return Promise.resolve();
    }).catch((e: unknown) => e);
    goneResponse.emit('close');
    expect(await gone).toMatchObject({ code: 'TOO_MANY_READS' });
    expect(gate.load).toEqual({ running: 1, waiting: 0 });
    // Its place is free again.
    const next = gate.run(response(), () => Promise.resolve('next'));
    first.finish('first');
    await running;
    expect(await next).toBe('next');
    expect(ran).toBe(false);
  });
});
