import express, { type Request, type RequestHandler, type Response } from 'express';
import { HttpApiError } from './http-api-error.js';

/** How a route accepts its body. */
export interface JsonBodyRules {
  /**
   * `required`: the body must be labelled `application/json` (raiseEvent, as in Durable Functions: otherwise `400`).
   * `requiredWithBody`: an empty body needs no label (an entity signal without input, as in Durable Functions); a
   * non-empty one must be labelled `application/json` (otherwise `400`).
   * `lenient`: an unlabelled body is read as JSON too (start, as in Durable Functions); other types get a `415`.
   */
  readonly contentType: 'required' | 'requiredWithBody' | 'lenient';
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
   * @throws HttpApiError 400 (invalid JSON, or a non-JSON body where JSON is required), 413 (over the limit, from the
   *   error body-parser raises), 415 (a content type or charset that is not JSON / UTF-8).
   */
  async read(req: Request, res: Response, rules: JsonBodyRules): Promise<unknown> {
    const contentType = req.headers['content-type'];
    const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
    const isJson = mediaType === 'application/json' || (mediaType !== undefined && /^application\/[a-z0-9.+-]+\+json$/.test(mediaType));
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1]?.toLowerCase();

    const wrongType = (): HttpApiError => {
      const message = `The request body must be JSON (Content-Type: application/json), not ${mediaType ?? 'unlabelled'}.`;
      return rules.contentType === 'lenient'
        ? new HttpApiError(415, 'UNSUPPORTED_MEDIA_TYPE', message, [{ location: 'header', field: 'content-type', message }])
        : new HttpApiError(400, 'UNSUPPORTED_CONTENT_TYPE', message, [{ location: 'header', field: 'content-type', message }]);
    };
    // Where JSON is required the label is checked even without a body (as Durable Functions' raiseEvent does).
    if (rules.contentType === 'required' && !isJson) throw wrongType();
    const body = await this.#rawBody(req, res);
    if (body === undefined || body.length === 0) return undefined;
    if (!isJson && (mediaType !== undefined || rules.contentType === 'requiredWithBody')) throw wrongType();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      const message = `JSON bodies must be UTF-8, not ${charset}.`;
      throw new HttpApiError(415, 'UNSUPPORTED_MEDIA_TYPE', message, [{ location: 'header', field: 'content-type', message }]);
    }
    try {
      // JSON.parse only builds data: a "__proto__" key becomes an own property, never a prototype.
      return JSON.parse(body.toString('utf8').replace(/^\uFEFF/, '')) as unknown;
    } catch (error) {
      const message = `The request body is not valid JSON: ${(error as Error).message}`;
      throw new HttpApiError(400, 'INVALID_JSON', message, [{ location: 'body', field: '(body)', message }]);
    }
  }

  #rawBody(req: Request, res: Response): Promise<Buffer | undefined> {
    // A body parser mounted earlier by the app (express.json()) has already consumed the stream: use its result.
    // (body-parser 2 leaves only the ended stream as a trace; body-parser 1 also set `_body`.)
    if (req.readableEnded || (req as { _body?: boolean })._body === true) return Promise.resolve(this.#alreadyParsed(req.body));
    return new Promise((resolve, reject) => {
      void this.#parser(req, res, (error?: unknown) => {
        if (error === undefined || error === null) resolve(Buffer.isBuffer(req.body) ? req.body : undefined);
        // body-parser's errors are Errors carrying status and type (mapped by the router's error handler).
        else reject(error instanceof Error ? error : new Error('The request body could not be read.', { cause: error }));
      });
    });
  }

  #alreadyParsed(body: unknown): Buffer | undefined {
    if (Buffer.isBuffer(body)) return body;
    if (body === undefined) return undefined;
    if (typeof body === 'string') return Buffer.from(body, 'utf8');
    // Re-serialised so that the same content-type and JSON rules apply.
    return Buffer.from(JSON.stringify(body), 'utf8');
  }
}
