// The credentials dialog: a key (x-functions-key) and a bearer token, kept in sessionStorage for this tab only. Once
// they are saved, the current view is shown again (the callback registered with `onCredentialsSaved`).

import { FUNCTION_KEY_KEY, TOKEN_KEY } from './constants.js';
import { ask } from './dialog.js';
import { clearNotice } from './notice.js';

/** @type {() => unknown} */
let onSaved = () => undefined;

/** Registers what runs after the credentials are saved (the router, to show the current view again). @param {() => unknown} callback */
export function onCredentialsSaved(callback) {
  onSaved = callback;
}

export async function editCredentials() {
  const values = await ask({
    title: 'Credentials',
    message: 'Sent with every admin API request, as headers, and kept in this tab only (never in a URL): a key (x-functions-key header, for an API secured with keys) and a bearer token (Authorization header). Leave a field empty to send none: the browser\'s own credentials are always sent.',
    fields: [
      { name: 'key', label: 'Key', kind: 'password', value: sessionStorage.getItem(FUNCTION_KEY_KEY) ?? '' },
      { name: 'token', label: 'Bearer token', kind: 'password', value: sessionStorage.getItem(TOKEN_KEY) ?? '' },
    ],
    confirm: 'Save',
  });
  if (values === null) return;
  for (const [field, storageKey] of [['key', FUNCTION_KEY_KEY], ['token', TOKEN_KEY]]) {
    const value = String(values[field] ?? '').trim();
    if (value === '') sessionStorage.removeItem(storageKey);
    else sessionStorage.setItem(storageKey, value);
  }
  clearNotice();
  void onSaved();
}
