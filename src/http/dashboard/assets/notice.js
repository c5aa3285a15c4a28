// The notice line under the header: one info or error message at a time.

export const notice = /** @type {HTMLElement} */ (document.getElementById('notice'));

/** @param {string | Node} message @param {'info' | 'error'} [kind] */
export function notify(message, kind = 'info') {
  notice.className = kind;
  notice.replaceChildren(message);
}

export function clearNotice() {
  notice.className = '';
  notice.replaceChildren();
}
