/**
 * A WebSocket test client (the `ws` package) for the local runtime: keeps every frame it receives,
 * waits for the next frame matching a predicate (no sleeps: the jest timeout is the only clock), and
 * reports how a refused upgrade was answered.
 */
import WebSocket from 'ws';

export type Frame = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface ChatClient {
  readonly socket: WebSocket;
  /** Every parsed frame received so far, in order. */
  readonly frames: Frame[];
  /** Frames that were not JSON. */
  readonly rawFrames: string[];
  /** The subprotocol the server selected ('' when none). */
  readonly protocol: string;
  send(frame: unknown): void;
  sendRaw(data: string | Buffer): void;
  /** Resolves with the first frame (received before or after this call) matching `predicate` and not yet taken. */
  next(predicate?: (frame: Frame) => boolean): Promise<Frame>;
  /** Sends a frame and resolves with the reply `predicate` picks (default: the next message.sent/error/history... frame). */
  request(frame: unknown, predicate: (frame: Frame) => boolean): Promise<Frame>;
  /** Resolves with the close code and reason once the connection is closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  close(code?: number): Promise<{ code: number; reason: string }>;
}

export function connectClient(url: string, protocols?: string | string[]): Promise<ChatClient> {
  return new Promise((resolve, reject) => {
    const socket = protocols === undefined ? new WebSocket(url) : new WebSocket(url, protocols);
    const frames: Frame[] = [];
    const rawFrames: string[] = [];
    const taken = new Set<Frame>();
    const waiters: { predicate: (frame: Frame) => boolean; resolve: (frame: Frame) => void }[] = [];
    let resolveClosed!: (value: { code: number; reason: string }) => void;
    const closed = new Promise<{ code: number; reason: string }>((done) => (resolveClosed = done));

    socket.on('message', (data: Buffer) => {
      let frame: Frame;
      try {
        frame = JSON.parse(data.toString('utf8')) as Frame;
      } catch {
        rawFrames.push(data.toString('utf8'));
        return;
      }
      frames.push(frame);
      const index = waiters.findIndex((waiter) => waiter.predicate(frame));
      if (index >= 0) {
        taken.add(frame);
        const [waiter] = waiters.splice(index, 1);
        waiter.resolve(frame);
      }
    });
    socket.on('close', (code: number, reason: Buffer) => resolveClosed({ code, reason: reason.toString('utf8') }));
    socket.on('unexpected-response', (_request, response) => {
      reject(new RefusedError(response.statusCode ?? 0, response.headers));
      response.resume();
    });
    socket.on('error', (error) => reject(error));
    socket.on('open', () => {
      const next = (predicate: (frame: Frame) => boolean = () => true): Promise<Frame> => {
        const earlier = frames.find((frame) => !taken.has(frame) && predicate(frame));
        if (earlier) {
          taken.add(earlier);
          return Promise.resolve(earlier);
        }
        return new Promise((done) => waiters.push({ predicate, resolve: done }));
      };
      resolve({
        socket,
        frames,
        rawFrames,
        protocol: socket.protocol,
        send: (frame) => socket.send(JSON.stringify(frame)),
        sendRaw: (data) => socket.send(data),
        next,
        request: (frame, predicate) => {
          const reply = next(predicate);
          socket.send(JSON.stringify(frame));
          return reply;
        },
        closed,
        close: (code = 1000) => {
          if (socket.readyState === WebSocket.OPEN) socket.close(code);
          return closed;
        },
      });
    });
  });
}

/** The upgrade was answered with an HTTP status instead of 101. */
export class RefusedError extends Error {
  constructor(
    readonly statusCode: number,
    readonly headers: Record<string, string | string[] | undefined>,
  ) {
    super(`upgrade refused with HTTP ${statusCode}`);
  }
}

/** The HTTP status a refused upgrade got (throws if the connection was accepted). */
export async function refusalStatus(url: string, protocols?: string | string[]): Promise<number> {
  try {
    const client = await connectClient(url, protocols);
    await client.close();
  } catch (error) {
    if (error instanceof RefusedError) return error.statusCode;
    throw error;
  }
  throw new Error(`expected ${url} to be refused, but it connected`);
}

/** `ws://host/?userId=..&threadId=..&role=..` for the development identity mode. */
export function devUrl(wsUrl: string, query: Record<string, string | undefined>): string {
  const url = new URL(wsUrl);
  for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, value);
  return url.href;
}

export const isType = (type: string) => (frame: Frame): boolean => frame.type === type;

/** A `message` frame of this type whose text contains `text`. */
export const isMessage = (messageType: string, text?: string) => (frame: Frame): boolean =>
  frame.type === 'message' && frame.message?.messageType === messageType && (text === undefined || String(frame.message.text).includes(text));
