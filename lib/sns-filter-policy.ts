/**
 * Amazon SNS subscription filter policies with filter policy scope `MessageAttributes`: what SNS refuses
 * when the policy is set, what it delivers once it is set, and (for a publisher whose attributes are known
 * in advance) which parts of a valid policy can never match.
 *
 * Sources, in order of authority:
 * - the SNS Developer Guide pages on message filtering (cited where each rule is implemented);
 * - AWS's own answers recorded by localstack's AWS-validated snapshot tests
 *   (tests/aws/services/sns/test_sns_filter_policy.py) and reported by moto's tests;
 * - aws/event-ruler, the open-source matcher whose error texts SNS returns word for word (e.g.
 *   "Bottom must be less than top", "Nonstandard IP address"), for details the guide leaves out.
 * Where these disagree, the choice is explained at the rule.
 *
 * Dependency-free on purpose: the construct validates at synth time and the local runtime matches at
 * publish time with this one implementation.
 */

/** A subscription filter policy as a JSON object (validate it with {@link validateSnsFilterPolicy}). */
export type SnsFilterPolicy = { readonly [key: string]: unknown };

/** One SNS message attribute as the Publish API carries it. */
export interface SnsMessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

/** A policy SNS would refuse; `path` is where, e.g. `filterPolicy.$or[1].price[0]`. message = `${path}: ${problem}` */
export class SnsFilterPolicyError extends Error {
  /** Where in the policy, e.g. `filterPolicy.$or[1].price[0]`. */
  readonly path: string;
  /** What is wrong there, and how to fix it where that is not obvious. */
  readonly problem: string;

  /** Builds the error; the message is `${path}: ${problem}`. */
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = 'SnsFilterPolicyError';
    this.path = path;
    this.problem = problem;
  }
}

/**
 * The limits SNS documents for filter policies
 * (https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html).
 */
export const SNS_FILTER_POLICY_LIMITS = {
  /** "A filter policy can have a maximum of five keys." */
  maxAttributeNames: 5,
  /** "The total combination of values in a filter policy must not exceed 150." */
  maxCombinations: 150,
  /** "The maximum size of a filter policy is 256 KB" (of its JSON text, UTF-8). */
  maxPolicyBytes: 256 * 1024,
  /** "For numeric matching, the value can range from -10^9 to 10^9." */
  maxAbsoluteNumber: 1_000_000_000,
} as const;

/**
 * Throws SnsFilterPolicyError for anything SNS refuses (syntax, operators, operand types, and SNS's documented
 * limits). `at` prefixes paths (default 'filterPolicy').
 */
export function validateSnsFilterPolicy(policy: unknown, at = 'filterPolicy'): asserts policy is SnsFilterPolicy {
  compilePolicy(policy, at);
}

/**
 * True when SNS would deliver a message with these attributes to a subscription with this (valid) policy.
 * Throws SnsFilterPolicyError for a policy SNS would have refused, rather than guess.
 */
export function matchesSnsFilterPolicy(
  policy: SnsFilterPolicy,
  attributes: Readonly<Record<string, SnsMessageAttribute>>,
): boolean {
  const root = compilePolicy(policy, 'filterPolicy');
  return nodeMatches(root, (name) =>
    Object.prototype.hasOwnProperty.call(attributes, name) ? filterableAttribute(attributes[name]) : undefined,
  );
}

/**
 * For a publisher whose message attributes are known in advance: `published` maps each attribute it publishes
 * (all DataType String) to the exact values it can take, or null for any value. Throws SnsFilterPolicyError when
 * a valid policy can never match (a key that is never published, a literal value never published, a number or
 * boolean against a String attribute that only takes 'true'/'false' etc., a numeric condition on a String attribute).
 * Message texts must be actionable, e.g. `filterPolicy.isHumanOverride[0]: false is a boolean, but the publisher sends message attribute values as strings: write 'false'`
 * and `filterPolicy.foo: the publisher sends only the message attributes threadId, messageType, isHumanOverride, so this key never matches`.
 *
 * `publisher` names it in the messages. The publisher is taken to send every listed attribute with every message, so `{"exists": false}` on one of
 * them never matches. Each condition is checked on its own: a condition that can never match is reported even
 * when a sibling in the same array could match, because it is always a mistake (a typo, a boolean for a string).
 * Throws for SNS-invalid policies too, as {@link validateSnsFilterPolicy} does.
 */
export function checkFilterPolicyAgainstAttributes(
  policy: SnsFilterPolicy,
  published: Readonly<Record<string, readonly string[] | null>>,
  at = 'filterPolicy',
  publisher = 'the publisher',
): void {
  checkNodeAgainstPublisher(compilePolicy(policy, at), published, publisher);
}

// ---------------------------------------------------------------------------------------------------
// The compiled form: validation produces it, matching and the publisher check walk it.

/** A value as the matcher sees it: SNS keeps strings, numbers, booleans and null apart. */
type Scalar =
  | { readonly kind: 'string'; readonly text: string }
  /** Numbers compare as integers of millionths (see {@link scaledDecimal}). */
  | { readonly kind: 'number'; readonly scaled: bigint }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' };

