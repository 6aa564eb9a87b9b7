/**
 * API Gateway's route selection for a WebSocket API with `route_selection_expression = $request.body.action`:
 * the `action` of a JSON object body naming one of the API's routes (never a `$` route), else `$default`.
 * Shared by the local gateway and the tests' event builders, so both select as API Gateway does.
 */

export function selectRoute(
  body: string,
  routes: ReadonlySet<string> | ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>,
): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return '$default';
  }
  const action = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as { action?: unknown }).action : undefined;
  if (typeof action !== 'string' || action.startsWith('$')) return '$default';
  const known = routes instanceof Map || routes instanceof Set ? routes.has(action) : Object.prototype.hasOwnProperty.call(routes, action);
  return known ? action : '$default';
}
