/**
 * The host names every router answers to whatever its options say: the loopback names a browser can only reach on
 * this machine. No DNS answer can make a browser send `Host: localhost`, so they are safe from DNS rebinding.
 */
export const LOOPBACK_HOSTS: readonly string[] = Object.freeze(['localhost', '127.0.0.1', '[::1]']);

/** A `Host` (or `Origin` authority) split into its parts; the name is lower-cased, without a trailing dot. */
export interface HostAndPort {
  /** A DNS name, an IPv4 address, or an IPv6 address in brackets (`[::1]`). */
  readonly hostname: string;
  readonly port: string | undefined;
}

// A host name, IPv4 or [IPv6] address, with an optional port (the same shape request-base-url.ts accepts).
const HOST = /^((?:[a-z0-9_-]+\.)*[a-z0-9_-]+\.?|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/;
const IPV4_LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** Splits `host[:port]`; `undefined` when it is not a host name or address with an optional port. */
export function parseHost(text: string | undefined): HostAndPort | undefined {
  if (text === undefined || text.length > 300) return undefined;
  const match = HOST.exec(text.toLowerCase());
  if (match === null) return undefined;
  const hostname = (match[1] ?? '').replace(/\.$/, '');
  return hostname === '' ? undefined : { hostname, port: match[2] };
}

/**
 * One entry of an `allowedHosts` option, checked when the router is created: `api.example.com` (any port),
 * `api.example.com:8443` (that port only), `.example.com` (the name and every subdomain), `10.0.0.5`, `[fd00::5]`.
 * @returns why the entry is invalid, or `undefined` when it is fine.
 */
export function allowedHostProblem(entry: unknown): string | undefined {
  if (typeof entry !== 'string') return `${JSON.stringify(entry) ?? String(entry)} is not a string`;
  const name = entry.startsWith('.') ? entry.slice(1) : entry;
  if (entry.includes('://') || entry.includes('/')) return `'${entry}' is a URL; give the host name only, e.g. 'api.example.com'`;
  if (entry.startsWith('*')) return `'${entry}': write a leading dot ('.example.com') for a name and all its subdomains`;
  if (parseHost(name) === undefined) return `'${entry}' is not a host name or address with an optional port`;
  return undefined;
}

/** Decides whether a host is one a router serves: the loopback names plus the configured entries, or any host. */
export class AllowedHosts {
  readonly #any: boolean;
  readonly #entries: readonly { readonly hostname: string; readonly port: string | undefined; readonly subdomains: boolean }[];

  /** @param configured - Entries that passed {@link allowedHostProblem}, or `'any'`. */
  constructor(configured: readonly string[] | 'any') {
    this.#any = configured === 'any';
    const entries = configured === 'any' ? [] : [...LOOPBACK_HOSTS, ...configured];
    this.#entries = entries.map((entry) => {
      const subdomains = entry.startsWith('.');
      const parsed = parseHost(subdomains ? entry.slice(1) : entry) as HostAndPort;
      return { hostname: parsed.hostname, port: parsed.port, subdomains };
    });
  }

  /** Whether `host` (parsed by {@link parseHost}) is served. */
  allows(host: HostAndPort): boolean {
    if (this.#any) return true;
    // Every 127.0.0.0/8 address is this machine.
    if (IPV4_LOOPBACK.test(host.hostname)) return true;
    return this.#entries.some((entry) => {
      if (entry.port !== undefined && entry.port !== host.port) return false;
      return host.hostname === entry.hostname || (entry.subdomains && host.hostname.endsWith(`.${entry.hostname}`));
    });
  }
}
