import { hostname } from 'node:os';
import type { Document } from '../bson/document.js';
import type { JournalStatistics } from '../persistence/journal-statistics.js';
import type { CommandHandler } from './command-context.js';
import { EMULATED_VERSION } from './handshake-commands.js';

/**
 * mongod's `serverStatus().opcounters`, counted as mongod 7.0 counts them, so that a benchmark reading them before
 * and after a workload measures the same thing on the engine and on a real server:
 *
 * - `insert`: one per document an `insert` command tries to insert (a failed one counts; documents an ordered batch
 *   never reaches after an error do not);
 * - `update` / `delete`: one per statement of an `update` / `delete` command tried, whatever it matched;
 * - `query`: one per `find` command; `getmore`: one per `getMore` command;
 * - `command`: every other command, including `findAndModify`, `aggregate`, `count` and the driver's `hello`.
 *   `findAndModify` counts only here, never as an update or delete.
 *
 * Failed commands count too (mongod counts operations received); unknown commands do not.
 */
export class OpCounters {
  insert = 0;
  query = 0;
  update = 0;
  delete = 0;
  getmore = 0;
  command = 0;

  /** Counts a command by its name, as mongod's command dispatcher does; write commands count their own statements. */
  countCommand(name: string): void {
    switch (name) {
      case 'insert':
      case 'update':
      case 'delete':
        return;
      case 'find':
        this.query++;
        return;
      case 'getMore':
        this.getmore++;
        return;
      default:
        this.command++;
    }
  }

  /** The `opcounters` section. */
  toDocument(): Document {
    return {
      insert: this.insert,
      query: this.query,
      update: this.update,
      delete: this.delete,
      getmore: this.getmore,
      command: this.command,
    };
  }
}

/** Connection counts of the server, for `serverStatus().connections`. */
export interface ConnectionStatistics {
  /** Open client connections. */
  readonly current: number;
  /** Connections accepted since the engine started. */
  readonly totalCreated: number;
}

/** What `serverStatus` reports about the engine: counters kept by the engine, the server and the journal. */
export interface ServerState {
  readonly startedAt: Date;
  readonly opCounters: OpCounters;
  /** Whether the engine persists to a dbPath. */
  readonly persistent: boolean;
  connections(): ConnectionStatistics;
  /** The journal's counters; undefined for a memory-only engine. */
  journal(): JournalStatistics | undefined;
}

// mongod's default net.maxIncomingConnections.
const MAX_CONNECTIONS = 1_000_000;

/**
 * `serverStatus`, in mongod's shape for the sections monitoring tools and benchmarks read first. Like mongod,
 * `{ serverStatus: 1, <section>: 0 }` leaves a section out.
 *
 * `wiredTiger.log` carries the journal's counters under WiredTiger's names, so that "fsyncs per write" reads the same
 * on both: `log sync operations` counts the journal's fdatasync calls (0 without a dbPath). On mongod these are
 * WiredTiger log syncs, which by default happen every 100 ms or when a write asks for `j: true`.
 */
export const serverStatus: CommandHandler = (command, context) => {
  const server = context.server;
  const now = Date.now();
  const uptimeMillis = now - server.startedAt.getTime();
  const connections = server.connections();
  const journal = server.journal();
  const memory = process.memoryUsage();
  const sections: Document = {
    connections: {
      current: connections.current,
      available: MAX_CONNECTIONS - connections.current,
      totalCreated: connections.totalCreated,
      rejected: 0,
    },
    mem: { bits: 64, resident: Math.round(memory.rss / 1048576), virtual: Math.round(memory.rss / 1048576), supported: true },
    opcounters: server.opCounters.toDocument(),
    storageEngine: { name: 'durably-embedded', supportsCommittedReads: false, readOnly: false, persistent: server.persistent },
    wiredTiger: {
      log: {
        'log bytes written': journal?.bytesWritten ?? 0,
        'log flush operations': journal?.writes ?? 0,
        'log sync operations': journal?.syncs ?? 0,
        'log sync time duration (usecs)': Math.round(journal?.syncMicros ?? 0),
        'log write operations': journal?.records ?? 0,
      },
    },
  };
  const reply: Document = {
    host: hostname(),
    version: EMULATED_VERSION,
    process: 'mongod',
    pid: process.pid,
    uptime: Math.floor(uptimeMillis / 1000),
    uptimeMillis,
    uptimeEstimate: Math.floor(uptimeMillis / 1000),
    localTime: new Date(now),
  };
  for (const [name, section] of Object.entries(sections)) {
    const wanted = command[name];
    if (wanted === 0 || wanted === false) continue;
    reply[name] = section;
  }
  reply.ok = 1;
  return reply;
};