interface NumericBound {
  readonly operator: '=' | '<' | '<=' | '>' | '>=';
  readonly scaled: bigint;
}

interface IpNetwork {
  readonly bytes: readonly number[];
  readonly maskBits: number;
}

type ConditionTest =
  | { readonly op: 'equals'; readonly value: Scalar }
  | { readonly op: 'prefix' | 'suffix' | 'equals-ignore-case'; readonly text: string }
  | { readonly op: 'wildcard'; readonly segments: readonly string[] }
  | { readonly op: 'cidr'; readonly network: IpNetwork }
  | { readonly op: 'exists'; readonly exists: boolean }
  | { readonly op: 'numeric'; readonly bounds: readonly NumericBound[] }
  | { readonly op: 'anything-but'; readonly excluded: readonly Scalar[] }
  | { readonly op: 'anything-but-prefix' | 'anything-but-suffix'; readonly text: string }
  | { readonly op: 'anything-but-wildcard'; readonly segments: readonly string[] };

/** The conditions that look at values (`exists` looks at the key alone). */
type ValueCondition = Exclude<ConditionTest, { op: 'exists' }>;

type Condition = ConditionTest & { readonly path: string; readonly source: unknown };

interface AttributeRule {
  readonly name: string;
  readonly path: string;
  readonly conditions: readonly Condition[];
}

interface OrRule {
  readonly path: string;
  readonly branches: readonly PolicyNode[];
}

/** Every attribute rule must match, and in every `$or` at least one branch. */
interface PolicyNode {
  readonly attributes: readonly AttributeRule[];
  readonly alternatives: readonly OrRule[];
}

// The shape pass reads keys, arrays and `$or` before any condition, so limit errors come in SNS's order
// (localstack's AWS snapshots: key count, then complexity, then each condition).
interface ShapeNode {
  readonly attributes: readonly { readonly name: string; readonly path: string; readonly items: readonly unknown[] }[];
  readonly alternatives: readonly { readonly path: string; readonly branches: readonly ShapeNode[] }[];
}

function compilePolicy(policy: unknown, at: string): PolicyNode {
  if (!isPlainObject(policy)) {
    throw new SnsFilterPolicyError(
      at,
      `a filter policy is a JSON object of message attribute names to arrays of conditions, got ${describe(policy)}`,
    );
  }
  const shape = readShape(policy, at, false, new Set());

  const names = [...attributeNames(shape)];
  if (names.length > SNS_FILTER_POLICY_LIMITS.maxAttributeNames) {
    // The guide: "A filter policy can have a maximum of five keys", and for attribute-based filtering
    // "all keys are counted". It does not say how `$or` counts; this counts each attribute name once,
    // wherever it appears (`$or` itself is not an attribute).
    throw new SnsFilterPolicyError(
      at,
      `uses ${names.length} message attributes (${names.join(', ')}), but SNS allows at most ` +
        `${SNS_FILTER_POLICY_LIMITS.maxAttributeNames} keys in one filter policy`,
    );
  }

  const combinations = combinationsOf(shape);
  if (combinations > SNS_FILTER_POLICY_LIMITS.maxCombinations) {
    throw new SnsFilterPolicyError(
      at,
      `has ${combinations} combinations of values, more than SNS's limit of ${SNS_FILTER_POLICY_LIMITS.maxCombinations} ` +
        '(multiply the number of values in each array; with $or, add up the alternatives): drop values or split the subscription',
    );
  }

  const root = compileShape(shape);

  const bytes = utf8Length(JSON.stringify(policy));
  if (bytes > SNS_FILTER_POLICY_LIMITS.maxPolicyBytes) {
    throw new SnsFilterPolicyError(
      at,
      `is ${bytes} bytes of JSON, more than SNS's limit of ${SNS_FILTER_POLICY_LIMITS.maxPolicyBytes} (256 KB)`,
    );
  }
  return root;
}

/**
 * Field names event-ruler reserves inside `$or`
 * (https://github.com/aws/event-ruler/blob/main/src/main/software/amazon/event/ruler/Constants.java);
 * the guide names only `numeric` and `prefix` as examples of these "reserved keywords".
 */
const RESERVED_IN_OR = new Set([
  'exactly', 'equals-ignore-case', 'prefix', 'suffix', 'anything-but', 'exists', 'wildcard', 'numeric', 'cidr',
  '=', '<', '<=', '>', '>=', 'regex', 'not-wildcard', 'not-equals-ignore-case',
  'date-after', 'date-on-or-after', 'date-before', 'date-on-or-before', 'in-date-range',
  'ip-address-in-range', 'ip-address-not-in-range',
]);

/**
 * https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html: SNS reads `"$or"` as OR only when it is an array
 * of at least two objects none of which has a reserved keyword as a field name; "otherwise `$or` is treated as a
 * normal attribute name, the same as other strings in the policy".
 */
function isOrRelationship(value: unknown): value is readonly Record<string, unknown>[] {
  return (
    Array.isArray(value) &&
    value.length >= 2 &&
    value.every((branch) => isPlainObject(branch) && Object.keys(branch).every((key) => !RESERVED_IN_OR.has(key)))
  );
}

