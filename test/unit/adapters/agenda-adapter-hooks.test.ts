// The Agenda adapter runs no async_hooks hook and no AsyncLocalStorage: a hook enabled while a worker runs is called
// for every promise of the process (it cost 7.2 % of the worker's CPU when stop() relied on one to find the timers
// Agenda's processor leaks). The adapter never starts Agenda's processor instead (see AgendaWorkScheduler).
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const adapter = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/adapters/agenda');

describe('the Agenda adapter', () => {
  it('uses no async_hooks and never starts Agenda\'s processor', () => {
    const files = readdirSync(adapter).filter((name) => name.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const name of files) {
      const text = readFileSync(path.join(adapter, name), 'utf8');
      expect({ name, asyncHooks: /async_hooks|AsyncLocalStorage|createHook/.test(text.replace(/^\s*(\/\/|\*).*$/gm, '')) }).toEqual({ name, asyncHooks: false });
      expect({ name, starts: /\.start\(\)/.test(text.replace(/^\s*(\/\/|\*).*$/gm, '')) }).toEqual({ name, starts: false });
    }
  });
});
