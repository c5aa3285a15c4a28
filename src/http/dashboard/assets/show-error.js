// Shows a failed API call in the notice line; a 401 offers to enter credentials.

import { ApiError } from './api.js';
import { editCredentials } from './credentials.js';
import { h } from './dom.js';
import { notify } from './notice.js';

/** Shows an API error; a 401 offers to enter credentials. @param {unknown} error */
export function showError(error) {
  if (error instanceof ApiError && error.status === 401) {
    notify(h('span', {}, 'The admin API asks for credentials (401). ', h('button', { type: 'button', class: 'secondary', onclick: () => void editCredentials() }, 'Enter credentials')), 'error');
  } else if (error instanceof ApiError && error.status === 403) {
    notify(`Not allowed (403 ${error.code}): ${error.message}`, 'error');
  } else if (error instanceof ApiError) {
    notify(`${error.code}: ${error.message}`, 'error');
  } else {
    notify(`Cannot reach the admin API: ${error instanceof Error ? error.message : String(error)}`, 'error');
  }
}