function readShape(policy: Record<string, unknown>, at: string, isBranch: boolean, seen: Set<object>): ShapeNode {
  if (seen.has(policy)) throw new SnsFilterPolicyError(at, 'refers to itself, so it is not JSON');
  seen.add(policy);
  const keys = Object.keys(policy);
  if (isBranch && keys.length === 0) {
    throw new SnsFilterPolicyError(at, 'is an empty object; each $or alternative needs at least one attribute');
  }
  const attributes: { name: string; path: string; items: readonly unknown[] }[] = [];
  const alternatives: { path: string; branches: ShapeNode[] }[] = [];
  for (const key of keys) {
    const value = policy[key];
    const path = memberPath(at, key);
    if (key === '$or' && isOrRelationship(value)) {
      alternatives.push({
        path,
        branches: value.map((branch, index) => readShape(branch, `${path}[${index}]`, true, seen)),
      });
      continue;
    }
    if (key === '$or') refuseMisreadOr(value, path);
    if (isPlainObject(value)) {
      // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html: "Amazon SNS doesn't
      // accept a nested filter policy for attribute-based filtering" (AWS: "Filter policy scope MessageAttributes
      // does not support nested filter policy").
      throw new SnsFilterPolicyError(
        path,
        'is an object, but a policy with filter policy scope MessageAttributes cannot nest (only MessageBody ' +
          'policies can): give the attribute an array of conditions, e.g. ["value"]',
      );
    }
    if (!Array.isArray(value)) {
      // AWS: `"key" must be an object or an array`; for message attributes only an array will do.
      throw new SnsFilterPolicyError(path, `must be an array of conditions, e.g. ["value"], got ${describe(value)}`);
    }
    if (value.length === 0) {
      // AWS: "Empty arrays are not allowed".
      throw new SnsFilterPolicyError(path, 'is an empty array, which SNS refuses: list at least one condition');
    }
    attributes.push({ name: key, path, items: value });
  }
  seen.delete(policy);
  return { attributes, alternatives };
}

/**
 * A `$or` that is not an OR relationship is an attribute name whose array holds conditions; when it holds
 * policies instead, SNS refuses them as unknown operators ("Unrecognized match type"). Say why it was not an OR.
 */
function refuseMisreadOr(value: unknown, path: string): void {
  if (!Array.isArray(value)) return;
  const policyLike = value.find(
    (item) => isPlainObject(item) && !(Object.keys(item).length === 1 && OPERATORS.includes(Object.keys(item)[0])),
  );
  if (policyLike === undefined) return;
  const notObject = value.find((item) => !isPlainObject(item));
  const reserved = value.find((item) => isPlainObject(item) && Object.keys(item).some((k) => RESERVED_IN_OR.has(k)));
  const reason =
    value.length < 2
      ? `this one has ${value.length} alternative`
      : notObject !== undefined
        ? `${describe(notObject)} is not an object`
        : `${describe(reserved)} uses an operator name as a field name`;
  throw new SnsFilterPolicyError(
    path,
    'is not read as OR: SNS takes "$or" as OR only when it is an array of at least two objects none of which uses ' +
      `an operator name as a field name (${reason}), and otherwise as an attribute name whose array must hold ` +
      `conditions, which ${describe(policyLike)} is not`,
  );
}

function* attributeNames(shape: ShapeNode, seen = new Set<string>()): Generator<string> {
  for (const { name } of shape.attributes) {
    if (!seen.has(name)) {
      seen.add(name);
      yield name;
    }
  }
  for (const { branches } of shape.alternatives) for (const branch of branches) yield* attributeNames(branch, seen);
}

/**
 * https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html (multiply the number of
 * values in each array) and https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html ("the sum of the
 * combination complexities for each OR statement"): with $or distributed out, each branch's product is added.
 */
function combinationsOf(shape: ShapeNode): number {
  let total = 1;
  for (const { items } of shape.attributes) total *= items.length;
  for (const { branches } of shape.alternatives) total *= branches.reduce((sum, branch) => sum + combinationsOf(branch), 0);
  return total;
}

function compileShape(shape: ShapeNode): PolicyNode {
  return {
    attributes: shape.attributes.map(({ name, path, items }) => ({
      name,
      path,
      conditions: items.map((item, index) => compileCondition(item, `${path}[${index}]`)),
    })),
    alternatives: shape.alternatives.map(({ path, branches }) => ({ path, branches: branches.map(compileShape) })),
  };
}

// ---------------------------------------------------------------------------------------------------
// Conditions: https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html lists the operators.

const OPERATORS = ['prefix', 'suffix', 'equals-ignore-case', 'wildcard', 'anything-but', 'numeric', 'exists', 'cidr'];

