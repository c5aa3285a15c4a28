import { CommandError } from '../../core/errors/command-error.js';
import type { Document } from '../bson/document.js';
import { timestampOf } from '../replication/oplog-position.js';
import type { CommandContext, CommandHandler, ReplicationContext } from './command-context.js';

/** The replica-set context, or mongod's answer on a server started without `--replSet`. */
function replicationOf(context: CommandContext): ReplicationContext {
  if (context.replication === undefined) throw new CommandError('NoReplicationEnabled', 'not running with --replSet');
  return context.replication;
}

function adminOnly(context: CommandContext, name: string): void {
  if (context.db !== 'admin') throw new CommandError('Unauthorized', `${name} may only be run against the admin database.`);
}

/** The optime of the newest write, as replica-set commands report it. */
export function lastOpTime(replication: ReplicationContext): Document {
  return { ts: timestampOf(replication.oplog.lastPosition), t: replication.state.term };
}

/** `replSetGetStatus`: one member, this one, PRIMARY (or SECONDARY during a step-down). */
export const replSetGetStatus: CommandHandler = (_command, context) => {
  adminOnly(context, 'replSetGetStatus');
  const replication = replicationOf(context);
  const { state } = replication;
  const primary = state.isPrimary;
  const optime = lastOpTime(replication);
  const optimeDate = new Date(Number(replication.oplog.lastPosition >> 32n) * 1000);
  const uptime = Math.floor((Date.now() - context.server.startedAt.getTime()) / 1000);
  return {
    set: state.setName,
    date: new Date(),
    myState: primary ? 1 : 2,
    term: state.term,
    heartbeatIntervalMillis: 2000,
    majorityVoteCount: 1,
    writeMajorityCount: 1,
    votingMembersCount: 1,
    writableVotingMembersCount: 1,
    optimes: { lastCommittedOpTime: optime, readConcernMajorityOpTime: optime, appliedOpTime: optime, durableOpTime: optime, lastAppliedWallTime: optimeDate, lastDurableWallTime: optimeDate },
    members: [{
      _id: 0,
      name: state.me,
      health: 1,
      state: primary ? 1 : 2,
      stateStr: primary ? 'PRIMARY' : 'SECONDARY',
      uptime,
      optime,
      optimeDate,
      syncSourceHost: '',
      syncSourceId: -1,
      infoMessage: '',
      ...(primary ? { electionTime: timestampOf(BigInt(Math.floor(state.electionDate.getTime() / 1000)) << 32n), electionDate: state.electionDate } : {}),
      configVersion: 1,
      configTerm: state.term,
      self: true,
      lastHeartbeatMessage: '',
    }],
    ok: 1,
  };
};

/** `replSetGetConfig`: a one-member configuration. */
export const replSetGetConfig: CommandHandler = (_command, context) => {
  adminOnly(context, 'replSetGetConfig');
  const { state } = replicationOf(context);
  return {
    config: {
      _id: state.setName,
      version: 1,
      term: state.term,
      members: [{ _id: 0, host: state.me, arbiterOnly: false, buildIndexes: true, hidden: false, priority: 1, tags: {}, secondaryDelaySecs: 0, votes: 1 }],
      protocolVersion: 1,
      writeConcernMajorityJournalDefault: true,
      settings: { chainingAllowed: true, heartbeatIntervalMillis: 2000, electionTimeoutMillis: 10000 },
    },
    ok: 1,
  };
};

/** `replSetInitiate`: the set is initiated when the engine starts. */
export const replSetInitiate: CommandHandler = (_command, context) => {
  replicationOf(context);
  throw new CommandError('AlreadyInitialized', 'already initialized');
};

/**
 * `replSetStepDown: <seconds>`: the node stops being primary for that long (then elects itself again, in a new
 * term). Meanwhile writes fail with NotWritablePrimary and `hello` reports a secondary, as a real step-down that
 * drivers must ride out. Connections stay open, as on MongoDB 4.2 and later.
 */
export const replSetStepDown: CommandHandler = (command, context) => {
  adminOnly(context, 'replSetStepDown');
  const replication = replicationOf(context);
  const seconds = command.replSetStepDown;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new CommandError('BadValue', `stepdown period must be a positive number of seconds, not ${String(seconds)}`);
  }
  if (!replication.state.isPrimary) throw new CommandError('NotWritablePrimary', 'not primary so can\'t step down');
  replication.stepDown(seconds * 1000);
  return { ok: 1 };
};
