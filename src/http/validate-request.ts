import type { Request } from 'express';
import type { DurableErrorCode } from '../core/errors/error-code.js';
import { validateSync, type ValidationError } from 'class-validator';
import { DURABLE_FUNCTIONS_QUERY_PARAMETERS } from './durable-functions-query-parameters.js';
import { HttpApiError, type HttpErrorDetail, type HttpInputLocation } from '../core/errors/http-api-error.js';
import { queryParametersOf } from './query-parameter.js';

/** A DTO class with a no-argument constructor. */
export type DtoClass<T extends object> = new () => T;

// A query key is a plain word (every Durable Functions parameter is): this alone rejects `a[b]`, `a.b`, `$where`,
// `__proto__` and friends before any of them can be looked up, assigned or passed on.
const PLAIN_KEY = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const MAX_QUERY_KEYS = 32;

/**
 * Reads the query string of `req` into a validated `dto`. The raw query string is parsed here (decoded as
 * `URLSearchParams` decodes), never taken from `req.query`: the app's `query parser` setting may turn `?a[b]=c` into
 * objects, and a query parameter must only ever be a string. Durable Functions' parameters that the route does not use
 * (`taskHub`, `connection`, `code` — a key the request guard has judged — and the rest of
 * {@link DURABLE_FUNCTIONS_QUERY_PARAMETERS}) are ignored, as DF ignores them; any other unknown name is refused. A
 * text parameter (`reason`) keeps the `&`-separated pieces an unencoding client split off it (see
 * `QueryParameterSpec.text`).
 * @throws HttpApiError `400 INVALID_QUERY_PARAMETER` naming every offending parameter.
 */
export function parseQuery<T extends object>(dto: DtoClass<T>, req: Request): T {
  const known = queryParametersOf(dto);
  const questionMark = req.originalUrl.indexOf('?');
  const raw = questionMark === -1 ? '' : req.originalUrl.slice(questionMark + 1);
  const values = new Map<string, string[]>();
  const details: HttpErrorDetail[] = [];
  let count = 0;
  // The values list and index of the text parameter the previous piece set, which a stray piece continues.
  let text: { readonly list: string[]; readonly index: number } | undefined;
  for (const piece of raw.split('&')) {
    if (piece === '') continue;
    const [key, value] = decodePiece(piece);
    const lower = key.toLowerCase();
    const spec = PLAIN_KEY.test(key) ? known.get(lower) : undefined;
    const isParameter = spec !== undefined || (PLAIN_KEY.test(key) && DURABLE_FUNCTIONS_QUERY_PARAMETERS.has(lower));
    if (!isParameter && text !== undefined) {
      text.list[text.index] += `&${decodeComponent(piece)}`;
      continue;
    }
    text = undefined;
    if (++count > MAX_QUERY_KEYS) {
      details.push(queryDetail('(query)', `at most ${MAX_QUERY_KEYS} query parameters are accepted`));
      break;
    }
    if (!PLAIN_KEY.test(key)) {
      details.push(queryDetail(key, 'query parameter names are plain words: brackets, dots, "$" and "__proto__" are not accepted'));
      continue;
    }
    if (spec === undefined) {
      // A parameter of Durable Functions' API that this route has no use for (or the key, judged by the request guard).
      if (isParameter) continue;
      const allowed = [...known.values()].map((p) => p.name).join(', ');
      details.push(queryDetail(key, `unknown query parameter; this route accepts: ${allowed === '' ? 'none' : allowed} (and Durable Functions' taskHub, connection and code)`));
      continue;
    }
    const list = values.get(spec.name) ?? [];
    list.push(value);
    values.set(spec.name, list);
    if (spec.text) text = { list, index: list.length - 1 };
  }
  const fields: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [name, list] of values) {
    const spec = known.get(name.toLowerCase());
    if (spec?.list === true) {
      fields[name] = list.flatMap((v) => v.split(',')).map((v) => v.trim());
    } else if (list.length > 1) {
      details.push(queryDetail(name, 'given more than once; it takes a single value'));
    } else {
      fields[name] = list[0] ?? '';
    }
  }
  if (details.length > 0) throw invalid('query', details);
  // A route that takes no parameter of its own (only DF's, ignored) has nothing to validate: class-validator would
  // refuse an object without any validation metadata.
  if (known.size === 0) return new dto();
  return validated(dto, fields, 'query');
}

/**
 * Reads the route's path parameters into a validated `dto` (Express has already percent-decoded them).
 * @throws HttpApiError `400 INVALID_PATH_PARAMETER`.
 */
export function parsePath<T extends object>(dto: DtoClass<T>, req: Request): T {
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  // req.params holds only the names the route declares (a fixed set), so copying them cannot pollute anything.
  for (const [name, value] of Object.entries(req.params as Record<string, unknown>)) {
    if (typeof value === 'string') fields[name] = value;
  }
  return validated(dto, fields, 'path');
}

/**
 * Validates already-extracted string fields (e.g. headers) into `dto`.
 * @throws HttpApiError `400` with a code for `location`.
 */
export function validated<T extends object>(dto: DtoClass<T>, fields: Readonly<Record<string, string | string[] | undefined>>, location: HttpInputLocation): T {
  const instance = Object.assign(new dto(), fields);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    // One message per field: a missing value need not also be reported as malformed.
    stopAtFirstError: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) throw invalid(location, errors.flatMap((error) => detailsOf(error, location, '')));
  return instance;
}

function detailsOf(error: ValidationError, location: HttpInputLocation, prefix: string): HttpErrorDetail[] {
  const field = `${prefix}${error.property}`;
  const own = Object.values(error.constraints ?? {}).map((message) => ({ location, field, message }));
  return [...own, ...(error.children ?? []).flatMap((child) => detailsOf(child, location, `${field}.`))];
}

const CODES: Record<HttpInputLocation, DurableErrorCode> = {
  path: 'INVALID_PATH_PARAMETER',
  query: 'INVALID_QUERY_PARAMETER',
  header: 'INVALID_HEADER',
  body: 'INVALID_BODY',
};

/** A `400` for bad input at `location`. */
export function invalid(location: HttpInputLocation, details: readonly HttpErrorDetail[]): HttpApiError {
  const fields = [...new Set(details.map((d) => d.field))].join(', ');
  return new HttpApiError(400, CODES[location], `Invalid ${location === 'header' ? 'header' : `${location} parameter`} ${fields}: ${details.map((d) => d.message).join('; ')}`, details);
}

/** One `name=value` piece of a query string, decoded as `URLSearchParams` decodes it (`+` is a space). */
function decodePiece(piece: string): [string, string] {
  const equals = piece.indexOf('=');
  return equals === -1 ? [decodeComponent(piece), ''] : [decodeComponent(piece.slice(0, equals)), decodeComponent(piece.slice(equals + 1))];
}

function decodeComponent(text: string): string {
  // URLSearchParams' decoding: lenient with a stray '%' (kept as is), never throws.
  return new URLSearchParams(`v=${text.replaceAll('&', '%26')}`).get('v') ?? '';
}

function queryDetail(field: string, message: string): HttpErrorDetail {
  // The offending key is echoed back (JSON-escaped), but never at length.
  return { location: 'query', field: field.length > 64 ? `${field.slice(0, 64)}…` : field, message };
}
