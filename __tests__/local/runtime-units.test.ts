/**
 * The local runtime's pure pieces: the outbox stream filter (Lambda event filtering), the 32 KB frame
 * guard, `npm start`'s environment parsing, and the bounds help/local-development.md states. SNS filter policies: __tests__/local/sns-filter-policy-local.test.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OUTBOX_FILTER_PATTERN } from '../../lib/schema';
import { matchesEventPattern, UnsupportedFilterError } from '../../local/event-filter';
import { FrameSizeGuard } from '../../local/frame-size-guard';
import { ConfigError, optionsFromEnv } from '../../local/config';
import { CONNECTION_BOUNDS } from '../../local/websocket-gateway';
import { DEFAULT_BOT_FILTER_POLICY } from '../../lib/schema';

const streamRecord = (eventName: string, messageType: string) => ({
  eventName,
  eventSource: 'aws:dynamodb',
  dynamodb: { NewImage: { messageType: { S: messageType }, text: { S: 'hi' } } },
});

describe('outbox stream filter (Lambda event filtering)', () => {
  test('GIVEN the outbox filter WHEN records of each kind arrive THEN only INSERTs of user and agent messages pass', () => {
    expect(matchesEventPattern(OUTBOX_FILTER_PATTERN, streamRecord('INSERT', 'user'))).toBe(true);
    expect(matchesEventPattern(OUTBOX_FILTER_PATTERN, streamRecord('INSERT', 'agent'))).toBe(true);
    expect(matchesEventPattern(OUTBOX_FILTER_PATTERN, streamRecord('INSERT', 'bot'))).toBe(false);
    expect(matchesEventPattern(OUTBOX_FILTER_PATTERN, streamRecord('MODIFY', 'user'))).toBe(false);
    expect(matchesEventPattern(OUTBOX_FILTER_PATTERN, { eventName: 'REMOVE', dynamodb: { Keys: {} } })).toBe(false);
  });

  test('GIVEN value operators WHEN matched against records THEN prefix, anything-but, numeric and exists behave like Lambda filtering', () => {
    const record = { eventName: 'INSERT', dynamodb: { NewImage: { text: { S: 'hello world' }, size: 12, tags: ['a', 'b'] } } };
    expect(matchesEventPattern({ dynamodb: { NewImage: { text: { S: [{ prefix: 'hello' }] } } } }, record)).toBe(true);
    expect(matchesEventPattern({ eventName: [{ 'anything-but': ['REMOVE', 'MODIFY'] }] }, record)).toBe(true);
    expect(matchesEventPattern({ dynamodb: { NewImage: { size: [{ numeric: ['>', 10, '<=', 12] }] } } }, record)).toBe(true);
    expect(matchesEventPattern({ dynamodb: { NewImage: { size: [{ numeric: ['<', 10] }] } } }, record)).toBe(false);
    expect(matchesEventPattern({ dynamodb: { NewImage: { tags: ['b'] } } }, record)).toBe(true);
    expect(matchesEventPattern({ dynamodb: { OldImage: [{ exists: false }] } }, record)).toBe(true);
    expect(matchesEventPattern({ dynamodb: { NewImage: [{ exists: false }] } }, record)).toBe(false);
    expect(() => matchesEventPattern({ $or: [] } as never, record)).toThrow(UnsupportedFilterError);
  });
});

/** A masked client frame header for `payloadLength` bytes (payload not included). */
function frameHeader(payloadLength: number, opcode = 0x1, fin = true): Buffer {
  const first = (fin ? 0x80 : 0) | opcode;
  const mask = Buffer.from([1, 2, 3, 4]);
  if (payloadLength < 126) return Buffer.concat([Buffer.from([first, 0x80 | payloadLength]), mask]);
  if (payloadLength < 65536) {
    const header = Buffer.from([first, 0x80 | 126, 0, 0]);
    header.writeUInt16BE(payloadLength, 2);
    return Buffer.concat([header, mask]);
  }
  const header = Buffer.alloc(10);
  header[0] = first;
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(BigInt(payloadLength), 2);
  return Buffer.concat([header, mask]);
}

describe('32 KB frame guard', () => {
  test('GIVEN frames at and over 32 KB split across chunks at awkward places WHEN fed THEN only the oversized frame is reported', () => {
    const guard = new FrameSizeGuard(32 * 1024);
    const atLimit = Buffer.concat([frameHeader(32 * 1024, 0x1, false), Buffer.alloc(32 * 1024)]);
    const ping = Buffer.concat([frameHeader(4, 0x9), Buffer.alloc(4)]);
    const continuation = Buffer.concat([frameHeader(10, 0x0), Buffer.alloc(10)]);
    const stream = Buffer.concat([atLimit, ping, continuation]);
    for (let offset = 0; offset < stream.length; offset += 7) {
      expect(guard.feed(stream.subarray(offset, offset + 7))).toBe(true);
    }

    const oversized = frameHeader(32 * 1024 + 1);
    expect(guard.feed(oversized.subarray(0, 1))).toBe(true); // header not complete yet
    expect(guard.feed(oversized.subarray(1))).toBe(false);
  });

  test('GIVEN a frame announcing a 64-bit length WHEN fed THEN it is reported before any payload arrives', () => {
    expect(new FrameSizeGuard(32 * 1024).feed(frameHeader(200 * 1024))).toBe(false);
  });
});