function compileCondition(item: unknown, path: string): Condition {
  if (item === null || typeof item === 'string' || typeof item === 'boolean' || typeof item === 'number') {
    // "The JSON of the filter policy can contain strings enclosed in quotation marks, numbers, and the keywords
    // true, false, and null" (filter policy constraints).
    return { op: 'equals', value: literal(item, path), path, source: item };
  }
  if (Array.isArray(item)) {
    // AWS: "Match value must be String, number, true, false, or null".
    throw new SnsFilterPolicyError(
      path,
      `${describe(item)} is an array, but a condition is a string, a number, true, false, null ` +
        'or an operator object such as {"prefix": "a"}',
    );
  }
  if (!isPlainObject(item)) throw new SnsFilterPolicyError(path, `${describe(item)} is not a JSON value`);

  const keys = Object.keys(item);
  if (keys.length !== 1) {
    // AWS: "Only one key allowed in match expression" / "Match expression name not found".
    throw new SnsFilterPolicyError(
      path,
      keys.length === 0
        ? `{} names no operator: use one of ${OPERATORS.join(', ')}`
        : `an operator object takes exactly one key, this one has ${keys.join(', ')}: write one object per operator`,
    );
  }
  const op = keys[0];
  const operand = item[op];
  const operandPath = memberPath(path, op);
  const condition = (test: ConditionTest): Condition => ({ ...test, path, source: item });
  switch (op) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
      // The guide documents these with a string only (not event-ruler's nested {"equals-ignore-case": ...}).
      return condition({ op, text: stringOperand(op, operand, operandPath) });
    case 'wildcard':
      return condition({ op, segments: wildcardSegments(stringOperand(op, operand, operandPath), operandPath) });
    case 'exists':
      if (typeof operand !== 'boolean') {
        // AWS: "exists match pattern must be either true or false."
        throw new SnsFilterPolicyError(operandPath, `exists takes true or false, got ${describe(operand)}`);
      }
      return condition({ op, exists: operand });
    case 'numeric':
      return condition({ op, bounds: numericBounds(operand, operandPath) });
    case 'cidr':
      return condition({ op, network: ipNetwork(operand, operandPath) });
    case 'anything-but':
      return condition(anythingBut(operand, operandPath));
    default:
      // AWS: "Unrecognized match type <name>".
      throw new SnsFilterPolicyError(
        path,
        `${JSON.stringify(op)} is not an SNS filter operator: use one of ${OPERATORS.join(', ')}`,
      );
  }
}

function literal(value: null | string | boolean | number, path: string): Scalar {
  if (value === null) return { kind: 'null' };
  if (typeof value === 'string') return { kind: 'string', text: value };
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  return { kind: 'number', scaled: policyNumber(value, path) };
}

function stringOperand(op: string, operand: unknown, path: string): string {
  if (typeof operand !== 'string') {
    // AWS: "<op> match pattern must be a string".
    throw new SnsFilterPolicyError(path, `${op} takes a string, got ${describe(operand)}`);
  }
  return operand;
}

/**
 * A number written in the policy. https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html:
 * "the value can range from -10^9 to 10^9"; moto's tests report that AWS answers a larger one with an internal error.
 */
function policyNumber(value: unknown, path: string): bigint {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new SnsFilterPolicyError(path, `${describe(value)} is not a JSON number`);
  }
  if (Math.abs(value) > SNS_FILTER_POLICY_LIMITS.maxAbsoluteNumber) {
    throw new SnsFilterPolicyError(
      path,
      `${value} is outside the range SNS supports for numbers in a filter policy ` +
        `(-${SNS_FILTER_POLICY_LIMITS.maxAbsoluteNumber} to ${SNS_FILTER_POLICY_LIMITS.maxAbsoluteNumber})`,
    );
  }
  const scaled = scaledDecimal(String(value));
  if (scaled === undefined) throw new SnsFilterPolicyError(path, `${value} is not a JSON number`);
  return scaled;
}

/**
 * `numeric` takes `[op, n]` or a range `[">" | ">=", low, "<" | "<=", high]`
 * (https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html); the checks and their order are those
 * of AWS's answers recorded by localstack (test_validate_policy_numeric_operator).
 */
function numericBounds(operand: unknown, path: string): NumericBound[] {
  if (!Array.isArray(operand)) {
    throw new SnsFilterPolicyError(path, `numeric takes an array such as [">", 0, "<=", 100], got ${describe(operand)}`);
  }
  if (operand.length === 0) {
    throw new SnsFilterPolicyError(path, 'is empty: write an operator and a number, e.g. [">=", 0]');
  }
  const first = operand[0];
  if (typeof first !== 'string') {
    throw new SnsFilterPolicyError(
      `${path}[0]`,
      `${describe(first)} is not an operator: numeric starts with one of =, <, <=, >, >=`,
    );
  }
  if (!isNumericOperator(first)) {
    throw new SnsFilterPolicyError(`${path}[0]`, `${JSON.stringify(first)} is not a numeric operator: use =, <, <=, >, >=`);
  }
  const bounds: NumericBound[] = [{ operator: first, scaled: numericOperand(first, operand, 1, path) }];
  if (operand.length === 2) return bounds;

  if (first !== '>' && first !== '>=') {
    throw new SnsFilterPolicyError(
      `${path}[2]`,
      `too many elements: after ${JSON.stringify(first)} and its number nothing may follow; only ">" or ">=" opens a range`,
    );
  }
  const second = operand[2];
  if (typeof second !== 'string') {
    throw new SnsFilterPolicyError(`${path}[2]`, `${describe(second)} is not an operator: a range closes with "<" or "<="`);
  }
  if (second !== '<' && second !== '<=') {
    throw new SnsFilterPolicyError(`${path}[2]`, `${JSON.stringify(second)} cannot close a range: use "<" or "<="`);
  }
  bounds.push({ operator: second, scaled: numericOperand(second, operand, 3, path) });
  if (bounds[1].scaled <= bounds[0].scaled) {
    // AWS: "Bottom must be less than top".
    throw new SnsFilterPolicyError(
      path,
      `the range is empty: its bottom ${describe(operand[1])} must be less than its top ${describe(operand[3])}`,
    );
  }
  if (operand.length > 4) {
    throw new SnsFilterPolicyError(
      `${path}[4]`,
      'too many elements: a range is [">" or ">=", low, "<" or "<=", high]; for more conditions, add another ' +
        '{"numeric": [...]} to the array (any one of them matching is enough)',
    );
  }
  return bounds;
}

