// The dashboard router over a real listening server with the real runtime: its configuration checks, its auth hook,
// the security headers of every response, and the page shell it serves (from the sources, and from dist/ after a build).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Request } from 'express';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DashboardConfigurationError } from '../../src/core/errors/dashboard-configuration-error.js';
import { DurableError } from '../../src/core/durable-error.js';
import type { AdminOperation } from '../../src/http/admin-operation.js';
import { DF_BASE, rawCall, startHttpApp, type HttpTestApp } from '../e2e/support/http-app.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const assetsDir = path.join(packageRoot, 'src/http/dashboard/assets');
/** Every file the page loads (index.html is the page itself, served at the mount path). */
const assetFiles = readdirSync(assetsDir).filter((file) => file !== 'index.html').sort();
/** The page's script modules: app.js and every module it imports. */
const scriptFiles = assetFiles.filter((file) => file.endsWith('.js'));

let target: HttpTestApp;
const asked: AdminOperation[] = [];

beforeAll(async () => {
  target = await startHttpApp({
    mount: (app, durably) => {
      app.use(DF_BASE, durably.adminRouter({ auth: 'none' }));
      app.use('/open', durably.dashboard({ auth: 'none', apiBase: DF_BASE, title: 'Ops <b>"board"</b>' }));
      app.use('/secured', durably.dashboard({
        apiBase: `${DF_BASE}/`,
        authorize: (req: Request, operation) => {
          asked.push(operation);
          const header = req.get('authorization');
          if (header === undefined) return 'unauthenticated';
          if (header === 'Bearer boom') throw new Error('identity provider down');
          return header === 'Bearer viewer' ? 'allow' : 'forbidden';
        },
      }));
    },
  });
});

afterAll(async () => {
  await target.stop();
});

