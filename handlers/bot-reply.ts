/**
 * bot-reply (Lambda Invoke; IAM decides who may call it): the seed's PostToConnection function.
 * Input `{userId?, threadId, message: {text, messageId?, sender?, metadata?}}`; stores the reply and
 * delivers it to every connection of the thread, or refuses it while a human has taken the thread over.
 */
import type { BotReplyResult } from './core/chat-service';
import { createLogger } from './core/logging';
import { ChatError } from './core/protocol';
import { createChatService } from './core/chat-service-factory';
import { validateBotReplyInput, type BotReplyInput } from './core/validation';

export type { BotReplyResult } from './core/chat-service';
export type { BotReplyInput } from './core/validation';

export async function handler(event: unknown, context?: { awsRequestId?: string }): Promise<BotReplyResult> {
  const started = Date.now();
  const log = createLogger({ requestId: context?.awsRequestId, handler: 'bot-reply' });
  let input: BotReplyInput;
  try {
    input = validateBotReplyInput(event);
  } catch (err) {
    if (!(err instanceof ChatError)) throw err;
    log.info('request', { outcome: 'refused', reason: 'INVALID_INPUT', durationMs: Date.now() - started });
    return { status: 'refused', reason: 'INVALID_INPUT', detail: err.message };
  }
  try {
    const result = await createChatService(log).replyAsBot(input);
    log.info('request', {
      outcome: result.status,
      reason: result.reason,
      threadId: input.threadId,
      messageId: result.message?.messageId,
      duplicate: result.duplicate,
      textLength: input.message.text.length,
      delivery: result.delivery,
      durationMs: Date.now() - started,
    });
    return result;
  } catch (err) {
    // Storage failures surface as a function error so the caller (or its retry policy) sees them.
    log.error('request', { outcome: 'error', threadId: input.threadId, error: err, durationMs: Date.now() - started });
    throw err;
  }
}
