/**
 * Serves the chat page (`/`), the agent view (`/agent`) and their assets from local/web, plus
 * `/config.json` (how the page should connect) and `/healthz`. A fixed allow-list of files (no path
 * from the URL ever reaches the file system) and a strict Content-Security-Policy: the pages load
 * nothing from other origins.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type http from 'node:http';
import type { ClientProtocol, DeploymentModel } from '../lib/deployment-model';
import { DEFAULTS } from '../lib/schema';

const WEB_DIR = path.join(__dirname, 'web');

/** ES modules the pages import, served as `/assets/<file>`. */
function scripts(files: readonly string[]): Record<string, { file: string; type: string }> {
  return Object.fromEntries(files.map((file) => [`/assets/${file}`, { file, type: 'text/javascript; charset=utf-8' }]));
}

const FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/agent': { file: 'agent.html', type: 'text/html; charset=utf-8' },
  '/assets/chat.css': { file: 'chat.css', type: 'text/css; charset=utf-8' },
  ...scripts([
    // The pages.
    'chat.js',
    'agent.js',
    // The protocol client (no DOM): chat-client.js and what it imports.
    'chat-client.js',
    'chat-connection.js',
    'id-rule.js',
    // Views.
    'conversation-panel.js',
    'message-list.js',
    'identity-form.js',
    'status-line.js',
    'error-text.js',
  ]),
  '/assets/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

/** What the page needs to know to connect (no secrets). */
export interface PageConfig {
  /** `none`: pick any user id (insecure development mode); `jwt`: paste a token. */
  readonly authMode: 'none' | 'jwt';
  /** JWT claim naming the user (display only: recognising one's own messages). */
  readonly userIdClaim: string;
  /** The protocol's constants (subprotocol, error codes, limits, id pattern) from the deployment model. */
  readonly protocol: ClientProtocol;
}

export function createStaticSite(config: PageConfig) {
  // Read once: the files are small, and a missing one fails at start rather than at first request.
  const contents = new Map(
    Object.entries(FILES).map(([route, { file, type }]) => [route, { body: readFileSync(path.join(WEB_DIR, file)), type }]),
  );
  const configBody = Buffer.from(JSON.stringify(config));

  return function handle(request: http.IncomingMessage, response: http.ServerResponse, pathname: string): void {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return send(response, request, 405, 'text/plain; charset=utf-8', Buffer.from('Method Not Allowed\n'), { allow: 'GET, HEAD' });
    }
    if (pathname === '/config.json') return send(response, request, 200, 'application/json', configBody);
    if (pathname === '/healthz') return send(response, request, 200, 'application/json', Buffer.from('{"status":"ok"}'));
    const entry = contents.get(pathname === '/agent/' ? '/agent' : pathname);
    if (!entry) return send(response, request, 404, 'text/plain; charset=utf-8', Buffer.from('Not Found\n'));
    return send(response, request, 200, entry.type, entry.body);
  };
}

export const pageConfig = (model: DeploymentModel, userIdClaim: string = DEFAULTS.userIdClaim): PageConfig => ({
  authMode: model.authMode === 'jwt' ? 'jwt' : 'none',
  userIdClaim,
  protocol: model.client,
});

function send(
  response: http.ServerResponse,
  request: http.IncomingMessage,
  status: number,
  type: string,
  body: Buffer,
  extra: http.OutgoingHttpHeaders = {},
): void {
  const host = typeof request.headers.host === 'string' && /^[A-Za-z0-9.:[\]-]+$/.test(request.headers.host) ? request.headers.host : 'localhost';
  response.writeHead(status, {
    'content-type': type,
    'content-length': String(body.length),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy':
      `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' ws://${host}; ` +
      "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ...extra,
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}
