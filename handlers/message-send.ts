/** message.send: store, ack the sender (route response), deliver to the thread's other connections. */
import { METRICS } from '../lib/metrics';
import { ChatError, messageSentFrame } from './core/protocol';
import { validateSendMessage } from './core/validation';
import { chatServiceRoute } from './core/chat-service-route';

export const handler = chatServiceRoute(async ({ frame, service, metrics, event, connectionId, annotate }) => {
  const request = validateSendMessage(frame);
  annotate({ textLength: request.text.length, clientMessageId: request.clientMessageId });
  let result;
  try {
    result = await service.sendMessage(
      {
        connectionId,
        authorizer: event.requestContext.authorizer,
        requestTimeEpoch: event.requestContext.requestTimeEpoch,
      },
      request,
    );
  } catch (err) {
    if (err instanceof ChatError && err.code === 'RATE_LIMITED') metrics.emit({ [METRICS.rateLimitedFrames]: 1 });
    throw err;
  }
  const { messageId } = result.message;
  annotate({
    threadId: result.message.threadId,
    messageId,
    // A user or agent message is its own correlation id: the outbox, its SNS message and the bot's reply carry it.
    correlationId: messageId,
    messageType: result.message.messageType,
    duplicate: !result.created,
    delivery: result.delivery,
  });
  // A repeated clientMessageId is answered with the first send's message: not a new message.
  if (result.created) metrics.emit({ [METRICS.messagesSent]: 1 }, { messageId, correlationId: messageId });
  return messageSentFrame(result.message, request.clientMessageId);
});
