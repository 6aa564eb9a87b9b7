/** thread.history: a page of the connection's thread, oldest to newest; `before` pages back. */
import { threadOf } from './core/identity';
import { validateHistoryRequest } from './core/validation';
import { chatServiceRoute } from './core/chat-service-route';

export const handler = chatServiceRoute(async ({ frame, service, event, connectionId, annotate }) => {
  const request = validateHistoryRequest(frame);
  const caller = await service.identify(connectionId, event.requestContext.authorizer);
  const threadId = threadOf(caller, request.threadId);
  const page = await service.historyPage(threadId, { limit: request.limit, before: request.before });
  annotate({ threadId, messages: page.messages.length, lastPage: page.nextBefore === null });
  return page;
});
