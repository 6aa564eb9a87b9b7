/** thread.list: agents only; threads by latest activity, newest first (works from a console connection). */
import { ChatError } from './core/protocol';
import { validateThreadListRequest } from './core/validation';
import { chatServiceRoute } from './core/chat-service-route';

export const handler = chatServiceRoute(async ({ frame, service, event, connectionId, annotate }) => {
  const request = validateThreadListRequest(frame);
  const caller = await service.identify(connectionId, event.requestContext.authorizer);
  if (caller.role !== 'agent') throw new ChatError('FORBIDDEN', 'Only agents may list threads');
  const page = await service.listThreads(request.limit);
  annotate({ threads: page.threads.length });
  return page;
});
