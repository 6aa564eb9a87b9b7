/**
 * bot-reply (Lambda Invoke; IAM decides who may call it): the seed's PostToConnection function.
 * Input `{userId?, threadId, message: {text, messageId?, sender?, metadata?}, correlationId?}`; stores the
 * reply and delivers it to every connection of the thread, or refuses it while a human has taken the thread
 * over. Every log line carries the input's correlationId (the answered message's id), once validated.
 */
import { METRICS } from '../lib/metrics';
import type { BotReplyResult } from './core/chat-service';
import { createLogger } from './core/logging';
import { createMetricsWriter } from './core/metrics';
import { ChatError } from './core/protocol';
import { createChatService } from './core/chat-service-factory';
import { validateBotReplyInput, type BotReplyInput } from './core/validation';

export type { BotReplyResult } from './core/chat-service';
export type { BotReplyInput } from './core/validation';

export async function handler(event: unknown, context?: { awsRequestId?: string }): Promise<BotReplyResult> {
  const started = Date.now();
  const requestId = context?.awsRequestId;
  let log = createLogger({ requestId, handler: 'bot-reply' });
  let input: BotReplyInput;
  try {
    input = validateBotReplyInput(event);
  } catch (err) {
    if (!(err instanceof ChatError)) throw err;
    log.info('request', { outcome: 'refused', reason: 'INVALID_INPUT', durationMs: Date.now() - started });
    return { status: 'refused', reason: 'INVALID_INPUT', detail: err.message };
  }
  const { correlationId } = input;
  if (correlationId !== undefined) log = log.child({ correlationId });
  // Metric lines carry the request id only: the reply's messageId and the correlationId are the bot's to choose.
  const metrics = createMetricsWriter({ requestId });
  try {
    const result = await createChatService(log, undefined, metrics).replyAsBot(input);
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
    if (result.status === 'delivered' && result.duplicate !== true) {
      metrics.emit({ [METRICS.botRepliesAccepted]: 1 });
    } else if (result.reason === 'HUMAN_TAKEOVER') {
      metrics.emit({ [METRICS.botRepliesRefusedTakeover]: 1 });
    }
    return result;
  } catch (err) {
    // Storage failures surface as a function error so the caller (or its retry policy) sees them.
    log.error('request', { outcome: 'error', threadId: input.threadId, error: err, durationMs: Date.now() - started });
    throw err;
  }
}
