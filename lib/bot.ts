/**
 * Replying as a bot, the one utility a bot needs, as its own entry (`cdktf-chat-server/bot`): it loads the
 * Lambda client and nothing else, so a bot bundled from it stays small (the bench measures it).
 *
 * @example
 * ```ts
 * import { replyAsBot } from 'cdktf-chat-server/bot';
 * const result = await replyAsBot(
 *   { threadId, message: { text: 'Hello!', messageId: `reply-${incoming.messageId}` } },
 *   { functionName: process.env.CHAT_BOT_REPLY_FUNCTION_NAME! },
 * );
 * if (result.status === 'refused') console.log(result.reason); // e.g. HUMAN_TAKEOVER
 * ```
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { BotReplyResult } from '../handlers/core/chat-service';
import type { BotReplyInput } from '../handlers/core/validation';

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

/**
 * Replies into a thread as a bot. Resolves `{status: 'delivered', message, delivery}` or
 * `{status: 'refused', reason}` (HUMAN_TAKEOVER, THREAD_NOT_FOUND, USER_NOT_THREAD_OWNER,
 * INVALID_INPUT). Pass `message.messageId` (e.g. derived from the message you answer) to make
 * retries idempotent: the same messageId is stored and delivered once.
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
