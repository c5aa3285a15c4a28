import type { Response } from 'express';

/**
 * Sends `body` as JSON. Decoded payloads may hold values JSON has no spelling for (see docs/codec.md): a bigint is sent
 * as its decimal string, bytes as base64, and NaN/Infinity as null (Dates already serialise as ISO strings).
 * Admin responses are never cached: they describe instances that keep changing.
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status).set('Cache-Control', 'no-store').type('application/json').send(JSON.stringify(body, jsonSafe));
}

/**
 * Sends `200` with a JSON array of every item of `batches`, written batch by batch as they are read (chunked), so that
 * an answer of any length holds one batch in memory; it waits for the client to take each batch (backpressure) and
 * stops reading when the client goes away. Items are serialised as {@link sendJson} does.
 */
export async function streamJsonArray(res: Response, batches: AsyncIterable<readonly unknown[]>): Promise<void> {
  res.status(200).set('Cache-Control', 'no-store').type('application/json');
  let first = true;
  let text = '[';
  for await (const batch of batches) {
    for (const item of batch) {
      text += (first ? '' : ',') + JSON.stringify(item, jsonSafe);
      first = false;
    }
    if (!(await write(res, text))) return;
    text = '';
  }
  res.end(`${text}]`);
}

/** Writes `text`; resolves once the client can take more — false when it went away (nothing more should be sent). */
async function write(res: Response, text: string): Promise<boolean> {
  if (res.destroyed) return false;
  if (text === '' || res.write(text)) return true;
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = (): void => done(true);
    const onClose = (): void => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
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