function isNumericOperator(value: string): value is NumericBound['operator'] {
  return value === '=' || value === '<' || value === '<=' || value === '>' || value === '>=';
}

function numericOperand(operator: string, operand: readonly unknown[], index: number, path: string): bigint {
  const value = operand[index];
  if (typeof value !== 'number') {
    const hint = typeof value === 'string' && JSON_NUMBER.test(value) ? `: write ${value} without quotes` : '';
    throw new SnsFilterPolicyError(
      `${path}[${index}]`,
      index < operand.length
        ? `the value of ${operator} must be a number, got ${describe(value)}${hint}`
        : `${JSON.stringify(operator)} needs a number after it`,
    );
  }
  return policyNumber(value, `${path}[${index}]`);
}

/**
 * https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html and numeric-value-matching.html:
 * `anything-but` takes a string, a number, a list, or `{"prefix" | "suffix" | "wildcard": "..."}`.
 * Lists are all strings or all numbers and never null or booleans (event-ruler's JsonRuleCompiler refuses both).
 * The guide documents no other nested operator; `equals-ignore-case` inside anything-but is event-ruler only.
 * AWS refused `{"suffix": ...}` here in May 2024 (localstack's snapshot "Unsupported anything-but pattern:
 * suffix"); the guide documents it since, so it is accepted.
 */
function anythingBut(operand: unknown, path: string): ConditionTest {
  if (typeof operand === 'string') return { op: 'anything-but', excluded: [{ kind: 'string', text: operand }] };
  if (typeof operand === 'number') {
    return { op: 'anything-but', excluded: [{ kind: 'number', scaled: policyNumber(operand, path) }] };
  }
  if (Array.isArray(operand)) {
    if (operand.length === 0) {
      throw new SnsFilterPolicyError(path, 'is an empty array: list at least one value to exclude');
    }
    const excluded = operand.map((value, index): Scalar => {
      if (typeof value === 'string') return { kind: 'string', text: value };
      if (typeof value === 'number') return { kind: 'number', scaled: policyNumber(value, `${path}[${index}]`) };
      throw new SnsFilterPolicyError(
        `${path}[${index}]`,
        `${describe(value)} cannot be excluded: an anything-but list holds only strings or only numbers`,
      );
    });
    if (new Set(excluded.map((value) => value.kind)).size > 1) {
      throw new SnsFilterPolicyError(
        path,
        'mixes strings and numbers; SNS needs an anything-but list of all strings or all numbers',
      );
    }
    return { op: 'anything-but', excluded };
  }
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    if (keys.length !== 1 || !['prefix', 'suffix', 'wildcard'].includes(keys[0])) {
      // AWS: "Unsupported anything-but pattern: <name>".
      throw new SnsFilterPolicyError(
        path,
        `${describe(operand)} is not supported inside anything-but: use exactly one of prefix, suffix or wildcard`,
      );
    }
    const op = keys[0];
    const text = stringOperand(op, operand[op], memberPath(path, op));
    if (op === 'wildcard') return { op: 'anything-but-wildcard', segments: wildcardSegments(text, memberPath(path, op)) };
    if (text === '') {
      // event-ruler: "Null prefix/suffix not allowed".
      throw new SnsFilterPolicyError(memberPath(path, op), `an empty ${op} inside anything-but would exclude every string`);
    }
    return { op: op === 'prefix' ? 'anything-but-prefix' : 'anything-but-suffix', text };
  }
  throw new SnsFilterPolicyError(
    path,
    'anything-but takes a string, a number, an array of strings or of numbers, or {"prefix" | "suffix" | "wildcard": "..."}, ' +
      `got ${describe(operand)}`,
  );
}

/**
 * `*` matches any run of characters; `\*` and `\\` are a literal asterisk and backslash; `**` and other
 * escapes are refused (https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html documents the
 * operator; the syntax is event-ruler's WildcardParser). Returns the literal runs between the wildcards.
 */
