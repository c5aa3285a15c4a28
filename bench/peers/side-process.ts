/**
 * The runner's handle on one side child (see side-protocol.ts): forks it, waits until it is set up, asks for
 * repetitions one at a time, and stops it (killing it if it does not stop in time).
 *
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { RepResult } from './shapes.js';
import { SIDE_CONFIG_ENV, type RunnerMessage, type SideConfig, type SideMessage } from './side-protocol.js';

const SETUP_TIMEOUT_MS = 120_000;
const REP_TIMEOUT_MS = 600_000;
const STOP_TIMEOUT_MS = 60_000;

/** Memory a side reported just before it tore down. */
export interface SideMemory {
  readonly rssMb: number;
  readonly heapUsedMb: number;
}

export class SideProcess {
  readonly #child: ChildProcess;
  readonly #label: string;
  readonly #exited: Promise<void>;
  #waiter: { accept: (message: SideMessage) => boolean; reject: (error: Error) => void } | undefined;

  private constructor(script: string, config: SideConfig, label: string) {
    this.#label = label;
    this.#child = fork(script, [], {
      env: { ...process.env, [SIDE_CONFIG_ENV]: JSON.stringify(config) },
      execArgv: ['--no-deprecation'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.on('message', (message: SideMessage) => {
      if (message.type === 'error') {
        this.#waiter?.reject(new Error(`${label}: ${message.message}`));
        this.#waiter = undefined;
      } else if (this.#waiter?.accept(message) === true) {
        this.#waiter = undefined;
      }
    });
    this.#child.once('exit', (code, signal) => {
      this.#waiter?.reject(new Error(`${label}: the side process exited (${signal ?? code}) unexpectedly`));
      this.#waiter = undefined;
    });
  }

  /** Forks `script` with `config` and resolves once the side is set up and warmed up. */
  static async start(script: string, config: SideConfig, label: string): Promise<SideProcess> {
    const side = new SideProcess(script, config, label);
    try {
      await side.#expect((m) => m.type === 'ready', SETUP_TIMEOUT_MS, 'setup');
    } catch (error) {
      await side.kill();
      throw error;
    }
    return side;
  }

  /** Runs one repetition in the child. */
  async run(rep: number): Promise<RepResult> {
    let result: RepResult | undefined;
    await this.#expect((m) => {
      if (m.type !== 'result' || m.rep !== rep) return false;
      result = m.result;
      return true;
    }, REP_TIMEOUT_MS, `rep ${rep}`, { type: 'run', rep });
    return result as RepResult;
  }

  /** Asks the side to report its memory and stop; kills it if it does not. */
  async stop(): Promise<SideMemory | undefined> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null || !this.#child.connected) {
      await this.abort();
      return undefined;
    }
    let memory: SideMemory | undefined;
    try {
      await this.#expect((m) => {
        if (m.type !== 'stopped') return false;
        memory = { rssMb: m.rssMb, heapUsedMb: m.heapUsedMb };
        return true;
      }, STOP_TIMEOUT_MS, 'stop', { type: 'stop' });
      await Promise.race([this.#exited, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    } finally {
      await this.kill();
    }
    return memory;
  }

  /**
   * Ends the child gracefully if it can: closing the channel makes a side tear down (stop its engine, delete its dbPath)
   * and exit; after `graceMs` it is killed.
   */
  async abort(graceMs = 5_000): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    if (this.#child.connected) this.#child.disconnect();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Kills the child (and waits for it) if it is still running. */
  async kill(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill('SIGKILL');
      await this.#exited;
    }
  }

  #expect(accept: (message: SideMessage) => boolean, timeoutMs: number, what: string, send?: RunnerMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new Error(`${this.#label}: ${what} did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiter = {
        accept: (message) => {
          if (!accept(message)) return false;
          clearTimeout(timer);
          resolve();
          return true;
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      if (send === undefined) return;
      const unsent = (): void => this.#waiter?.reject(new Error(`${this.#label}: the side process is gone (${what})`));
      if (!this.#child.connected) return unsent();
      this.#child.send(send, (error) => {
        if (error !== null) unsent();
      });
    });
  }
}
