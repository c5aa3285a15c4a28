import { Timestamp } from 'bson';

/**
 * A position in the oplog: a BSON Timestamp (seconds, increment) as one ordered 64-bit integer,
 * `seconds << 32 | increment`. Every oplog entry has a distinct position; positions only grow, across restarts too.
 */
export type OplogPosition = bigint;

/** The position a BSON Timestamp names. */
export function positionOf(ts: Timestamp): OplogPosition {
  return (BigInt(ts.high >>> 0) << 32n) | BigInt(ts.low >>> 0);
}

/** The BSON Timestamp of a position. */
export function timestampOf(position: OplogPosition): Timestamp {
  return new Timestamp({ t: Number(position >> 32n), i: Number(position & 0xffffffffn) });
}

/** The seconds part of a position. */
export function secondsOf(position: OplogPosition): number {
  return Number(position >> 32n);
}

/** The position at `seconds` with increment `increment`. */
export function makePosition(seconds: number, increment: number): OplogPosition {
  return (BigInt(seconds) << 32n) | BigInt(increment);
}

/** True when `value` is a BSON Timestamp. */
export function isTimestamp(value: unknown): value is Timestamp {
  return value instanceof Timestamp || (value as { _bsontype?: string } | null)?._bsontype === 'Timestamp';
}