function wildcardSegments(pattern: string, path: string): string[] {
  const segments: string[] = [];
  let current = '';
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern[index];
    if (character === '*') {
      if (pattern[index + 1] === '*') {
        throw new SnsFilterPolicyError(
          path,
          `${JSON.stringify(pattern)} has consecutive wildcard characters at position ${index}`,
        );
      }
      segments.push(current);
      current = '';
    } else if (character === '\\') {
      const next = pattern[index + 1];
      if (next !== '*' && next !== '\\') {
        throw new SnsFilterPolicyError(
          path,
          `${JSON.stringify(pattern)} has an invalid escape at position ${index}: a backslash escapes only * or \\`,
        );
      }
      current += next;
      index++;
    } else {
      current += character;
    }
  }
  segments.push(current);
  return segments;
}

/**
 * https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (IP address matching). The error texts
 * and limits are AWS's (localstack test_validate_policy_string_operators) and event-ruler's CIDR.java, whose
 * masks stop at /31 and /127.
 */
function ipNetwork(operand: unknown, path: string): IpNetwork {
  if (typeof operand !== 'string') {
    throw new SnsFilterPolicyError(path, `cidr takes a string such as "10.0.0.0/24", got ${describe(operand)}`);
  }
  const written = JSON.stringify(operand);
  const parts = operand.split('/');
  if (parts.length !== 2) {
    throw new SnsFilterPolicyError(path, `${written} is a malformed CIDR: one '/' is required, e.g. "10.0.0.0/24"`);
  }
  const [address, mask] = parts;
  if (!/^-?\d+$/.test(mask)) {
    throw new SnsFilterPolicyError(path, `${written} is a malformed CIDR: the mask bits must be an integer`);
  }
  const maskBits = Number(mask);
  if (maskBits < 0) throw new SnsFilterPolicyError(path, `${written} is a malformed CIDR: the mask bits must not be negative`);
  const bytes = ipAddressBytes(address);
  if (!bytes) {
    throw new SnsFilterPolicyError(path, `${written}: ${JSON.stringify(address)} is not a standard IPv4 or IPv6 address`);
  }
  const maxMask = bytes.length * 8 - 1;
  if (maskBits > maxMask) {
    throw new SnsFilterPolicyError(
      path,
      `${written}: SNS takes IPv${bytes.length === 4 ? 4 : 6} mask bits up to ${maxMask}; for one address, match it exactly`,
    );
  }
  return { bytes, maskBits };
}

/** The bytes of an IPv4 (4) or IPv6 (16) address literal, as event-ruler reads them (no zones, no embedded IPv4). */
function ipAddressBytes(text: string): number[] | undefined {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(text)) {
    const octets = text.split('.').map(Number);
    return octets.every((octet) => octet <= 255) ? octets : undefined;
  }
  if (!/^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0].split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? halves[1].split(':') : [];
  if (![...head, ...tail].every((group) => /^[0-9a-fA-F]{1,4}$/.test(group))) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const zeros = Array<string>(halves.length === 1 ? 0 : missing).fill('0');
  const groups = [...head, ...zeros, ...tail].map((group) => parseInt(group, 16));
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

// ---------------------------------------------------------------------------------------------------
// Matching.

/** An attribute SNS filters on: present, with the values it compares (none for an unreadable value). */
interface FilterableAttribute {
  readonly values: readonly Scalar[];
}

type AttributeLookup = (name: string) => FilterableAttribute | undefined;

function nodeMatches(node: PolicyNode, lookup: AttributeLookup): boolean {
  // https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html: each property name in the
  // policy matches a message attribute name, and at least one of its values matches; attributes the policy does
  // not name are ignored.
  return (
    node.attributes.every((rule) => rule.conditions.some((condition) => conditionMatches(condition, lookup(rule.name)))) &&
    node.alternatives.every((or) => or.branches.some((branch) => nodeMatches(branch, lookup)))
  );
}

/**
 * https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html: SNS compares the policy
 * with String, String.Array and Number attributes and ignores Binary ones (they count as absent, for `exists`
 * too). `Number.Array` is read like String.Array because numeric-value-matching.html uses it in an example.
 */
function filterableAttribute(attribute: SnsMessageAttribute): FilterableAttribute | undefined {
  const type = attribute.DataType;
  const text = attribute.StringValue;
  if (type === 'String.Array' || type === 'Number.Array') return { values: text === undefined ? [] : arrayValues(text) };
  const baseType = type.split('.')[0];
  if (baseType === 'String') return { values: text === undefined ? [] : [{ kind: 'string', text }] };
  if (baseType === 'Number') {
    const scaled = text === undefined ? undefined : scaledDecimal(text.trim());
    return { values: scaled === undefined ? [] : [{ kind: 'number', scaled }] };
  }
  return undefined;
}

/**
 * A String.Array value is a JSON array of strings, numbers, true, false and null
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html), each element matched on its own
 * (string-value-matching.html). A JSON scalar counts as one element: moto's tests report that AWS delivers
 * String.Array "100" to a policy [100] (test_filtering_string_array_with_number_no_array_match).
 */
