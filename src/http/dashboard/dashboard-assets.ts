import { readFileSync } from 'node:fs';

/** One file the dashboard serves. */
export interface DashboardAsset {
  readonly contentType: string;
  readonly body: string;
}

// The assets ship next to the compiled code: src/http/dashboard/assets when run from the sources (tests), and
// dist/src/http/dashboard/assets after `npm run build` (its copy step), so this URL works from both.
const ASSETS = new URL('./assets/', import.meta.url);

// The page's script is app.js, an ES module that imports the other modules by relative URL: each one must be listed here.
const JAVASCRIPT = 'text/javascript; charset=utf-8';
const MODULES = ['app.js', 'api.js', 'constants.js', 'credentials.js', 'dialog.js', 'dom.js', 'entity-views.js', 'format.js', 'health-view.js', 'instance-view.js', 'instances-view.js', 'notice.js', 'show-error.js', 'svg-chart.js', 'timeline.js'];

const FILES: Readonly<Record<string, string>> = {
  ...Object.fromEntries(MODULES.map((name) => [name, JAVASCRIPT])),
  'app.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/** Reads the page template and the static assets once, when a dashboard router is created. */
export function loadDashboardAssets(): { readonly template: string; readonly files: ReadonlyMap<string, DashboardAsset> } {
  const read = (name: string): string => readFileSync(new URL(name, ASSETS), 'utf8');
  const files = new Map<string, DashboardAsset>();
  for (const [name, contentType] of Object.entries(FILES)) files.set(name, { contentType, body: read(name) });
  return { template: read('index.html'), files };
}

/** Escapes text for an HTML text node or a double-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
