/**
 * Lambda event filtering (an event source mapping's `FilterCriteria`) as the local runtime applies it to
 * the emulated messages table stream with lib/schema.ts OUTBOX_FILTER_PATTERN, so the outbox gets exactly
 * the records AWS would pass it. Value conditions: exact values, `prefix`, `suffix`, `anything-but`,
 * `numeric`, `exists`, `equals-ignore-case`. Not supported (rejected loudly rather than silently matching):
 * `$or`, `wildcard`, `cidr`. SNS subscription filter policies are another language: lib/sns-filter-policy.ts.
 */

export type FilterCondition =
  | string
  | number
  | boolean
  | null
  | { readonly prefix: string }
  | { readonly suffix: string }
  | { readonly 'equals-ignore-case': string }
  | { readonly 'anything-but': string | number | readonly (string | number)[] | { readonly prefix: string } }
  | { readonly numeric: readonly (string | number)[] }
  | { readonly exists: boolean };

/** A Lambda event filter pattern: nested objects ending in arrays of conditions. */
export interface EventPattern {
  readonly [key: string]: EventPattern | readonly FilterCondition[];
}

/** Thrown for a pattern this evaluator does not implement: never guess a match. */
export class UnsupportedFilterError extends Error {}

const ABSENT = Symbol('absent');
type Value = unknown | typeof ABSENT;

/** True when `event` matches the Lambda event filter `pattern` (every key must match). */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    if (key.startsWith('$')) {
      throw new UnsupportedFilterError(`event filter operator ${key} is not supported locally`);
    }
    const actual: Value = isRecord(event) && Object.prototype.hasOwnProperty.call(event, key) ? event[key] : ABSENT;
    if (Array.isArray(expected)) {
      if (!matchesAnyCondition(expected as readonly FilterCondition[], actual)) return false;
    } else {
      if (!isRecord(actual)) return false;
      if (!matchesEventPattern(expected as EventPattern, actual)) return false;
    }
  }
  return true;
}

/** Arrays in the event match when any element matches (EventBridge semantics). */
function matchesAnyCondition(conditions: readonly FilterCondition[], actual: Value): boolean {
  const candidates: Value[] = Array.isArray(actual) ? actual : [actual];
  return conditions.some((condition) => {
    if (isRecord(condition) && 'exists' in condition) {
      // `exists` is about the key, not each element.
      return condition.exists === (actual !== ABSENT);
    }
    return candidates.some((candidate) => candidate !== ABSENT && matchesCondition(condition, candidate));
  });
}

function matchesCondition(condition: FilterCondition, actual: unknown): boolean {
  if (condition === null || typeof condition !== 'object') {
    if (typeof condition === 'number' && typeof actual === 'number') return condition === actual;
    return condition === actual;
  }
  if ('prefix' in condition) return typeof actual === 'string' && actual.startsWith(condition.prefix);
  if ('suffix' in condition) return typeof actual === 'string' && actual.endsWith(condition.suffix);
  if ('equals-ignore-case' in condition) {
    return typeof actual === 'string' && actual.toLowerCase() === condition['equals-ignore-case'].toLowerCase();
  }
  if ('anything-but' in condition) {
    const excluded = condition['anything-but'];
    if (isRecord(excluded) && 'prefix' in excluded) {
      return typeof actual === 'string' && !actual.startsWith(String(excluded.prefix));
    }
    const list = Array.isArray(excluded) ? excluded : [excluded];
    return !list.some((value) => value === actual);
  }
  if ('numeric' in condition) return typeof actual === 'number' && matchesNumeric(condition.numeric, actual);
  throw new UnsupportedFilterError(`filter condition ${JSON.stringify(condition)} is not supported locally`);
}

function matchesNumeric(spec: readonly (string | number)[], actual: number): boolean {
  for (let index = 0; index + 1 < spec.length; index += 2) {
    const operator = spec[index];
    const bound = Number(spec[index + 1]);
    const ok =
      operator === '=' ? actual === bound
        : operator === '<' ? actual < bound
          : operator === '<=' ? actual <= bound
            : operator === '>' ? actual > bound
              : operator === '>=' ? actual >= bound
                : undefined;
    if (ok === undefined) throw new UnsupportedFilterError(`numeric operator ${String(operator)} is not supported`);
    if (!ok) return false;
  }
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
