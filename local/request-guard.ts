/**
 * Who the local runtime's port answers: every HTTP request and WebSocket upgrade (pages, `/config.json`,
 * the WebSocket API, the AWS-style endpoints) must name the runtime itself in `Host`, and a WebSocket
 * upgrade must come from no `Origin` (a client that is not a browser) or from an origin allowed here.
 *
 * Why: a web page on another site, open in the developer's browser, can make its own name resolve to
 * 127.0.0.1 (DNS rebinding) and then talk to this port as if it were loopback; its requests still carry
 * its own name as `Host`. And any page may open a WebSocket to ws://localhost:PORT (browsers apply no
 * same-origin rule to WebSockets); its upgrade carries its `Origin`.
 *
 * Allowed hosts: `localhost`, `127.0.0.1` and `[::1]` with the runtime's port; the interface it listens
 * on when that is one address or name (HOST=192.168.1.20), with its port; and the names configured
 * (CHAT_ALLOWED_HOSTS): `name` on any port, `name:port` on that port only. Allowed origins: `http://` or
 * `https://` followed by an allowed host, and the origins configured (CHAT_ALLOWED_ORIGINS), `null`
 * included if you list it.
 */
import type http from 'node:http';

/** The runtime's own names: loopback, on its own port. */
export const LOOPBACK_HOST_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** Listen addresses that name no interface in particular: they add no allowed host. */
const WILDCARD_LISTEN_HOSTS = new Set(['', '0.0.0.0', '::', '[::]']);

/** `name`, `name:port`, `[v6]` or `[v6]:port`: a hostname of letters, digits, dots and dashes, or a bracketed IPv6 address. */
const HOST_ENTRY = /^(?<name>[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::(?<port>\d{1,5}))?$/i;

/** An allowed host: a name, on one port or (port undefined) any. */
export interface HostPattern {
  readonly name: string;
  readonly port?: number;
}

export interface RequestGuardOptions {
  /** The port the runtime listens on. */
  readonly port: number;
  /** The interface it listens on (HOST). */
  readonly listenHost: string;
  /** More host names clients may use (CHAT_ALLOWED_HOSTS): `name` (any port) or `name:port`. */
  readonly allowedHosts?: readonly string[];
  /** More origins WebSocket upgrades may come from (CHAT_ALLOWED_ORIGINS): `http(s)://name[:port]` or `null`. */
  readonly allowedOrigins?: readonly string[];
}

/** Why a request is refused: the status and the text the client gets. */
export interface Refusal {
  readonly statusCode: 421 | 403;
  readonly reason: 'host' | 'origin';
  readonly message: string;
}

/** Parses an allowed-host entry; undefined when it is not `name`, `name:port`, `[v6]` or `[v6]:port`. */
export function parseHostEntry(entry: string): HostPattern | undefined {
  const match = HOST_ENTRY.exec(entry.trim());
  if (!match?.groups) return undefined;
  const port = match.groups.port === undefined ? undefined : Number(match.groups.port);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  return { name: match.groups.name.toLowerCase(), port };
}

/** Normalizes an allowed-origin entry (`http://Name:80` → `http://name`); undefined when it is not an origin or `null`. */
export function parseOriginEntry(entry: string): string | undefined {
  const trimmed = entry.trim();
  if (trimmed === 'null') return 'null';
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  // An origin is scheme, host and port: nothing after it but an optional slash.
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return undefined;
  if (!/^https?:\/\/[^/]+\/?$/i.test(trimmed)) return undefined;
  return url.origin;
}

export class RequestGuard {
  private readonly ownHosts: readonly HostPattern[];
  private readonly configuredHosts: readonly HostPattern[];
  private readonly configuredOrigins: ReadonlySet<string>;

  constructor(private readonly options: RequestGuardOptions) {
    const own = [...LOOPBACK_HOST_NAMES];
    const listenHost = options.listenHost.trim().toLowerCase();
    if (!WILDCARD_LISTEN_HOSTS.has(listenHost)) own.push(listenHost.includes(':') && !listenHost.startsWith('[') ? `[${listenHost}]` : listenHost);
    this.ownHosts = own.map((name) => ({ name, port: options.port }));
    this.configuredHosts = (options.allowedHosts ?? []).map((entry) => {
      const pattern = parseHostEntry(entry);
      if (!pattern) throw new Error(`allowedHosts: ${JSON.stringify(entry)} is not a host name, name:port, [IPv6] or [IPv6]:port`);
      return pattern;
    });
    this.configuredOrigins = new Set(
      (options.allowedOrigins ?? []).map((entry) => {
        const origin = parseOriginEntry(entry);
        if (!origin) throw new Error(`allowedOrigins: ${JSON.stringify(entry)} is not an origin (http://name[:port], https://name[:port]) or null`);
        return origin;
      }),
    );
  }

  /** True when `host` (a `Host` header: `name` or `name:port`, port 80 when absent) names this runtime. */
  hostAllowed(host: string | undefined, defaultPort = 80): boolean {
    if (host === undefined) return false;
    const parsed = parseHostEntry(host);
    if (!parsed) return false;
    const port = parsed.port ?? defaultPort;
    return [...this.ownHosts, ...this.configuredHosts].some(
      (pattern) => pattern.name === parsed.name && (pattern.port === undefined || pattern.port === port),
    );
  }

  /** True for no `Origin` (not a browser), the runtime's own origins and the configured ones. */
  originAllowed(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    const normalized = parseOriginEntry(origin);
    if (normalized === undefined) return false;
    if (this.configuredOrigins.has(normalized)) return true;
    if (normalized === 'null') return false;
    const url = new URL(normalized);
    return this.hostAllowed(url.host, url.protocol === 'https:' ? 443 : 80);
  }

  /** The refusal of a request or upgrade (Host first, then, for upgrades, Origin); undefined when it may go on. */
  check(request: http.IncomingMessage, upgrade: boolean): Refusal | undefined {
    const host = typeof request.headers.host === 'string' ? request.headers.host : undefined;
    if (!this.hostAllowed(host)) {
      return {
        statusCode: 421,
        reason: 'host',
        message:
          `This local chat server answers to ${LOOPBACK_HOST_NAMES.map((name) => `${name}:${this.options.port}`).join(', ')} ` +
          'and the names in CHAT_ALLOWED_HOSTS (--allowed-hosts) only: other Host names are refused so that a web page ' +
          'cannot reach it through DNS rebinding. Add the name you use to CHAT_ALLOWED_HOSTS.',
      };
    }
    if (upgrade && !this.originAllowed(request.headers.origin)) {
      return {
        statusCode: 403,
        reason: 'origin',
        message:
          'WebSocket connections from pages of another origin are refused (a page on another site could otherwise act ' +
          'in your name). Add the page\'s origin to CHAT_ALLOWED_ORIGINS (--allowed-origins).',
      };
    }
    return undefined;
  }
}
