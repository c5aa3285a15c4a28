// The Durably dashboard: a single page that talks only to the admin HTTP API (docs/http-api.md).
// Every value that comes from the API (instance IDs, names, inputs, outputs, states, error messages) is untrusted: it
// reaches the page only as text nodes (`append(string)`, `textContent`) or attribute values (`setAttribute`), never as
// HTML. The page's Content-Security-Policy forbids inline script, so an injected `<script>` or handler could not run
// anyway.
//
// This module is the entry point: it routes the URL's hash to a view and wires the header. The other modules hold the
// API client (api.js), the DOM and formatting helpers (dom.js, format.js), the notice line, dialogs and credentials
// (notice.js, dialog.js, credentials.js, show-error.js) and the views (instances-view.js, instance-view.js with
// timeline.js, entity-views.js, health-view.js with svg-chart.js).

import { editCredentials, onCredentialsSaved } from './credentials.js';
import { main } from './dom.js';
import { entitiesView, entityView } from './entity-views.js';
import { healthView } from './health-view.js';
import { instancesView } from './instances-view.js';
import { instanceView } from './instance-view.js';

/** The current view's stop function (it clears the view's refresh timer). @type {(() => void) | undefined} */
let stopView;

// ---------------------------------------------------------------------------------------------------------------------
// Hash routing: #/instances, #/instances/<id>, #/entities, #/entities/<name>/<key>, #/health.

/** @param {string} segment */
function decode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function route() {
  stopView?.();
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  const section = parts[0] === 'entities' || parts[0] === 'health' ? parts[0] : 'instances';
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.getAttribute('data-nav') === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (section === 'health') {
    stopView = healthView();
  } else if (section === 'entities' && parts.length >= 3) {
    const key = parts.slice(2).join('/');
    stopView = entityView(decode(parts[1] ?? ''), key === '$' ? '' : decode(key));
  } else if (section === 'entities') {
    stopView = entitiesView();
  } else if (parts.length >= 2 && parts[1] !== '') {
    stopView = instanceView(decode(parts.slice(1).join('/')));
  } else {
    stopView = instancesView();
  }
}

onCredentialsSaved(route);
document.getElementById('token-button')?.addEventListener('click', () => void editCredentials());
window.addEventListener('hashchange', () => {
  void route();
  main.focus({ preventScroll: true });
});
void route();
