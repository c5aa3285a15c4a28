import express, { type Request, type RequestHandler, type Response } from 'express';
import { assertFiniteNumbers } from './assert-finite-numbers.js';
import { HttpApiError } from '../core/errors/http-api-error.js';
import { firstInvalidUtf8Offset } from './first-invalid-utf8-offset.js';

/** How a route accepts its body. */
export interface JsonBodyRules {
  /**
   * `required`: the request must be labelled `application/json` even without a body (raiseEvent, as in Durable
   * Functions: otherwise `400`). `requiredWithBody` (an entity signal) and `lenient` (start): an empty body needs no
   * label. Either way a non-empty body must be labelled JSON: `415` otherwise (the router's request guard refuses it
   * before the route is reached; checked here again for bodies an app's own parser consumed).
   */
  readonly contentType: 'required' | 'requiredWithBody' | 'lenient';
}

// JSON exchanged between systems must be UTF-8 (RFC 8259): a fatal decoder refuses what a lenient one would replace
// with U+FFFD and store. It drops a leading byte order mark.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Whether a `Content-Type` names JSON: `application/json` or `application/<anything>+json`, any parameters. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/json' || (mediaType !== undefined && /^application\/[a-z0-9.+-]+\+json$/.test(mediaType));
}

/** Reads request bodies as raw bytes, up to a limit; JSON parsing and content-type rules are applied by {@link JsonBodyReader.read}. */
export class JsonBodyReader {
  readonly #parser: RequestHandler;

  constructor(maxBodyBytes: number) {
    // Every content type is read raw, so that the type can be judged here (and the error be JSON), not by body-parser.
    this.#parser = express.raw({ type: () => true, limit: maxBodyBytes });
  }

  /**
   * The JSON value of the request body, or `undefined` when there is no body.
   * @throws HttpApiError 400 (invalid JSON or UTF-8, a number too large to be finite, or a non-JSON label where JSON
   *   is required), 413 (over the limit, from the error body-parser raises), 415 (a content type or charset that is
   *   not JSON / UTF-8).
   */
  async read(req: Request, res: Response, rules: JsonBodyRules): Promise<unknown> {
    const contentType = req.headers['content-type'];
    const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
    const isJson = isJsonMediaType(contentType);
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1]?.toLowerCase();

    const wrongType = (status: 400 | 415): HttpApiError => {
      const message = `The request body must be JSON (Content-Type: application/json), not ${mediaType ?? 'unlabelled'}.`;
      const details = [{ location: 'header', field: 'content-type', message }] as const;
      return status === 415 ? new HttpApiError(415, 'UNSUPPORTED_MEDIA_TYPE', message, details) : new HttpApiError(400, 'UNSUPPORTED_CONTENT_TYPE', message, details);
    };
    // Where JSON is required the label is checked even without a body (as Durable Functions' raiseEvent does).
    if (rules.contentType === 'required' && !isJson) throw wrongType(400);
    const body = await this.#rawBody(req, res);
    if (body === undefined || body.length === 0) return undefined;
    if (!isJson) throw wrongType(415);
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      const message = `JSON bodies must be UTF-8, not ${charset}.`;
      throw new HttpApiError(415, 'UNSUPPORTED_MEDIA_TYPE', message, [{ location: 'header', field: 'content-type', message }]);
    }
    let value: unknown;
    try {
      // JSON.parse only builds data: a "__proto__" key becomes an own property, never a prototype.
      value = JSON.parse(decodeUtf8(body)) as unknown;
    } catch (error) {
      if (error instanceof HttpApiError) throw error;
      const message = `The request body is not valid JSON: ${(error as Error).message}`;
      throw new HttpApiError(400, 'INVALID_JSON', message, [{ location: 'body', field: '(body)', message }]);
    }
    assertFiniteNumbers(value);
    return value;
  }

  #rawBody(req: Request, res: Response): Promise<Buffer | undefined> {
    // A body parser mounted earlier by the app (express.json()) has already consumed the stream: use its result.
    // (body-parser 2 leaves only the ended stream as a trace; body-parser 1 also set `_body`.)
    if (req.readableEnded || (req as { _body?: boolean })._body === true) return Promise.resolve(this.#alreadyParsed(req.body));
    return new Promise((resolve, reject) => {
      void this.#parser(req, res, (error?: unknown) => {
        if (error === undefined || error === null) resolve(Buffer.isBuffer(req.body) ? req.body : undefined);
        // body-parser's errors are Errors carrying status and type (mapped by the router's error handler).
        else reject(error instanceof Error ? error : new HttpApiError(400, 'BAD_REQUEST', 'The request body could not be read.', [], { cause: error }));
      });
    });
  }

  #alreadyParsed(body: unknown): Buffer | undefined {
    if (Buffer.isBuffer(body)) return body;
    if (body === undefined) return undefined;
    if (typeof body === 'string') return Buffer.from(body, 'utf8');
    // Re-serialised so that the same content-type and JSON rules apply; JSON.stringify would turn a non-finite number
    // into null, so it is refused first. (Invalid UTF-8 cannot be told once another parser has decoded it: mount the
    // admin router before a global express.json(), as docs/http-api.md says.)
    assertFiniteNumbers(body);
    return Buffer.from(JSON.stringify(body), 'utf8');
  }
}

/**
 * The text of a UTF-8 body.
 * @throws HttpApiError 400 `INVALID_JSON` naming the offset of the first byte that is not UTF-8.
 */
function decodeUtf8(body: Buffer): string {
  try {
    return UTF8.decode(body);
  } catch {
    const offset = firstInvalidUtf8Offset(body) ?? 0;
    const message = `The request body is not valid UTF-8: the byte at offset ${offset} (0x${(body[offset] ?? 0).toString(16).padStart(2, '0')}) does not belong to a UTF-8 character. Send JSON encoded as UTF-8.`;
    throw new HttpApiError(400, 'INVALID_JSON', message, [{ location: 'body', field: '(body)', message: `invalid UTF-8 at byte ${offset}` }]);
  }
}
