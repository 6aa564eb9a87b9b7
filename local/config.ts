/**
 * Reads `npm start`'s environment into {@link LocalChatOptions}. Pure (takes the env as an argument)
 * so it is tested without starting anything; every variable is documented in help/local-development.md.
 */
import path from 'node:path';
import { DEFAULT_BOT_FILTER_POLICY, ENV } from '../lib/schema';
import { SETTINGS, brokenRule } from '../lib/settings';
import type { LocalChatOptions } from './local-chat';
import { parseLogLevel } from './logger';
import { parseHostEntry, parseOriginEntry } from './request-guard';
import { checkBotFilterPolicy } from '../lib/bot-filter-policy';
import type { SnsFilterPolicy } from '../lib/sns-filter-policy';

export const DEFAULT_PORT = 8080;
export const DEFAULT_DATA_DIR = '.chat-data';
/** `CHAT_DATA_DIR` value that keeps data in memory (lost at exit). */
export const IN_MEMORY_DATA_DIR = ':memory:';

export class ConfigError extends Error {}

export function optionsFromEnv(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): LocalChatOptions {
  const port = integer(env.PORT, 'PORT', DEFAULT_PORT, 0, 65535);
  const dataDirSetting = env.CHAT_DATA_DIR || DEFAULT_DATA_DIR;
  const dataDir = dataDirSetting === IN_MEMORY_DATA_DIR ? undefined : path.resolve(cwd, dataDirSetting);

  const demoBotSetting = (env.CHAT_DEMO_BOT ?? '').toLowerCase();
  if (!['', 'on', 'off', 'true', 'false', '1', '0'].includes(demoBotSetting)) {
    throw new ConfigError(`CHAT_DEMO_BOT must be on or off (got ${env.CHAT_DEMO_BOT})`);
  }
  const botHandler = env.CHAT_BOT_HANDLER;
  const bot = botHandler
    ? { handlerFile: path.resolve(cwd, botHandler), filterPolicy: filterPolicy(env.CHAT_BOT_FILTER_POLICY) }
    : undefined;
  if (!botHandler && env.CHAT_BOT_FILTER_POLICY) {
    throw new ConfigError('CHAT_BOT_FILTER_POLICY applies to CHAT_BOT_HANDLER; set both');
  }
  const demoBot = demoBotSetting === '' ? undefined : ['on', 'true', '1'].includes(demoBotSetting);

  const authVariables = [ENV.jwksUrl, ENV.issuer, ENV.audience] as const;
  const authSet = authVariables.filter((name) => env[name]);
  if (authSet.length > 0 && authSet.length < authVariables.length) {
    throw new ConfigError(`token verification needs ${authVariables.join(', ')} together (missing: ${authVariables.filter((name) => !env[name]).join(', ')})`);
  }
  const auth = env[ENV.jwksUrl]
    ? {
        jwksUrl: env[ENV.jwksUrl] as string,
        issuer: env[ENV.issuer] as string,
        audience: env[ENV.audience] as string,
        userIdClaim: env[ENV.userIdClaim] || undefined,
        rolesClaim: env[ENV.rolesClaim] || undefined,
        agentRole: env[ENV.agentRole] || undefined,
        maxTokenAgeSeconds: settingFromEnv(env, ENV.maxTokenAgeSeconds, 'maxTokenAgeSeconds'),
      }
    : undefined;

  return {
    port,
    host: env.HOST || '127.0.0.1',
    allowedHosts: list(env.CHAT_ALLOWED_HOSTS, 'CHAT_ALLOWED_HOSTS', parseHostEntry, 'a host name, name:port, [IPv6] or [IPv6]:port'),
    allowedOrigins: list(env.CHAT_ALLOWED_ORIGINS, 'CHAT_ALLOWED_ORIGINS', parseOriginEntry, 'an origin (http://name[:port], https://name[:port]) or null'),
    dataDir,
    demoBot,
    bot,
    auth,
    // The construct's rules for the same settings: what npm start accepts, synth accepts.
    rateLimit: {
      messages: settingFromEnv(env, ENV.rateLimitMessages, 'rateLimitMessages'),
      windowSeconds: settingFromEnv(env, ENV.rateLimitWindowSeconds, 'rateLimitWindowSeconds'),
    },
    messageRetentionDays: settingFromEnv(env, ENV.messageRetentionDays, 'messageRetentionDays'),
    logLevel: parseLogLevel(env[ENV.logLevel], 'info'),
  };
}

function filterPolicy(raw: string | undefined): SnsFilterPolicy | null {
  if (raw === undefined || raw === '') return DEFAULT_BOT_FILTER_POLICY;
  if (raw === 'none') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('CHAT_BOT_FILTER_POLICY is not valid JSON');
  }
  try {
    checkBotFilterPolicy(parsed, 'CHAT_BOT_FILTER_POLICY');
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return parsed;
}

/** A numeric setting from its variable, checked by the setting's rules (lib/settings.ts); undefined when unset. */
function settingFromEnv(env: NodeJS.ProcessEnv, variable: string, key: 'rateLimitMessages' | 'rateLimitWindowSeconds' | 'messageRetentionDays' | 'maxTokenAgeSeconds'): number | undefined {
  const raw = env[variable];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  const broken = brokenRule(SETTINGS[key], value);
  if (broken) throw new ConfigError(`${variable} must be ${broken.requirement} (got ${raw})`);
  return value;
}

/** A comma-separated list, each entry checked by `parse`; undefined when unset. */
function list(raw: string | undefined, name: string, parse: (entry: string) => unknown, expected: string): string[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const entries = raw.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const entry of entries) {
    if (parse(entry) === undefined) throw new ConfigError(`${name}: ${JSON.stringify(entry)} is not ${expected}`);
  }
  return entries;
}

function integer(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  return optionalInteger(raw, name, min, max) ?? fallback;
}

function optionalInteger(raw: string | undefined, name: string, min: number, max: number): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got ${raw})`);
  }
  return value;
}