function arrayValues(text: string): Scalar[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  const elements = Array.isArray(parsed) ? parsed : [parsed];
  return elements.flatMap((element): Scalar[] => {
    if (element === null) return [{ kind: 'null' }];
    if (typeof element === 'string') return [{ kind: 'string', text: element }];
    if (typeof element === 'boolean') return [{ kind: 'boolean', value: element }];
    if (typeof element === 'number') {
      const scaled = scaledDecimal(String(element));
      return scaled === undefined ? [] : [{ kind: 'number', scaled }];
    }
    return [];
  });
}

function conditionMatches(condition: ConditionTest, attribute: FilterableAttribute | undefined): boolean {
  // https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html: exists is about the key alone. Every
  // other condition needs the attribute (anything-but too: "anything-but can be combined with exists: false",
  // and AWS does not deliver a message without the attribute to [null, {"anything-but": ...}] — localstack's
  // AWS-validated test_filter_policy).
  if (condition.op === 'exists') return condition.exists === (attribute !== undefined);
  return attribute !== undefined && attribute.values.some((value) => valueMatches(condition, value));
}

/**
 * One value against one condition. Strings, numbers, booleans and null never equal one another: "100" is not
 * 100 (moto: test_filtering_exact_number_with_string_no_match) and 'false' is not false. For String.Array, the
 * attribute matches when any element matches, anything-but included: the guide's examples deliver
 * ["rugby", "baseball"] to {"anything-but": ["rugby", "tennis"]} (string-value-matching.html; its sentence "it
 * matches if none of the array elements are listed" contradicts its own examples, which follow the matcher).
 */
function valueMatches(condition: ValueCondition, value: Scalar): boolean {
  switch (condition.op) {
    case 'equals':
      return sameScalar(condition.value, value);
    case 'prefix':
      return value.kind === 'string' && asFiltered(value.text).startsWith(condition.text);
    case 'suffix':
      return value.kind === 'string' && asFiltered(value.text).endsWith(condition.text);
    case 'equals-ignore-case':
      return value.kind === 'string' && asFiltered(value.text).toLowerCase() === condition.text.toLowerCase();
    case 'wildcard':
      return value.kind === 'string' && wildcardMatches(condition.segments, asFiltered(value.text));
    case 'cidr':
      return value.kind === 'string' && inNetwork(condition.network, value.text);
    case 'numeric':
      return value.kind === 'number' && condition.bounds.every((bound) => satisfies(value.scaled, bound));
    case 'anything-but':
      return !condition.excluded.some((excluded) => sameScalar(excluded, value));
    case 'anything-but-prefix':
      return !(value.kind === 'string' && asFiltered(value.text).startsWith(condition.text));
    case 'anything-but-suffix':
      return !(value.kind === 'string' && asFiltered(value.text).endsWith(condition.text));
    case 'anything-but-wildcard':
      return !(value.kind === 'string' && wildcardMatches(condition.segments, asFiltered(value.text)));
  }
}

function sameScalar(policyValue: Scalar, value: Scalar): boolean {
  switch (policyValue.kind) {
    case 'string':
      return value.kind === 'string' && asFiltered(value.text) === policyValue.text;
    case 'number':
      return value.kind === 'number' && value.scaled === policyValue.scaled;
    case 'boolean':
      return value.kind === 'boolean' && value.value === policyValue.value;
    case 'null':
      return value.kind === 'null';
  }
}

/**
 * https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html: with attribute-based
 * filtering, double quotes and backslashes must be escaped twice in the policy, or it does not match the
 * attribute. So SNS compares policy strings with the attribute value as escaped once: the policy string (after
 * JSON parsing) `say \"hi\"` matches the attribute value `say "hi"`.
 */
