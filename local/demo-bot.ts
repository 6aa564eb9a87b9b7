/**
 * The demo bot: a Lambda function subscribed to the chat's bot topic, written exactly like your own
 * bot would be (help/local-development.md uses it as the example). For every user message it
 * receives it replies through the bot-reply function, invoked with the real LambdaClient:
 *
 *   SNS record → JSON.parse(record.Sns.Message) = {message, connection, requestMetadata}
 *   → Lambda Invoke <bot-reply> {threadId, message: {text, messageId, sender, metadata}}
 *   → {status: 'delivered' | 'refused', reason?, message?, delivery?}
 *
 * Locally the topic, the Lambda endpoint and the function name come from the environment the runtime
 * sets (AWS_ENDPOINT_URL_LAMBDA, CHAT_BOT_REPLY_FUNCTION_NAME); deployed, a bot gets the function
 * name from the construct's output and IAM permission from its bot-reply policy.
 */
import { createHash } from 'node:crypto';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { SNSEvent } from 'aws-lambda';
import { correlationIdOf } from '../lib/bot';

/** What the chat publishes for every user message (the seed's payload). */
export interface BotTopicPayload {
  readonly message: {
    readonly messageId: string;
    readonly threadId: string;
    readonly messageType: 'user' | 'agent';
    readonly text: string;
    readonly sender: string;
    readonly timestamp: number;
    readonly status: string;
    readonly metadata?: Record<string, unknown>;
  };
  readonly connection: {
    readonly userId: string;
    readonly connectionId: string;
    readonly threadId: string;
    readonly lastSeen: number;
    readonly isHumanOverride: boolean;
  };
  readonly requestMetadata: { readonly connectionId: string; readonly userId: string; readonly timestamp: number };
}

/** The bot-reply function's input and result. */
export interface BotReplyRequest {
  readonly userId?: string;
  readonly threadId: string;
  readonly message: { readonly text: string; readonly messageId?: string; readonly sender?: string; readonly metadata?: Record<string, unknown> };
  /** The answered message's correlation id: bot-reply writes it on its log lines. */
  readonly correlationId?: string;
}
export interface BotReplyResult {
  readonly status: 'delivered' | 'refused';
  readonly reason?: string;
  readonly delivery?: { readonly delivered: number; readonly stale: number; readonly failed: number };
}

const MAX_REPLY_LENGTH = 4000;
const PREFIX = 'Demo bot: you said "';
const SUFFIX = '"';

// Created once per container, like any Lambda's SDK client.
const lambda = new LambdaClient({});

export async function handler(event: SNSEvent): Promise<void> {
  for (const record of event.Records) {
    const payload = JSON.parse(record.Sns.Message) as BotTopicPayload;
    const correlationId = correlationIdOf(record);
    const reply = await replyTo(payload, correlationId);
    // A refusal is not an error: a human agent has taken the thread over since the message was sent.
    log(reply.status === 'delivered' ? 'info' : 'warn', 'demo_bot.reply', {
      threadId: payload.message.threadId,
      inReplyTo: payload.message.messageId,
      correlationId,
      status: reply.status,
      reason: reply.reason,
      delivered: reply.delivery?.delivered,
    });
  }
}

async function replyTo(payload: BotTopicPayload, correlationId: string | undefined): Promise<BotReplyResult> {
  const room = MAX_REPLY_LENGTH - PREFIX.length - SUFFIX.length;
  const quoted = payload.message.text.length > room ? `${payload.message.text.slice(0, room - 1)}…` : payload.message.text;
  const request: BotReplyRequest = {
    threadId: payload.message.threadId,
    message: {
      text: `${PREFIX}${quoted}${SUFFIX}`,
      // Derived from the message answered: if SNS retries this delivery, bot-reply stores the reply once.
      messageId: replyIdFor(payload.message.messageId),
      sender: 'demo-bot',
      metadata: { inReplyTo: payload.message.messageId },
    },
    correlationId,
  };
  const response = await lambda.send(
    new InvokeCommand({
      FunctionName: requiredEnv('CHAT_BOT_REPLY_FUNCTION_NAME'),
      Payload: Buffer.from(JSON.stringify(request)),
    }),
  );
  const body = response.Payload ? Buffer.from(response.Payload).toString('utf8') : 'null';
  if (response.FunctionError) {
    // Throwing makes SNS/Lambda retry the delivery.
    throw new Error(`bot-reply failed: ${body}`);
  }
  return JSON.parse(body) as BotReplyResult;
}

/** A UUID (v5 layout) derived from the answered message id. */
function replyIdFor(messageId: string): string {
  const hash = createHash('sha1').update(`demo-bot-reply:${messageId}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function log(level: 'info' | 'warn', event: string, fields: Record<string, unknown>): void {
  const threshold = (process.env.CHAT_LOG_LEVEL ?? 'info').toLowerCase();
  if (threshold === 'error' || (threshold === 'warn' && level === 'info')) return;
  console.log(JSON.stringify({ time: new Date().toISOString(), level, component: 'demo-bot', event, ...fields }));
}
