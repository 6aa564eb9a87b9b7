/**
 * Replying as a bot, the one utility a bot needs, as its own entry (`cdktf-chat-server/bot`): it loads the
 * Lambda client and nothing else, so a bot bundled from it stays small (the bench measures it).
 *
 * @example
 * ```ts
 * import { correlationIdOf, replyAsBot } from 'cdktf-chat-server/bot';
 * // record: one of the SNS event's Records; incoming = JSON.parse(record.Sns.Message).message
 * const result = await replyAsBot(
 *   { threadId, message: { text: 'Hello!', messageId: `reply-${incoming.messageId}` }, correlationId: correlationIdOf(record) },
 *   { functionName: process.env.CHAT_BOT_REPLY_FUNCTION_NAME! },
 * );
 * if (result.status === 'refused') console.log(result.reason); // e.g. HUMAN_TAKEOVER
 * ```
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { BotReplyResult } from '../handlers/core/chat-service';
import type { BotReplyInput } from '../handlers/core/validation';
import { OUTBOX_CORRELATION_ATTRIBUTE } from './schema';

export type { BotReplyInput } from '../handlers/core/validation';
export type { BotReplyRefusal, BotReplyResult } from '../handlers/core/chat-service';

export interface ReplyAsBotOptions {
  /** Name or ARN of the bot-reply function (a construct output). */
  functionName: string;
  /** Defaults to a LambdaClient with the SDK's default configuration. */
  lambdaClient?: LambdaClient;
}

/** Thrown when the bot-reply function itself failed (storage unavailable, ...); safe to retry with the same messageId. */
export class BotReplyFunctionError extends Error {
  constructor(
    message: string,
    readonly functionError: string,
  ) {
    super(message);
    this.name = 'BotReplyFunctionError';
  }
}

let defaultLambdaClient: LambdaClient | undefined;

/** The part of an SNS event record (Lambda's `SNSEventRecord`) correlationIdOf reads. */
export interface SnsRecordWithAttributes {
  readonly Sns: { readonly MessageAttributes?: Readonly<Record<string, { readonly Value?: string } | undefined>> };
}

/**
 * The correlation id of a message the chat published (its SNS message attribute `correlationId`, the
 * message's id), to pass as `correlationId` to replyAsBot: bot-reply then writes it on its log lines.
 * Undefined for a message without it (published by an older chat server).
 */
export function correlationIdOf(record: SnsRecordWithAttributes): string | undefined {
  return record.Sns.MessageAttributes?.[OUTBOX_CORRELATION_ATTRIBUTE]?.Value;
}

/**
 * Replies into a thread as a bot. Resolves `{status: 'delivered', message, delivery}` or
 * `{status: 'refused', reason}` (HUMAN_TAKEOVER, THREAD_NOT_FOUND, USER_NOT_THREAD_OWNER,
 * INVALID_INPUT). Pass `message.messageId` (e.g. derived from the message you answer) to make
 * retries idempotent: the same messageId is stored and delivered once. Pass `correlationId`
 * (correlationIdOf the SNS record you answer) so the reply's log lines name the message it answers.
 */
export async function replyAsBot(input: BotReplyInput, options: ReplyAsBotOptions): Promise<BotReplyResult> {
  const client = options.lambdaClient ?? (defaultLambdaClient ??= new LambdaClient({}));
  const response = await client.send(
    new InvokeCommand({
      FunctionName: options.functionName,
      InvocationType: 'RequestResponse',
      Payload: Buffer.from(JSON.stringify(input), 'utf8'),
    }),
  );
  const body = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
  if (response.FunctionError) {
    let detail = body;
    try {
      const parsed = JSON.parse(body) as { errorType?: string; errorMessage?: string };
      detail = `${parsed.errorType ?? 'Error'}: ${parsed.errorMessage ?? ''}`;
    } catch {
      // Keep the raw body.
    }
    throw new BotReplyFunctionError(`bot-reply function failed: ${detail}`, response.FunctionError);
  }
  return JSON.parse(body) as BotReplyResult;
}
