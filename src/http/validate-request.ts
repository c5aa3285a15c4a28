import type { Request } from 'express';
import type { DurableErrorCode } from '../core/errors/error-code.js';
import { validateSync, type ValidationError } from 'class-validator';
import { FUNCTION_KEY_PARAMETER } from './function-keys.js';
import { HttpApiError, type HttpErrorDetail, type HttpInputLocation } from '../core/errors/http-api-error.js';
import { queryParametersOf } from './query-parameter.js';

/** A DTO class with a no-argument constructor. */
export type DtoClass<T extends object> = new () => T;

// A query key is a plain word (every Durable Functions parameter is): this alone rejects `a[b]`, `a.b`, `$where`,
// `__proto__` and friends before any of them can be looked up, assigned or passed on.
const PLAIN_KEY = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const MAX_QUERY_KEYS = 32;

/**
 * Reads the query string of `req` into a validated `dto`. The raw query string is parsed here (with
 * `URLSearchParams`), never taken from `req.query`: the app's `query parser` setting may turn `?a[b]=c` into objects,
 * and a query parameter must only ever be a string. Durable Functions' `code` (a key) is accepted on every route and
 * left to the request guard.
 * @throws HttpApiError `400 INVALID_QUERY_PARAMETER` naming every offending parameter.
 */
export function parseQuery<T extends object>(dto: DtoClass<T>, req: Request): T {
  const known = queryParametersOf(dto);
  const questionMark = req.originalUrl.indexOf('?');
  const raw = questionMark === -1 ? '' : req.originalUrl.slice(questionMark + 1);
  const values = new Map<string, string[]>();
  const details: HttpErrorDetail[] = [];
  let count = 0;
  for (const [key, value] of new URLSearchParams(raw)) {
    if (++count > MAX_QUERY_KEYS) {
      details.push(queryDetail('(query)', `at most ${MAX_QUERY_KEYS} query parameters are accepted`));
      break;
    }
    if (!PLAIN_KEY.test(key)) {
      details.push(queryDetail(key, 'query parameter names are plain words: brackets, dots, "$" and "__proto__" are not accepted'));
      continue;
    }
    // Durable Functions' key parameter, on every route: the request guard has already judged it (or the router takes no keys).
    if (key.toLowerCase() === FUNCTION_KEY_PARAMETER) continue;
    const spec = known.get(key.toLowerCase());
    if (spec === undefined) {
      const allowed = [...known.values()].map((p) => p.name).join(', ');
      details.push(queryDetail(key, `unknown query parameter; this route accepts: ${allowed === '' ? 'none' : allowed}`));
      continue;
    }
    const list = values.get(spec.name) ?? [];
    list.push(value);
    values.set(spec.name, list);
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

function queryDetail(field: string, message: string): HttpErrorDetail {
  // The offending key is echoed back (JSON-escaped), but never at length.
  return { location: 'query', field: field.length > 64 ? `${field.slice(0, 64)}…` : field, message };
}