function asFiltered(text: string): string {
  return text.replace(/[\\"]/g, '\\$&');
}

function wildcardMatches(segments: readonly string[], text: string): boolean {
  const first = segments[0];
  const last = segments[segments.length - 1];
  if (segments.length === 1) return text === first;
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  // Leftmost placement of each middle run is enough when * is the only wildcard.
  const end = text.length - last.length;
  let position = first.length;
  for (const segment of segments.slice(1, -1)) {
    const found = text.indexOf(segment, position);
    if (found === -1 || found + segment.length > end) return false;
    position = found + segment.length;
  }
  return true;
}

function inNetwork(network: IpNetwork, text: string): boolean {
  const bytes = ipAddressBytes(text);
  if (!bytes || bytes.length !== network.bytes.length) return false;
  for (let bit = 0; bit < network.maskBits; bit++) {
    const mask = 0x80 >> bit % 8;
    const byte = Math.floor(bit / 8);
    if ((bytes[byte] & mask) !== (network.bytes[byte] & mask)) return false;
  }
  return true;
}

function satisfies(scaled: bigint, bound: NumericBound): boolean {
  switch (bound.operator) {
    case '=':
      return scaled === bound.scaled;
    case '<':
      return scaled < bound.scaled;
    case '<=':
      return scaled <= bound.scaled;
    case '>':
      return scaled > bound.scaled;
    case '>=':
      return scaled >= bound.scaled;
  }
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
/** Numbers compare to the millionth: see {@link scaledDecimal}. */
const DECIMAL_PLACES = 6;

/**
 * A decimal number as an exact integer of millionths, rounded down (undefined when the text is no number).
 * The guide promises "five digits of accuracy after the decimal point" (filter policy constraints); moto's tests
 * report that AWS is exact to the sixth and no further (100.123456789 equals 100.1234567), as event-ruler's
 * ComparableNumber, which scales by 10^6 and rounds down, is. Decimal text, not floating point, so 0.1 + 0.2
 * problems cannot shift a boundary.
 */
function scaledDecimal(text: string): bigint | undefined {
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  const [, sign, whole = '', fraction = '', exponentText = '0'] = match;
  if (whole === '' && fraction === '') return undefined;
  const digits = BigInt(`${whole}${fraction}` || '0');
  const exponent = Number(exponentText) - fraction.length + DECIMAL_PLACES;
  const negative = sign === '-' && digits !== 0n;
  if (exponent >= 0) {
    // Attribute numbers stop at 10^126 (sns-message-attributes.html); refuse absurd exponents rather than allocate.
    if (exponent > 400) return undefined;
    const value = digits * 10n ** BigInt(exponent);
    return negative ? -value : value;
  }
  if (exponent < -400) return negative ? -1n : 0n;
  const divisor = 10n ** BigInt(-exponent);
  const quotient = digits / divisor;
  if (!negative) return quotient;
  return -(digits % divisor === 0n ? quotient : quotient + 1n);
}

// ---------------------------------------------------------------------------------------------------
// The publisher check.

function checkNodeAgainstPublisher(node: PolicyNode, published: Readonly<Record<string, readonly string[] | null>>, publisher: string): void {
  const names = Object.keys(published);
  for (const rule of node.attributes) {
    if (!Object.prototype.hasOwnProperty.call(published, rule.name)) {
      // A key that is never published matches only {"exists": false}, which then always matches.
      if (rule.conditions.every((condition) => condition.op === 'exists' && !condition.exists)) continue;
      throw new SnsFilterPolicyError(rule.path, unpublishedKeyProblem(rule.name, names, publisher));
    }
    const values = published[rule.name];
    for (const condition of rule.conditions) {
      const problem = neverMatchesProblem(condition, rule.name, values, publisher);
      if (problem) throw new SnsFilterPolicyError(condition.path, problem);
    }
  }
  for (const or of node.alternatives) for (const branch of or.branches) checkNodeAgainstPublisher(branch, published, publisher);
}

function unpublishedKeyProblem(name: string, published: readonly string[], publisher: string): string {
  const problem = `${publisher} sends only the message attributes ${published.join(', ')}, so this key never matches`;
  if (name !== '$or') return problem;
  return (
    `${problem} (SNS reads "$or" as OR only when it is an array of at least two policies whose keys are not operator ` +
    'names; otherwise "$or" is an attribute name)'
  );
}

/** Why `condition` can never match a String attribute taking `values` (null: any string), or undefined if it can. */
function neverMatchesProblem(condition: Condition, name: string, values: readonly string[] | null, publisher: string): string | undefined {
  const sends = values === null ? `${name} as any string` : `${name} as ${values.map((value) => `'${value}'`).join(' or ')}`;
  const written = JSON.stringify(condition.source);
  switch (condition.op) {
    case 'exists':
      return condition.exists ? undefined : `${written} never matches: ${publisher} sends ${name} with every message`;
    case 'numeric':
      return (
        `${written} never matches: SNS compares numbers only with Number attributes, and ${publisher} sends ` +
        `${name} as a string (DataType String)`
      );
    case 'equals':
      if (condition.value.kind === 'string') break;
      return wrongTypeProblem(condition.source, name, values, publisher);
    default:
      break;
  }
  const valueCondition = condition as ValueCondition;
  // Any string can satisfy the remaining operators, except anything-but the wildcard "*", which excludes them all.
  const matchesSomeValue =
    values === null
      ? !(condition.op === 'anything-but-wildcard' && condition.segments.every((segment) => segment === ''))
      : values.some((value) => valueMatches(valueCondition, { kind: 'string', text: value }));
  if (matchesSomeValue) return undefined;
  return condition.op.startsWith('anything-but')
    ? `${written} never matches: it excludes every value ${publisher} sends (${sends})`
    : `${written} never matches: ${publisher} sends ${sends}`;
}

function wrongTypeProblem(value: unknown, name: string, values: readonly string[] | null, publisher: string): string {
  if (value === null) return `null never matches: ${publisher} sends message attribute values as strings, never null`;
  const text = String(value);
  const problem = `${text} is a ${typeof value}, but ${publisher} sends message attribute values as strings`;
  if (values === null || values.includes(text)) return `${problem}: write '${text}'`;
  return `${problem}, and ${name} only as ${values.map((v) => `'${v}'`).join(' or ')}`;
}

// ---------------------------------------------------------------------------------------------------
// Small helpers.

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** `parent.key`, or `parent["key"]` when the key would not read as one name. */
function memberPath(parent: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') return `a ${typeof value}`;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) return 'a value that is not JSON';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (const character of text) {
    const codePoint = character.codePointAt(0) ?? 0;
    bytes += codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
  }
  return bytes;
}
