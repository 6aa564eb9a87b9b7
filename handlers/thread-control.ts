/**
 * thread.takeover / thread.release (by route key): agents only. Sets or clears human takeover of the
 * connection's thread and broadcasts `thread.status` to the whole thread (the caller gets it as reply).
 */
import { threadOf } from './core/identity';
import { ChatError } from './core/protocol';
import { validateThreadControlRequest } from './core/validation';
import { chatServiceRoute } from './core/chat-service-route';

const ENABLES: Record<string, boolean> = { 'thread.takeover': true, 'thread.release': false };

export const handler = chatServiceRoute(async ({ frame, service, event, connectionId, routeKey, annotate }) => {
  const enabled = ENABLES[routeKey];
  if (enabled === undefined) throw new ChatError('UNKNOWN_ACTION', `Route ${routeKey} is not a thread control action`);
  const request = validateThreadControlRequest(frame, routeKey as 'thread.takeover' | 'thread.release');
  const caller = await service.identify(connectionId, event.requestContext.authorizer);
  if (caller.role !== 'agent') throw new ChatError('FORBIDDEN', 'Only agents may take over or release a thread');
  const threadId = threadOf(caller, request.threadId);
  const result = await service.setHumanTakeover({ threadId, enabled, by: caller.userId, excludeConnectionId: connectionId });
  if (!result) throw new ChatError('VALIDATION_ERROR', `Thread ${threadId} does not exist`);
  annotate({ threadId, isHumanOverride: enabled, delivery: result.delivery });
  return result.frame;
});
