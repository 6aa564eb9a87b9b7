/** typing: relays `{type: 'typing'}` to the thread's other connections; nothing stored, no reply. */
import { validateTypingRequest } from './core/validation';
import { chatServiceRoute } from './core/chat-service-route';

export const handler = chatServiceRoute(async ({ frame, service, event, connectionId, annotate }) => {
  const request = validateTypingRequest(frame);
  const caller = await service.identify(connectionId, event.requestContext.authorizer);
  const delivery = await service.relayTyping(caller, connectionId, request.isTyping);
  annotate({ threadId: caller.threadId, delivery });
  return undefined;
});
