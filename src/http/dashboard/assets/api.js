// The admin API (docs/http-api.md): `api` sends a request with the tab's credentials as headers and throws `ApiError`
// for an unexpected status.

import { API_BASE, FUNCTION_KEY_KEY, TOKEN_KEY } from './constants.js';

export class ApiError extends Error {
  /** @param {number} status @param {{ error?: string, message?: string } | null} body */
  constructor(status, body) {
    super(body?.message ?? `The admin API answered ${status}.`);
    this.status = status;
    this.code = body?.error ?? `HTTP_${status}`;
  }
}

/**
 * @param {string} method
 * @param {string} path - relative to the API base; path segments already encoded
 * @param {{ query?: Record<string, string | undefined>, body?: string, headers?: Record<string, string>, ok?: number[] }} [init]
 * @returns {Promise<{ status: number, headers: Headers, body: any }>}
 */
export async function api(method, path, init = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(init.query ?? {})) if (value !== undefined && value !== '') query.set(key, value);
  const url = `${API_BASE}${path}${query.size > 0 ? `?${query}` : ''}`;
  const headers = { accept: 'application/json', ...(init.headers ?? {}) };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.authorization = `Bearer ${token}`;
  const key = sessionStorage.getItem(FUNCTION_KEY_KEY);
  if (key) headers['x-functions-key'] = key;
  const response = await fetch(url, { method, headers, body: init.body, credentials: 'same-origin', cache: 'no-store', redirect: 'error' });
  const text = await response.text();
  let body;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  const ok = init.ok ?? [];
  if (!response.ok && !ok.includes(response.status)) throw new ApiError(response.status, body);
  return { status: response.status, headers: response.headers, body };
}
