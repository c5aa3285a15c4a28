import { readFileSync } from 'node:fs';

/** One file the dashboard serves. */
export interface DashboardAsset {
  readonly contentType: string;
  readonly body: string;
}

// The assets ship next to the compiled code: src/http/dashboard/assets when run from the sources (tests), and
// dist/src/http/dashboard/assets after `npm run build` (its copy step), so this URL works from both.
const ASSETS = new URL('./assets/', import.meta.url);

const FILES: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
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
