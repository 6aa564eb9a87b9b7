/**
 * Synthesizes ChatServer / ChatInfraStack for the construct tests and reads the result as JSON.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Testing } from 'cdktf';
import { ChatServer } from '../../../lib/chat-server';
import type { ChatServerProps } from '../../../lib/chat-server-props';
import { ChatInfraStack, type ChatInfraStackProps } from '../../../lib/chat-infra-stack';
import { writeCheckovBaselines } from '../../../lib/checkov';

export type Json = Record<string, any>;

export const REPO_ROOT = path.resolve(__dirname, '../../..');

/** An issuer the tests configure (nothing is fetched at synth). */
export const TEST_JWT_AUTH = {
  jwksUrl: 'https://issuer.example.com/.well-known/jwks.json',
  issuer: 'https://issuer.example.com/',
  audience: 'chat-clients',
} as const;

export function baseProps(overrides: Partial<ChatServerProps> = {}): ChatServerProps {
  return { name: 'chat', auth: TEST_JWT_AUTH, ...overrides };
}

/** Testing.synthScope of one ChatServer (id `chat`): the stack JSON (metadata `//` removed by cdktf). */
export function synthChatServer(props: ChatServerProps, extra?: (chat: ChatServer) => void): Json {
  return JSON.parse(
    Testing.synthScope((scope) => {
      const chat = new ChatServer(scope, 'chat', props);
      extra?.(chat);
    }),
  ) as Json;
}

/** Synthesizes with Testing.synthScope and returns the raw string (for cdktf's matchers). */
export function synthChatServerString(props: ChatServerProps, extra?: (chat: ChatServer) => void): string {
  return Testing.synthScope((scope) => {
    const chat = new ChatServer(scope, 'chat', props);
    extra?.(chat);
  });
}

export interface FullSynth {
  readonly outdir: string;
  readonly stackDir: string;
  readonly json: Json;
}

const tempDirs: string[] = [];

/** A fresh temporary directory, removed after the test file. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `chat-construct-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A full synth of a ChatInfraStack (as `cdktf synth` does: assets copied, cdk.tf.json written, checkov
 * baseline written) into `outdir`. The process cwd is the repo root, so the local state path is stable.
 */
export function fullSynth(
  props: ChatInfraStackProps,
  options: { outdir?: string; stackId?: string; extra?: (stack: ChatInfraStack) => void } = {},
): FullSynth {
  const outdir = options.outdir ?? tempDir('out');
  const stackId = options.stackId ?? 'chat';
  const app = new App({ outdir, stackTraces: false });
  const stack = new ChatInfraStack(app, stackId, props);
  options.extra?.(stack);
  app.synth();
  writeCheckovBaselines(outdir);
  const stackDir = path.join(outdir, 'stacks', stackId);
  return { outdir, stackDir, json: JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')) as Json };
}

/** Every resource of a type, by logical name. */
export function resourcesOf(json: Json, type: string): Record<string, Json> {
  return (json.resource?.[type] ?? {}) as Record<string, Json>;
}

export function resourceList(json: Json, type: string): Json[] {
  return Object.values(resourcesOf(json, type));
}

/** The single resource of a type (fails when there is not exactly one). */
export function onlyResource(json: Json, type: string): Json {
  const list = resourceList(json, type);
  if (list.length !== 1) throw new Error(`expected one ${type}, found ${list.length}`);
  return list[0];
}

/** The responder topic (the alarm topic `<name>-alarms` is the stack's other topic). */
export const isResponderTopic = (topic: Json): boolean => !String(topic.name).endsWith('-alarms');

/** The responder topic's resource. */
export function responderTopicOf(json: Json): Json {
  const topics = resourceList(json, 'aws_sns_topic').filter(isResponderTopic);
  if (topics.length !== 1) throw new Error(`expected one responder topic, found ${topics.length}`);
  return topics[0];
}

/** `${aws_x.name.attr}` reference to a resource found by a predicate. */
export function refTo(json: Json, type: string, predicate: (resource: Json) => boolean, attribute: string): string {
  const entry = Object.entries(resourcesOf(json, type)).find(([, resource]) => predicate(resource));
  if (!entry) throw new Error(`no ${type} matches`);
  return `\${${type}.${entry[0]}.${attribute}}`;
}

/** Logical name of a resource found by a predicate. */
export function nameOf(json: Json, type: string, predicate: (resource: Json) => boolean): string {
  const entry = Object.entries(resourcesOf(json, type)).find(([, resource]) => predicate(resource));
  if (!entry) throw new Error(`no ${type} matches`);
  return entry[0];
}

export interface PolicyDocument {
  readonly source: string;
  readonly Statement: Array<{
    Sid?: string;
    Effect: string;
    Action: string | string[];
    Resource: string | string[];
    Principal?: unknown;
    Condition?: unknown;
  }>;
}

/** Every IAM policy document in the stack (role policies, managed policies, queue policies, trust policies). */
export function policyDocuments(json: Json): PolicyDocument[] {
  const documents: PolicyDocument[] = [];
  const fields: Record<string, string[]> = {
    aws_iam_role_policy: ['policy'],
    aws_iam_policy: ['policy'],
    aws_sqs_queue_policy: ['policy'],
    aws_sns_topic_policy: ['policy'],
    aws_iam_role: ['assume_role_policy'],
  };
  for (const [type, keys] of Object.entries(fields)) {
    for (const [name, resource] of Object.entries(resourcesOf(json, type))) {
      for (const key of keys) {
        if (resource[key] === undefined) continue;
        documents.push({ source: `${type}.${name}.${key}`, ...(JSON.parse(resource[key]) as object) } as PolicyDocument);
      }
    }
  }
  return documents;
}

export function asList<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** The role policy document of the function named `<name>-<suffix>`. */
/** A function's inline role policy: its own (named after it), or another of its role's by name (`<fn>-kms`). */
export function functionPolicy(json: Json, functionName: string, policyName = functionName): PolicyDocument {
  const fn = Object.entries(resourcesOf(json, 'aws_lambda_function')).find(
    ([, resource]) => resource.function_name === functionName,
  );
  if (!fn) throw new Error(`no function ${functionName}`);
  const roleRef = fn[1].role as string; // ${aws_iam_role.X.arn}
  const roleName = /aws_iam_role\.([^.]+)\.arn/.exec(roleRef)![1];
  const policy = Object.entries(resourcesOf(json, 'aws_iam_role_policy')).find(
    ([, resource]) => resource.role === `\${aws_iam_role.${roleName}.id}` && resource.name === policyName,
  );
  if (!policy) throw new Error(`no policy ${policyName} for ${functionName}`);
  return { source: `aws_iam_role_policy.${policy[0]}.policy`, ...(JSON.parse(policy[1].policy) as object) } as PolicyDocument;
}

/** Lists files (relative paths) under a directory, sorted. */
export function listFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.push(path.relative(root, full));
    }
  };
  walk(root);
  return files;
}

/** Runs `fn` with process.stderr.write captured; returns what was written. */
export function captureStderr(fn: () => void): string {
  const chunks: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  (process.stderr as { write: unknown }).write = (chunk: string | Uint8Array): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  try {
    fn();
  } finally {
    (process.stderr as { write: unknown }).write = original;
  }
  return chunks.join('');
}
