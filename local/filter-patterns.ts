/**
 * The two filter languages the local runtime evaluates, so it drops exactly what AWS would drop:
 * - Lambda event filtering (event source mapping `FilterCriteria`), used on the emulated messages
 *   table stream with lib/schema.ts OUTBOX_FILTER_PATTERN;
 * - SNS subscription filter policies (scope `MessageAttributes`), used on the bot topic.
 *
 * Both share the EventBridge-style value conditions: exact values, `prefix`, `suffix`,
 * `anything-but`, `numeric`, `exists`, `equals-ignore-case`. Not supported (rejected loudly rather
 * than silently matching): `$or`, `wildcard`, `cidr`, nested SNS `MessageBody` policies.
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

/** An SNS filter policy on message attributes: attribute name → accepted conditions. */
export interface SnsFilterPolicy {
  readonly [attributeName: string]: readonly FilterCondition[];
}

/** One SNS message attribute as the Publish API carries it. */
export interface SnsMessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
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

/**
 * True when a message with these attributes passes the SNS subscription filter `policy`
 * (every policy key must match; an absent attribute matches only `{exists: false}`).
 * `String.Array` attributes match when any element matches; `Number` attributes compare numerically.
 */
export function matchesSnsFilterPolicy(
  policy: SnsFilterPolicy,
  attributes: Readonly<Record<string, SnsMessageAttribute>>,
): boolean {
  for (const [name, conditions] of Object.entries(policy)) {
    if (name.startsWith('$')) {
      throw new UnsupportedFilterError(`filter policy operator ${name} is not supported locally`);
    }
    if (!Array.isArray(conditions)) {
      throw new UnsupportedFilterError(`filter policy key ${name}: nested (MessageBody) policies are not supported locally`);
    }
    const attribute = Object.prototype.hasOwnProperty.call(attributes, name) ? attributes[name] : undefined;
    if (!matchesAnyCondition(conditions, attribute === undefined ? ABSENT : attributeValue(attribute))) return false;
  }
  return true;
}

/** Throws {@link UnsupportedFilterError} for a policy this evaluator cannot apply faithfully. */
export function validateSnsFilterPolicy(policy: unknown): asserts policy is SnsFilterPolicy {
  if (!isRecord(policy)) throw new UnsupportedFilterError('a filter policy is a JSON object');
  for (const [name, conditions] of Object.entries(policy)) {
    if (name.startsWith('$')) throw new UnsupportedFilterError(`filter policy operator ${name} is not supported locally`);
    if (!Array.isArray(conditions)) {
      throw new UnsupportedFilterError(`filter policy key ${name}: expected an array of conditions (MessageBody policies are not supported locally)`);
    }
    for (const condition of conditions as unknown[]) validateCondition(condition);
  }
}

function validateCondition(condition: unknown): void {
  if (condition === null || ['string', 'number', 'boolean'].includes(typeof condition)) return;
  if (!isRecord(condition) || Object.keys(condition).length !== 1) {
    throw new UnsupportedFilterError(`filter condition ${JSON.stringify(condition)} is not supported locally`);
  }
  const [operator, operand] = Object.entries(condition)[0];
  const ok =
    ((operator === 'prefix' || operator === 'suffix' || operator === 'equals-ignore-case') && typeof operand === 'string') ||
    (operator === 'exists' && typeof operand === 'boolean') ||
    (operator === 'numeric' && Array.isArray(operand)) ||
    (operator === 'anything-but' &&
      (typeof operand === 'string' || typeof operand === 'number' || Array.isArray(operand) ||
        (isRecord(operand) && typeof operand.prefix === 'string')));
  if (!ok) throw new UnsupportedFilterError(`filter condition ${JSON.stringify(condition)} is not supported locally`);
}

function attributeValue(attribute: SnsMessageAttribute): Value {
  const raw = attribute.StringValue;
  if (raw === undefined) return ABSENT; // Binary attributes are ignored by filter policies.
  if (attribute.DataType.startsWith('Number')) return Number(raw);
  if (attribute.DataType === 'String.Array') {
    try {
      const parsed: unknown = JSON.parse(raw);
      return Array.isArray(parsed) ? parsed : raw;
    } catch {
      return raw;
    }
  }
  return raw;
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
