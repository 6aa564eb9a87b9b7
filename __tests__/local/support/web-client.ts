/**
 * The pages' protocol client (local/web/chat-client.js, a browser ES module without DOM access) in
 * Node, with `ws` as its WebSocket, for tests. Jest runs the tests as CommonJS (ts-jest), where Node's
 * import() of an ES module needs --experimental-vm-modules: the module is bundled to CommonJS with
 * esbuild (a dependency already) and evaluated once per test file. Also: a WebSocket that taps what the
 * client says and hears, and a bounded wait for a client's next event.
 */
import path from 'node:path';
import { buildSync } from 'esbuild';
import WebSocket from 'ws';
import type { ClientProtocol } from '../../../lib/deployment-model';
import type { Frame } from './ws-client';

const CHAT_CLIENT = path.resolve(__dirname, '../../../local/web/chat-client.js');

/** /config.json (local/static-site.ts PageConfig). */
export interface PageConfig {
  readonly authMode: 'none' | 'jwt';
  readonly userIdClaim: string;
  readonly protocol: ClientProtocol;
}

export interface PendingMessage {
  readonly clientMessageId: string;
  readonly text: string;
  readonly state: 'sending' | 'lost' | 'failed';
  readonly error?: { readonly code: string; readonly message: string };
  readonly retryable: boolean;
}

export type SendResult = { sent: true; pending: PendingMessage } | { sent: false; problem: 'empty' | 'too-long' | 'not-connected'; limit?: number };

/** The parts of chat-client.js's ChatClient the tests use (see its comment for the events). */
export interface ChatClient extends EventTarget {
  readonly userId: string | undefined;
  open(): ChatClient;
  close(reason?: string): void;
  isOwn(message: Frame): boolean;
  sendMessage(text: string): SendResult;
  pendingMessages(): PendingMessage[];
  typed(): void;
}

export interface ChatClientOptions {
  readonly config: PageConfig;
  /** The URL the server is reached at (the runtime's `url`). */
  readonly pageUrl: string;
  readonly WebSocket: unknown;
  readonly userId?: string;
  readonly role?: 'user' | 'agent';
  readonly threadId?: string;
  readonly token?: string;
}

export interface ChatClientModule {
  readonly ChatClient: new (options: ChatClientOptions) => ChatClient;
  readonly RESENT_ANSWER_WAIT_MS: number;
  loadConfig(origin: string): Promise<PageConfig>;
  connectionTarget(options: {
    protocol: ClientProtocol;
    pageUrl: string;
    userId?: string;
    role?: string;
    threadId?: string;
    token?: string;
  }): { url: string; protocols: string[] };
  idRule(source: string): { source: string; test(value: unknown): boolean; description: string; htmlPattern: string | undefined };
}

let loaded: ChatClientModule | undefined;

/** local/web/chat-client.js and what it imports, as one CommonJS module. */
export function loadChatClientModule(): ChatClientModule {
  if (loaded) return loaded;
  const bundle = buildSync({ entryPoints: [CHAT_CLIENT], bundle: true, format: 'cjs', platform: 'neutral', write: false, logLevel: 'warning' });
  const module = { exports: {} as ChatClientModule };
  new Function('module', 'exports', bundle.outputFiles[0].text)(module, module.exports);
  loaded = module.exports;
  return loaded;
}

/** A ChatClient connected in Node (`ws`) to `pageUrl`, open once this resolves; closed by the caller. */
export async function openChatClient(options: Omit<ChatClientOptions, 'WebSocket'> & { WebSocket?: unknown }): Promise<ChatClient> {
  const { ChatClient } = loadChatClientModule();
  const client = new ChatClient({ WebSocket, ...options });
  const opened = nextEvent(client, 'open');
  client.open();
  await opened;
  return client;
}

/** Resolves with the `detail` of `target`'s next `type` event that `matches`; rejects after `timeoutMs`. */
export function nextEvent<T = Frame>(target: EventTarget, type: string, matches: (detail: T) => boolean = () => true, timeoutMs = 10000): Promise<T> {
  return new Promise((resolve, reject) => {
    const listener = (event: Event): void => {
      const { detail } = event as CustomEvent<T>;
      if (!matches(detail)) return;
      done();
      resolve(detail);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no "${type}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      target.removeEventListener(type, listener);
    };
    target.addEventListener(type, listener);
  });
}

/** Sends `text` and resolves once the message has reached `state` (`confirmed`: stored, with the stored copy). */
export async function sendUntil(
  client: ChatClient,
  text: string,
  state: PendingMessage['state'] | 'confirmed',
): Promise<{ pending: PendingMessage; message?: Frame }> {
  let clientMessageId: string | undefined;
  const reached =
    state === 'confirmed'
      ? nextEvent<{ clientMessageId: string; message: Frame }>(client, 'confirmed', (detail) => detail.clientMessageId === clientMessageId)
      : nextEvent<{ pending: PendingMessage }>(client, 'pending', ({ pending }) => pending.clientMessageId === clientMessageId && pending.state === state);
  const result = client.sendMessage(text);
  if (!result.sent) throw new Error(`not sent: ${result.problem}`);
  clientMessageId = result.pending.clientMessageId;
  const detail = await reached;
  return 'pending' in detail ? { pending: detail.pending } : { pending: result.pending, message: detail.message };
}

type Fate = 'cut' | { readonly replaceWith: Frame };

/**
 * A WebSocket constructor (`ws`) for ChatClient that records every frame the client sends, with the
 * number of its connection (1, 2, … as the client reconnects), and, once per rule, does not deliver a
 * server frame: it cuts the connection instead, as a network that drops would (code 1006), or delivers
 * another frame in its place (an API Gateway error answer).
 */
export class SocketTap {
  readonly sent: { connection: number; frame: Frame }[] = [];
  private readonly rules: { matches: (frame: Frame) => boolean; fate: Fate }[] = [];
  private connections = 0;

  /** What the ChatClient is given as its `WebSocket`. */
  readonly WebSocket: unknown;

  constructor() {
    const tap = this;
    this.WebSocket = function TappedWebSocket(url: string, protocols?: string[]): WebSocket {
      const connection = ++tap.connections;
      const socket = new WebSocket(url, protocols);
      const send = socket.send.bind(socket);
      socket.send = ((data: string) => {
        tap.sent.push({ connection, frame: JSON.parse(data) as Frame });
        send(data);
      }) as WebSocket['send'];
      const addEventListener = socket.addEventListener.bind(socket) as (type: string, listener: (event: { data: unknown }) => void) => void;
      (socket as unknown as { addEventListener: typeof addEventListener }).addEventListener = (type, listener) => {
        if (type !== 'message') return addEventListener(type, listener);
        return addEventListener('message', (event) => {
          const frame = JSON.parse(String(event.data)) as Frame;
          const rule = tap.rules.find((candidate) => candidate.matches(frame));
          if (!rule) return listener(event);
          tap.rules.splice(tap.rules.indexOf(rule), 1);
          if (rule.fate === 'cut') socket.terminate();
          else listener({ data: JSON.stringify(rule.fate.replaceWith) });
        });
      };
      return socket;
    };
  }

  once(matches: (frame: Frame) => boolean, fate: Fate): void {
    this.rules.push({ matches, fate });
  }

  /** The frames sent with this action, in order. */
  sentWith(action: string): { connection: number; frame: Frame }[] {
    return this.sent.filter(({ frame }) => frame.action === action);
  }
}
