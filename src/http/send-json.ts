import type { Response } from 'express';

/**
 * Sends `body` as JSON. Decoded payloads may hold values JSON has no spelling for (see docs/codec.md): a bigint is sent
 * as its decimal string, bytes as base64, and NaN/Infinity as null (Dates already serialise as ISO strings).
 * Admin responses are never cached: they describe instances that keep changing.
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status).set('Cache-Control', 'no-store').type('application/json').send(JSON.stringify(body, jsonSafe));
}

/** Sends a status code with no body (Durable Functions' 202s of raiseEvent, terminate, suspend, resume). */
export function sendEmpty(res: Response, status: number): void {
  res.status(status).set('Cache-Control', 'no-store').end();
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  return value;
}