describe('npm start environment', () => {
  test('GIVEN an empty environment WHEN parsed THEN port 8080, .chat-data under the working directory, the demo bot, development mode and no overrides', () => {
    const options = optionsFromEnv({}, '/work/project');
    expect(options).toMatchObject({ port: 8080, host: '127.0.0.1', dataDir: path.resolve('/work/project/.chat-data'), auth: undefined, bot: undefined });
    expect(options.demoBot).toBeUndefined();
    expect(options.rateLimit).toEqual({ messages: undefined, windowSeconds: undefined });
  });

  test('GIVEN every variable WHEN parsed THEN each reaches its option', () => {
    const options = optionsFromEnv(
      {
        PORT: '9090',
        HOST: '0.0.0.0',
        CHAT_DATA_DIR: ':memory:',
        CHAT_DEMO_BOT: 'off',
        CHAT_BOT_HANDLER: 'bots/my-bot.ts',
        CHAT_BOT_FILTER_POLICY: '{"messageType":["user","agent"]}',
        CHAT_AUTH_JWKS_URL: 'https://issuer.example/.well-known/jwks.json',
        CHAT_AUTH_ISSUER: 'https://issuer.example/',
        CHAT_AUTH_AUDIENCE: 'chat',
        CHAT_AUTH_ROLES_CLAIM: 'roles',
        CHAT_RATE_LIMIT_MESSAGES: '5',
        CHAT_RATE_LIMIT_WINDOW_SECONDS: '2',
        CHAT_MESSAGE_RETENTION_DAYS: '7',
        CHAT_LOG_LEVEL: 'debug',
      },
      '/work/project',
    );
    expect(options).toMatchObject({
      port: 9090,
      host: '0.0.0.0',
      dataDir: undefined,
      demoBot: false,
      bot: { handlerFile: path.resolve('/work/project/bots/my-bot.ts'), filterPolicy: { messageType: ['user', 'agent'] } },
      auth: { jwksUrl: 'https://issuer.example/.well-known/jwks.json', issuer: 'https://issuer.example/', audience: 'chat', rolesClaim: 'roles' },
      rateLimit: { messages: 5, windowSeconds: 2 },
      messageRetentionDays: 7,
      logLevel: 'debug',
    });
  });

  test('GIVEN a bot handler without a policy, or with "none" WHEN parsed THEN it gets the takeover-aware default policy, or everything', () => {
    expect(optionsFromEnv({ CHAT_BOT_HANDLER: 'bot.ts' }).bot?.filterPolicy).toEqual(DEFAULT_BOT_FILTER_POLICY);
    expect(optionsFromEnv({ CHAT_BOT_HANDLER: 'bot.ts', CHAT_BOT_FILTER_POLICY: 'none' }).bot?.filterPolicy).toBeNull();
  });

  test('GIVEN inconsistent or invalid settings WHEN parsed THEN a ConfigError names the variable', () => {
    expect(() => optionsFromEnv({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => optionsFromEnv({ CHAT_DEMO_BOT: 'maybe' })).toThrow(/CHAT_DEMO_BOT/);
    expect(() => optionsFromEnv({ CHAT_AUTH_JWKS_URL: 'https://x/jwks' })).toThrow(/CHAT_AUTH_ISSUER, CHAT_AUTH_AUDIENCE/);
    expect(() => optionsFromEnv({ CHAT_BOT_FILTER_POLICY: '{}' })).toThrow(/CHAT_BOT_HANDLER/);
    expect(() => optionsFromEnv({ CHAT_BOT_HANDLER: 'b.ts', CHAT_BOT_FILTER_POLICY: '{"a":{"b":["c"]}}' })).toThrow(ConfigError);
    expect(() => optionsFromEnv({ CHAT_RATE_LIMIT_MESSAGES: '0' })).toThrow(/CHAT_RATE_LIMIT_MESSAGES/);
  });
});

describe('help/local-development.md', () => {
  test('fair and bounded: GIVEN the table of per-connection bounds WHEN read THEN its values are CONNECTION_BOUNDS, the gateway\'s', () => {
    const page = readFileSync(path.resolve(__dirname, '../../help/local-development.md'), 'utf8');
    const section = page.slice(page.indexOf('## Fair and bounded'));
    const value = (bound: string): string | undefined => new RegExp(`^\\| ${bound} \\| ([^|]+) \\|`, 'm').exec(section)?.[1].trim();

    expect(value('Frames of one connection running their route at once')).toBe(String(CONNECTION_BOUNDS.maxInFlightPerConnection));
    expect(value("Frames waiting in one connection's queue")).toBe(String(CONNECTION_BOUNDS.maxQueuedFramesPerConnection));
    expect(value('Bytes sent to one connection and not yet read by its client')).toBe(`${CONNECTION_BOUNDS.maxUnsentBytesPerConnection / 1024 / 1024} MiB`);
  });
});
