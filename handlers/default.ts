/** $default: frames whose `action` matches no route get UNKNOWN_ACTION (non-JSON gets VALIDATION_ERROR). */
import { KEEPALIVE, ROUTES } from '../lib/schema';
import { ChatError } from './core/protocol';
import { twoWayRoute } from './core/websocket';

const KNOWN_ACTIONS = [...Object.keys(ROUTES).filter((route) => !route.startsWith('$')), KEEPALIVE.routeKey];

export const handler = twoWayRoute(async ({ frame }) => {
  const action = typeof frame.action === 'string' ? `"${frame.action.slice(0, 64)}"` : 'missing';
  throw new ChatError('UNKNOWN_ACTION', `Unknown action ${action}; expected one of: ${KNOWN_ACTIONS.join(', ')}`);
});
