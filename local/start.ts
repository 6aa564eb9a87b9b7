/**
 * `npm start`: the chat server on http://localhost:8080 (PORT), data under .chat-data/ (CHAT_DATA_DIR),
 * the demo bot answering (CHAT_DEMO_BOT=off, or CHAT_BOT_HANDLER=path/to/your-bot.ts), development
 * identities unless CHAT_AUTH_JWKS_URL/ISSUER/AUDIENCE are set. Ctrl-C (or SIGTERM) closes every
 * connection (1001), lets `$disconnect` run, flushes the data store and exits 0.
 * All variables: help/local-development.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, optionsFromEnv } from './config';
import { startLocalChat, type LocalAwsConfig } from './local-chat';

/** Profile name of the operator's keys in the credentials file npm start writes. */
const OPERATOR_PROFILE = 'local-chat';

/**
 * Writes the operator's keys (new at every start) as an AWS shared credentials file, readable by you only:
 * in the data directory, or a temporary directory removed at exit. Returns its path and how to remove it.
 */
function writeOperatorCredentials(config: LocalAwsConfig, dataDir: string | undefined): { file: string; remove(): void } {
  const directory = dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'local-chat-'));
  const file = path.join(directory, 'aws-credentials');
  writeFileSync(
    file,
    `[${OPERATOR_PROFILE}]\naws_access_key_id = ${config.credentials.accessKeyId}\naws_secret_access_key = ${config.credentials.secretAccessKey}\n`,
    { mode: 0o600 },
  );
  return { file, remove: () => rmSync(dataDir ? file : directory, { recursive: true, force: true }) };
}

/** Starts the chat server configured by `env` (help/local-development.md), prints how to reach it, stops on SIGINT/SIGTERM. */
export async function serve(env: NodeJS.ProcessEnv): Promise<void> {
  // The runtime stands for nodejs22.x Lambdas; the SDK's note about this machine's Node version is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let options;
  try {
    options = optionsFromEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }

  const chat = await startLocalChat(options);
  const credentials = writeOperatorCredentials(chat.awsConfig, options.dataDir);
  const shown = options.host === '127.0.0.1' || options.host === '0.0.0.0' ? 'localhost' : options.host;
  const base = `http://${shown}:${chat.port}`;
  const lines = [
    '',
    '  Chat server running locally',
    `    Chat page      ${base}/`,
    `    Agent view     ${base}/agent`,
    `    WebSocket API  ws://${shown}:${chat.port}/`,
    `    Data           ${options.dataDir ?? 'in memory (lost at exit)'}`,
    `    Bots           ${options.bot ? options.bot.handlerFile : options.demoBot === false ? 'none' : 'demo bot (CHAT_DEMO_BOT=off to disable)'}`,
    `    Auth           ${options.auth ? `JWT from ${options.auth.issuer}` : 'development mode: ?userId=&threadId= (INSECURE)'}`,
    `    AWS endpoints  ${base} (region ${chat.awsConfig.region}), operator keys: AWS_SHARED_CREDENTIALS_FILE=${credentials.file} AWS_PROFILE=${OPERATOR_PROFILE}`,
    '',
  ];
  if (!options.auth) {
    lines.push(
      '  WARNING: development mode. Anyone who can reach this port can act as any user or agent.',
      '           Do not expose it to a network; set CHAT_AUTH_JWKS_URL, CHAT_AUTH_ISSUER and',
      '           CHAT_AUTH_AUDIENCE to verify tokens exactly like the deployed authorizer.',
      '',
    );
  }
  lines.push('  Press Ctrl-C to stop.', '');
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n  ${signal}: closing connections and flushing data...`);
    chat.close().then(
      () => {
        credentials.remove();
        process.exit(0);
      },
      (error: unknown) => {
        console.error('shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** Exits with what went wrong, in a line (the stack only with CHAT_LOG_LEVEL=debug). */
export function failedToStart(error: unknown): never {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    console.error(`port already in use: set PORT to another port (PORT=8081 npm start)`);
  } else {
    // The message says what is wrong (a missing bot file, a data directory of another schema); the stack only with debug logs.
    const debug = (process.env.CHAT_LOG_LEVEL ?? '').toLowerCase() === 'debug';
    console.error(`failed to start: ${error instanceof Error && !debug ? error.message : String((error as Error)?.stack ?? error)}`);
  }
  process.exit(1);
}

if (require.main === module) serve(process.env).catch(failedToStart);
