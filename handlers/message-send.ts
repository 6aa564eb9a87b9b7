/** message.send: store, ack the sender (route response), deliver to the thread's other connections. */
import { messageSentFrame } from './core/protocol';
import { validateSendMessage } from './core/validation';
import { chatServiceRoute } from './core/chat-service-route';

export const handler = chatServiceRoute(async ({ frame, service, event, connectionId, annotate }) => {
  const request = validateSendMessage(frame);
  annotate({ textLength: request.text.length, clientMessageId: request.clientMessageId });
  const result = await service.sendMessage(
    {
      connectionId,
      authorizer: event.requestContext.authorizer,
      requestTimeEpoch: event.requestContext.requestTimeEpoch,
    },
    request,
  );
  annotate({
    threadId: result.message.threadId,
    messageId: result.message.messageId,
    messageType: result.message.messageType,
    duplicate: !result.created,
    delivery: result.delivery,
  });
  return messageSentFrame(result.message, request.clientMessageId);
});