describe('durably.dashboard(options): configuration', () => {
  const cases: [string, unknown][] = [
    ['no options', undefined],
    ['neither authorize nor auth', { apiBase: '/api' }],
    ['both', { apiBase: '/api', auth: 'none', authorize: () => true }],
    ['auth other than none', { apiBase: '/api', auth: 'off' }],
    ['authorize not a function', { apiBase: '/api', authorize: true }],
    ['no apiBase', { auth: 'none' }],
    ['apiBase on another origin', { auth: 'none', apiBase: 'https://evil.example/api' }],
    ['protocol-relative apiBase', { auth: 'none', apiBase: '//evil.example/api' }],
    ['relative apiBase', { auth: 'none', apiBase: 'api' }],
    ['apiBase with a query', { auth: 'none', apiBase: '/api?x=1' }],
    ['an unknown option', { auth: 'none', apiBase: '/api', apibase: '/api' }],
    ['an empty title', { auth: 'none', apiBase: '/api', title: '' }],
  ];
  it.each(cases)('refuses %s at mount time with DASHBOARD_CONFIGURATION', (_label, options) => {
    let thrown: unknown;
    try {
      target.durably.dashboard(options as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DashboardConfigurationError);
    expect(thrown).toBeInstanceOf(DurableError);
    expect((thrown as DashboardConfigurationError).code).toBe('DASHBOARD_CONFIGURATION');
  });
});

describe('durably.dashboard(options): serving', () => {
  it('serves the page with the API base in a meta tag, its title escaped, and no inline script or style', async () => {
    const page = await target.call('GET', '/open/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain(`<meta name="durably-api-base" content="${DF_BASE}">`);
    expect(page.text).toContain('<title>Ops &#60;b&#62;&#34;board&#34;&#60;/b&#62;</title>');
    expect(page.text).not.toContain('<b>');
    // Scripts only by src; no inline event handlers or style blocks.
    expect(page.text).toMatch(/<script type="module" src="app.js"><\/script>/);
    expect(page.text).not.toMatch(/<script>|<script [^>]*>[^<]|\son[a-z]+=|<style/i);
  });

  it('sends a Content-Security-Policy without unsafe-inline or other origins, and other hardening headers', async () => {
    for (const url of ['/open/', ...assetFiles.map((file) => `/open/${file}`)]) {
      const result = await target.call('GET', url);
      expect(result.status).toBe(200);
      const csp = result.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/unsafe|https?:|\*/);
      expect(result.headers.get('x-content-type-options')).toBe('nosniff');
      expect(result.headers.get('x-frame-options')).toBe('DENY');
    }
    // A module script must be served as JavaScript, or the browser refuses to run it.
    for (const file of scriptFiles) expect((await target.call('GET', `/open/${file}`)).headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await target.call('GET', '/open/app.css')).headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('loads nothing from another origin (no CDN): every URL in the assets is relative', async () => {
    for (const url of ['/open/', ...assetFiles.filter((file) => !file.endsWith('.svg')).map((file) => `/open/${file}`)]) {
      const { text } = await target.call('GET', url);
      expect(text).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
      expect(text).not.toMatch(/import\s.*from\s+['"]https?:/);
      expect(text).not.toMatch(/url\((?!["']?data:)/);
    }
  });

  it('serves every module the page script imports, each one a file of the assets', async () => {
    expect(scriptFiles).toContain('app.js');
    const imported = new Set<string>();
    for (const file of scriptFiles) {
      const { status, text } = await target.call('GET', `/open/${file}`);
      expect(status).toBe(200);
      expect(text).toBe(readFileSync(path.join(assetsDir, file), 'utf8'));
      for (const match of text.matchAll(/^import\s[^;]*?from\s+'([^']+)';$/gm)) imported.add(match[1]!);
    }
    // Only relative imports of files beside app.js, and every module but the entry point is imported by another.
    for (const specifier of imported) expect(specifier).toMatch(/^\.\/[a-z-]+\.js$/);
    expect([...imported].map((specifier) => specifier.slice(2)).sort()).toEqual(scriptFiles.filter((file) => file !== 'app.js'));
  });

  it('redirects the mount path without a slash to the page with a relative Location', async () => {
    const result = await rawCall(target.origin, 'GET', '/open?x=1');
    expect(result.status).toBe(302);
    expect(result.headers.get('location')).toBe('./open/');
  });

  it('passes unknown files on to the app', async () => {
    const result = await target.call('GET', '/open/nothing.js');
    expect(result.status).toBe(404);
    expect(result.body).toEqual({ unmatched: true });
  });
});

describe('durably.dashboard(options): authorize', () => {
  it('asks authorize about instances.read for the page and every asset', async () => {
    asked.length = 0;
    expect((await target.call('GET', '/secured/', { headers: { authorization: 'Bearer viewer' } })).status).toBe(200);
    expect((await target.call('GET', '/secured/app.js', { headers: { authorization: 'Bearer viewer' } })).status).toBe(200);
    expect(asked).toEqual(['instances.read', 'instances.read']);
    // The trailing slash of apiBase is dropped.
    expect((await target.call('GET', '/secured/', { headers: { authorization: 'Bearer viewer' } })).text).toContain(`content="${DF_BASE}"`);
  });

  it('answers 401 with a challenge without credentials, 403 when refused, and a logged 500 when the hook throws', async () => {
    const anonymous = await target.call('GET', '/secured/');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="durably"');
    expect(anonymous.body.error).toBe('UNAUTHENTICATED');
    expect(anonymous.text).not.toContain('durably-api-base');

    const asset = await target.call('GET', '/secured/app.js');
    expect(asset.status).toBe(401);

    const refused = await target.call('GET', '/secured/', { headers: { authorization: 'Bearer someone' } });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('FORBIDDEN');

    const before = target.errors.length;
    const failed = await target.call('GET', '/secured/', { headers: { authorization: 'Bearer boom' } });
    expect(failed.status).toBe(500);
    expect(failed.body.error).toBe('INTERNAL_ERROR');
    expect(failed.text).not.toContain('identity provider down');
    expect(target.errors.length).toBe(before + 1);
  });
});

describe('the built package', () => {
  it('ships the assets next to the compiled router (npm run build copies them)', () => {
    const built = path.join(packageRoot, 'dist/src/http/dashboard');
    if (!existsSync(path.join(built, 'create-dashboard-router.js'))) return; // no build in this run
    for (const file of ['index.html', ...assetFiles]) {
      expect(readFileSync(path.join(built, 'assets', file), 'utf8')).toBe(readFileSync(path.join(assetsDir, file), 'utf8'));
    }
  });
});
