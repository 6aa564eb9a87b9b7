#!/usr/bin/env node
/**
 * `cdktf-chat-server`, the package's command: `npx cdktf-chat-server start --bot ./my-bot.ts` runs the local
 * chat server (the same one as this repository's `npm start`) with your own bot handler, so a bot is developed
 * in its own repository against the same contract. Every option is one of npm start's environment variables
 * (help/local-development.md); an option given wins over the variable.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_NAME, PACKAGE_ROOT } from '../lib/package-root';

/** The options, each the environment variable it sets. */
const OPTIONS: Readonly<Record<string, { readonly variable: string; readonly value: string; readonly help: string }>> = {
  '--bot': { variable: 'CHAT_BOT_HANDLER', value: '<file>', help: "your bot's Lambda handler file (JavaScript, or TypeScript with tsx installed), exporting `handler`" },
  '--filter-policy': { variable: 'CHAT_BOT_FILTER_POLICY', value: '<json|none>', help: "the bot's SNS subscription filter policy (default: user messages not under human takeover)" },
  '--demo-bot': { variable: 'CHAT_DEMO_BOT', value: '<on|off>', help: 'run the demo bot too (default: on without --bot)' },
  '--port': { variable: 'PORT', value: '<n>', help: 'port of the pages, the WebSocket API and the AWS endpoints (default 8080; 0: a free one)' },
  '--host': { variable: 'HOST', value: '<address>', help: 'interface to listen on (default 127.0.0.1)' },
  '--allowed-hosts': { variable: 'CHAT_ALLOWED_HOSTS', value: '<name[:port],...>', help: 'more Host names the server answers to (default: localhost, 127.0.0.1, [::1])' },
  '--allowed-origins': { variable: 'CHAT_ALLOWED_ORIGINS', value: '<origin,...>', help: "more origins WebSocket connections may come from (default: the server's own pages)" },
  '--data-dir': { variable: 'CHAT_DATA_DIR', value: '<dir|:memory:>', help: 'where the tables are kept (default .chat-data)' },
  '--log-level': { variable: 'CHAT_LOG_LEVEL', value: '<debug|info|warn|error>', help: 'log level (default info)' },
};

function usage(): string {
  const width = Math.max(...Object.entries(OPTIONS).map(([flag, option]) => `${flag} ${option.value}`.length));
  return [
    'Usage: cdktf-chat-server start [options]',
    '',
    'Runs the chat server locally: the real Lambda handlers, DynamoDB (dynalite), the bot topic, a chat page and an agent view.',
    '',
    'Options (each also an environment variable):',
    ...Object.entries(OPTIONS).map(([flag, option]) => `  ${`${flag} ${option.value}`.padEnd(width)}  ${option.help} (${option.variable})`),
    '',
    'Token verification: set CHAT_AUTH_JWKS_URL, CHAT_AUTH_ISSUER and CHAT_AUTH_AUDIENCE.',
    '',
  ].join('\n');
}

/** The environment npm start would read for these arguments. */
export function environmentFor(args: readonly string[], env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = { ...env };
  for (let index = 0; index < args.length; index++) {
    const [flag, inline] = args[index].split(/=(.*)/s);
    const option = OPTIONS[flag];
    if (!option) throw new UsageError(`unknown option ${flag}`);
    const value = inline ?? args[++index];
    if (value === undefined) throw new UsageError(`${flag} needs a value ${option.value}`);
    result[option.variable] = value;
  }
  return result;
}

class UsageError extends Error {}

/**
 * The local runtime's own packages (DynamoDB, WebSockets) that are not installed: they are the package's optional
 * dependencies, which npm installs unless told not to (`--omit=optional`), as `name@version`.
 */
function missingRuntimePackages(): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { optionalDependencies?: Record<string, string> };
  return Object.entries(manifest.optionalDependencies ?? {})
    .filter(([name]) => {
      try {
        require.resolve(name);
        return false;
      } catch {
        return true;
      }
    })
    .map(([name, version]) => `${name}@${version}`);
}

function main(argv: readonly string[]): void {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage());
    return;
  }
  if (command !== 'start') {
    process.stderr.write(`unknown command ${command}\n\n${usage()}`);
    process.exit(2);
  }
  let env: NodeJS.ProcessEnv;
  try {
    env = environmentFor(args, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${usage()}`);
    process.exit(2);
  }
  const missing = missingRuntimePackages();
  if (missing.length > 0) {
    process.stderr.write(
      `the local chat server needs ${missing.join(' and ')}, optional dependencies of ${PACKAGE_NAME} that were not installed (npm --omit=optional?): npm install --save-dev ${missing.join(' ')}\n`,
    );
    process.exit(2);
  }
  // Loaded only now: the runtime requires those packages as it loads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { failedToStart, serve } = require('./start') as typeof import('./start');
  serve(env).catch(failedToStart);
}

if (require.main === module) main(process.argv.slice(2));
