/**
 * Amazon SNS subscription filter policies (filter policy scope MessageAttributes) as DATA: what SNS accepts and
 * refuses when the policy is set, and what it then delivers. Each case cites the SNS Developer Guide page it comes
 * from (`source`, and the URL in the comment above it). Cases that pin what AWS answered rather than what the
 * guide says name the record too: localstack's AWS-validated snapshots
 * (https://github.com/localstack/localstack/blob/master/tests/aws/services/sns/test_sns_filter_policy.snapshot.json)
 * or moto's tests (https://github.com/getmoto/moto/blob/master/tests/test_sns/test_publishing.py).
 *
 * The same tables can run against lib/sns-filter-policy.ts, the construct's synth-time validation and the local
 * SNS topic: an invalid case's `problem` matches this module's message; other runners may check only that the
 * policy is refused.
 */
import type { SnsMessageAttribute } from '../../lib/sns-filter-policy';

/** One publish: the message attributes, and whether SNS delivers the message to the subscription. */
export interface FilterPolicyMatch {
  attributes: Record<string, SnsMessageAttribute>;
  expected: boolean;
  why?: string;
}

/** A policy SNS accepts (with the deliveries it makes) or refuses (with the expected error message). */
export type FilterPolicyCase =
  | { name: string; source: string; policy: unknown; valid: true; matches: FilterPolicyMatch[] }
  | { name: string; source: string; policy: unknown; valid: false; problem: RegExp /* matches the error message */ };

/** A valid policy checked against a publisher's known attributes: fine, or never matching (with the message). */
export type PublisherCheckCase =
  | { name: string; source: string; policy: Record<string, unknown>; ok: true }
  | { name: string; source: string; policy: Record<string, unknown>; ok: false; problem: RegExp };


const DOCS = 'https://docs.aws.amazon.com/sns/latest/dg';
const FILTERING = `${DOCS}/sns-message-filtering.html`;
const POLICIES = `${DOCS}/sns-subscription-filter-policies.html`;
const CONSTRAINTS = `${DOCS}/subscription-filter-policy-constraints.html`;
const EXAMPLES = `${DOCS}/example-filter-policies.html`;
const STRINGS = `${DOCS}/string-value-matching.html`;
const NUMBERS = `${DOCS}/numeric-value-matching.html`;
const KEYS = `${DOCS}/attribute-key-matching.html`;
const AND_OR = `${DOCS}/and-or-logic.html`;
const REMOVE = `${DOCS}/message-filtering-policy-remove.html`;
const ATTRIBUTES = `${DOCS}/sns-message-attributes.html`;

const str = (StringValue: string): SnsMessageAttribute => ({ DataType: 'String', StringValue });
const num = (StringValue: string): SnsMessageAttribute => ({ DataType: 'Number', StringValue });
const strArray = (values: readonly unknown[]): SnsMessageAttribute => ({ DataType: 'String.Array', StringValue: JSON.stringify(values) });
const raw = (DataType: string, StringValue: string): SnsMessageAttribute => ({ DataType, StringValue });
const binary: SnsMessageAttribute = { DataType: 'Binary', BinaryValue: 'AAEC' };
const valuesFrom = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, index) => `${prefix}${index}`);

// The example message of the guide's "Example filter policies" page.
const EXAMPLE_MESSAGE: Record<string, SnsMessageAttribute> = {
  customer_interests: strArray(['soccer', 'rugby', 'hockey']),
  store: str('example_corp'),
  event: str('order_placed'),
  price_usd: num('210.75'),
};

export const FILTER_POLICY_CASES: readonly FilterPolicyCase[] = [
  // ------------------------------------------------------------------------------------------------
  // Subscription filter policies: https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html
  // "each property name in the filter policy matches a message attribute name ... at least one property value
  // matches"; attributes the policy does not name are ignored.
  {
    name: 'exact string values, String and String.Array attributes',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (Exact matching)
    source: STRINGS,
    policy: { customer_interests: ['rugby', 'tennis'] },
    valid: true,
    matches: [
      { attributes: { customer_interests: str('rugby') }, expected: true },
      { attributes: { customer_interests: str('tennis') }, expected: true },
      { attributes: { customer_interests: strArray(['rugby', 'tennis']) }, expected: true },
      { attributes: { customer_interests: str('baseball') }, expected: false },
      { attributes: { customer_interests: strArray(['baseball']) }, expected: false },
      { attributes: { customer_interests: str('Rugby') }, expected: false, why: 'string matching is case-sensitive (filter policy constraints)' },
      { attributes: {}, expected: false, why: 'a policy key needs a message attribute of that name' },
      { attributes: { other: str('rugby') }, expected: false, why: 'the name matters, not just the value' },
      { attributes: { customer_interests: str('rugby'), store: str('x') }, expected: true, why: 'attributes the policy does not name are ignored' },
    ],
  },
  {
    name: 'several values of one attribute are OR',
    // https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html (OR logic)
    source: AND_OR,
    policy: { customer_interests: ['rugby', 'football', 'baseball'] },
    valid: true,
    matches: [
      { attributes: { customer_interests: str('football') }, expected: true },
      { attributes: { customer_interests: str('tennis') }, expected: false },
    ],
  },
  {
    name: 'several attributes are AND',
    // https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html (AND logic)
    source: AND_OR,
    policy: { customer_interests: ['rugby'], price_usd: [{ numeric: ['>', 100] }] },
    valid: true,
    matches: [
      { attributes: { customer_interests: str('rugby'), price_usd: num('101') }, expected: true },
      { attributes: { customer_interests: str('rugby'), price_usd: num('100') }, expected: false },
      { attributes: { customer_interests: str('football'), price_usd: num('101') }, expected: false },
      { attributes: { customer_interests: str('rugby') }, expected: false },
    ],
  },
  {
    name: 'the guide example policy that accepts the example message',
    // https://docs.aws.amazon.com/sns/latest/dg/example-filter-policies.html (A policy that accepts the example message)
    source: EXAMPLES,
    policy: {
      store: ['example_corp'],
      event: [{ 'anything-but': 'order_cancelled' }],
      customer_interests: ['rugby', 'football', 'baseball'],
      price_usd: [{ numeric: ['>=', 100] }],
    },
    valid: true,
    matches: [
      { attributes: EXAMPLE_MESSAGE, expected: true },
      { attributes: { ...EXAMPLE_MESSAGE, event: str('order_cancelled') }, expected: false },
    ],
  },
  {
    name: 'the guide example policy that rejects the example message',
    // https://docs.aws.amazon.com/sns/latest/dg/example-filter-policies.html (A policy that rejects the example message)
    source: EXAMPLES,
    policy: {
      store: ['example_corp'],
      event: ['order_cancelled'],
      encrypted: [false],
      customer_interests: ['basketball', 'baseball'],
    },
    valid: true,
    matches: [{ attributes: EXAMPLE_MESSAGE, expected: false, why: '"encrypted" is not an attribute of the message' }],
  },
  {
    name: 'an empty policy accepts every message',
    // https://docs.aws.amazon.com/sns/latest/dg/message-filtering-policy-remove.html: an empty JSON body removes filtering
    source: REMOVE,
    policy: {},
    valid: true,
    matches: [
      { attributes: {}, expected: true },
      { attributes: { anything: str('x') }, expected: true },
    ],
  },

  // ------------------------------------------------------------------------------------------------
  // String value matching: https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html
  {
    name: 'prefix',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (Prefix matching)
    source: STRINGS,
    policy: { customer_interests: [{ prefix: 'bas' }] },
    valid: true,
    matches: [
      { attributes: { customer_interests: str('baseball') }, expected: true },
      { attributes: { customer_interests: str('basketball') }, expected: true },
      { attributes: { customer_interests: str('rugby') }, expected: false },
      { attributes: { customer_interests: strArray(['rugby', 'basketball']) }, expected: true, why: 'each String.Array element is matched on its own' },
    ],
  },
  {
    name: 'suffix',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (Suffix matching)
    source: STRINGS,
    policy: { customer_interests: [{ suffix: 'ball' }] },
    valid: true,
    matches: [
      { attributes: { customer_interests: str('baseball') }, expected: true },
      { attributes: { customer_interests: str('basketball') }, expected: true },
      { attributes: { customer_interests: str('rugby') }, expected: false },
    ],
  },
  {
    name: 'equals-ignore-case',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (Equals-ignore-case matching); "tenis" from moto's test_filtering_equals_ignore_case
    source: STRINGS,
    policy: { customer_interests: [{ 'equals-ignore-case': 'tennis' }] },
    valid: true,
    matches: [
      { attributes: { customer_interests: str('TENNIS') }, expected: true },
      { attributes: { customer_interests: str('Tennis') }, expected: true },
      { attributes: { customer_interests: str('teNnis') }, expected: true },
      { attributes: { customer_interests: str('tenis') }, expected: false },
    ],
  },
  {
    name: 'anything-but a list of strings',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (Anything-but matching). The page also says
    // "For String.Array type attributes, it matches if none of the array elements are listed", but its own examples
    // deliver ["rugby", "baseball"]; the examples are followed (per-element matching, as for every other operator).
    source: STRINGS,
    policy: { customer_interests: [{ 'anything-but': ['rugby', 'tennis'] }] },
    valid: true,
    matches: [
      { attributes: { customer_interests: str('baseball') }, expected: true },
      { attributes: { customer_interests: str('football') }, expected: true },
      { attributes: { customer_interests: strArray(['rugby', 'baseball']) }, expected: true, why: 'it contains a value that is not rugby or tennis' },
      { attributes: { customer_interests: str('rugby') }, expected: false },
      { attributes: { customer_interests: strArray(['rugby']) }, expected: false },
      { attributes: {}, expected: false, why: 'anything-but needs the attribute; combine it with {"exists": false} to accept its absence' },
    ],
  },
  {
    name: 'anything-but a single string',
    // https://docs.aws.amazon.com/sns/latest/dg/example-filter-policies.html ("event": [{"anything-but": "order_cancelled"}])
    source: EXAMPLES,
    policy: { event: [{ 'anything-but': 'order_cancelled' }] },
    valid: true,
    matches: [
      { attributes: { event: str('order_placed') }, expected: true },
      { attributes: { event: str('order_cancelled') }, expected: false },
    ],
  },
  {
    name: 'anything-but combined with exists false',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html: "anything-but can be combined with "exists": false"
    source: STRINGS,
    policy: { customer_interests: [{ 'anything-but': ['rugby', 'tennis'] }, { exists: false }] },
    valid: true,
    matches: [
      { attributes: {}, expected: true },
      { attributes: { customer_interests: str('baseball') }, expected: true },
      { attributes: { customer_interests: str('rugby') }, expected: false },
    ],
  },
  {
    name: 'anything-but strings does not exclude numbers',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html; moto's test_filtering_anything_but_numeric_string
    // reports AWS delivering Number 100 to {"anything-but": ["100"]}: the string "100" is not the number 100.
    source: STRINGS,
    policy: { customer_interests: [{ 'anything-but': ['100'] }] },
    valid: true,
    matches: [
      { attributes: { customer_interests: num('50') }, expected: true },
      { attributes: { customer_interests: num('100') }, expected: true },
      { attributes: { customer_interests: str('100') }, expected: false },
    ],
  },
  {
    name: 'anything-but with a prefix',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (Using a prefix with anything-but)
    source: STRINGS,
    policy: { event: [{ 'anything-but': { prefix: 'order-' } }] },
    valid: true,
    matches: [
      { attributes: { event: str('data-entry') }, expected: true },
      { attributes: { event: str('order_number') }, expected: true },
      { attributes: { event: str('order-cancelled') }, expected: false },
      { attributes: {}, expected: false },
    ],
  },
  {
    name: 'anything-but with a suffix',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (anything-but suffix). localstack's snapshot of
    // May 2024 shows AWS refusing it then ("Unsupported anything-but pattern: suffix"); the guide documents it now.
    source: STRINGS,
    policy: { customer_interests: [{ 'anything-but': { suffix: 'ball' } }] },
    valid: true,
    matches: [
      { attributes: { customer_interests: strArray(['hockey', 'rugby', 'soccer']) }, expected: true },
      { attributes: { customer_interests: strArray(['baseball', 'basketball']) }, expected: false },
      { attributes: { customer_interests: str('rugby') }, expected: true },
      { attributes: { customer_interests: str('baseball') }, expected: false },
    ],
  },
  {
    name: 'anything-but with a wildcard',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (anything-but wildcard)
    source: STRINGS,
    policy: { customer_interests: [{ 'anything-but': { wildcard: '*ball' } }] },
    valid: true,
    matches: [
      { attributes: { customer_interests: strArray(['hockey', 'rugby', 'soccer']) }, expected: true },
      { attributes: { customer_interests: strArray(['baseball', 'basketball']) }, expected: false },
    ],
  },
  {
    name: 'wildcard',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (Wildcard)
    source: STRINGS,
    policy: { customer_interests: [{ wildcard: '*ball' }] },
    valid: true,
    matches: [
      { attributes: { customer_interests: strArray(['baseball', 'basketball']) }, expected: true },
      { attributes: { customer_interests: str('baseball') }, expected: true },
      { attributes: { customer_interests: str('rugby') }, expected: false },
      { attributes: { customer_interests: str('balls') }, expected: false },
    ],
  },
  {
    name: 'wildcard in the middle, and an escaped asterisk',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (Wildcard); "\*" is a literal asterisk as in
    // event-ruler's README ("a wildcard character can be escaped with a backslash").
    source: STRINGS,
    policy: { sku: [{ wildcard: 'order_*_v\\*' }] },
    valid: true,
    matches: [
      { attributes: { sku: str('order_placed_v*') }, expected: true },
      { attributes: { sku: str('order__v*') }, expected: true },
      { attributes: { sku: str('order_placed_v2') }, expected: false },
    ],
  },
  {
    name: 'IP address matching, IPv4',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (IP address matching); 10.0.0.256 from
    // localstack's AWS-validated test_filter_policy_ip_address_condition
    source: STRINGS,
    policy: { source_ip: [{ cidr: '10.0.0.0/24' }] },
    valid: true,
    matches: [
      { attributes: { source_ip: str('10.0.0.0') }, expected: true },
      { attributes: { source_ip: str('10.0.0.255') }, expected: true },
      { attributes: { source_ip: str('10.1.1.0') }, expected: false },
      { attributes: { source_ip: str('10.0.0.256') }, expected: false, why: 'not an IP address' },
      { attributes: { source_ip: str('localhost') }, expected: false },
    ],
  },
  {
    name: 'IP address matching, IPv6',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html ("IPv6" from localstack's AWS-validated
    // test_filter_policy_ip_address_condition)
    source: STRINGS,
    policy: { source_ip: [{ cidr: '2001:db8:1234:1a00::/64' }] },
    valid: true,
    matches: [
      { attributes: { source_ip: str('2001:0db8:1234:1a00:0000:0000:0000:0000') }, expected: true },
      { attributes: { source_ip: str('2001:db8:1234:1a00::1') }, expected: true },
      { attributes: { source_ip: str('2001:0db8:123f:1a01:0000:0000:0000:0000') }, expected: false },
      { attributes: { source_ip: str('10.0.0.1') }, expected: false },
    ],
  },
  {
    name: 'double quotes in attribute values are escaped twice in the policy',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html (attribute-based filtering:
    // double quotes and backslashes must be double-escaped, or the policy does not match)
    source: CONSTRAINTS,
    policy: { quote: ['say \\"hi\\"'] },
    valid: true,
    matches: [{ attributes: { quote: str('say "hi"') }, expected: true }],
  },
  {
    name: 'double quotes escaped once do not match',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html
    source: CONSTRAINTS,
    policy: { quote: ['say "hi"'] },
    valid: true,
    matches: [{ attributes: { quote: str('say "hi"') }, expected: false }],
  },
  {
    name: 'backslashes in attribute values are escaped twice in the policy',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html
    source: CONSTRAINTS,
    policy: { path: ['C:\\\\temp'] },
    valid: true,
    matches: [
      { attributes: { path: str('C:\\temp') }, expected: true },
      { attributes: { path: str('C:temp') }, expected: false },
    ],
  },

  // ------------------------------------------------------------------------------------------------
  // Numeric value matching: https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html
  {
    name: 'numeric equals',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html (Exact matching)
    source: NUMBERS,
    policy: { price_usd: [{ numeric: ['=', 301.5] }] },
    valid: true,
    matches: [
      { attributes: { price_usd: num('301.5') }, expected: true },
      { attributes: { price_usd: num('3.015e2') }, expected: true },
      { attributes: { price_usd: num('301.6') }, expected: false },
      { attributes: { price_usd: str('301.5') }, expected: false, why: 'numeric conditions compare Number attributes only' },
    ],
  },
  {
    name: 'a number value matches numerically',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html ("Numeric values aren't enclosed in double
    // quotation marks"); the String case from moto's test_filtering_exact_number_with_string_no_match
    source: NUMBERS,
    policy: { price: [100] },
    valid: true,
    matches: [
      { attributes: { price: num('100') }, expected: true },
      { attributes: { price: num('100.0') }, expected: true },
      { attributes: { price: num('1e2') }, expected: true },
      { attributes: { price: num('101') }, expected: false },
      { attributes: { price: str('100') }, expected: false, why: 'a string is not a number' },
    ],
  },
  {
    name: 'anything-but numbers',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html (Anything-but matching, incl. its
    // Number.Array example)
    source: NUMBERS,
    policy: { price: [{ 'anything-but': [100, 500] }] },
    valid: true,
    matches: [
      { attributes: { price: num('101') }, expected: true },
      { attributes: { price: num('100.1') }, expected: true },
      { attributes: { price: raw('Number.Array', '[100, 50]') }, expected: true, why: 'it contains a value that is not 100 or 500' },
      { attributes: { price: num('100') }, expected: false },
      { attributes: { price: num('5e2') }, expected: false },
      { attributes: { price: str('100') }, expected: true, why: 'the string "100" is not the number 100 (moto and localstack agree)' },
    ],
  },
  {
    name: 'numeric less than',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html (Value range matching: "matches negative numbers")
    source: NUMBERS,
    policy: { price_usd: [{ numeric: ['<', 0] }] },
    valid: true,
    matches: [
      { attributes: { price_usd: num('-1') }, expected: true },
      { attributes: { price_usd: num('-0.000001') }, expected: true },
      { attributes: { price_usd: num('0') }, expected: false },
      { attributes: { price_usd: num('5') }, expected: false },
    ],
  },
  {
    name: 'numeric range, open bottom and closed top',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html ("positive numbers up to and including 150")
    source: NUMBERS,
    policy: { price_usd: [{ numeric: ['>', 0, '<=', 150] }] },
    valid: true,
    matches: [
      { attributes: { price_usd: num('0') }, expected: false },
      { attributes: { price_usd: num('0.000001') }, expected: true },
      { attributes: { price_usd: num('150') }, expected: true },
      { attributes: { price_usd: num('150.000001') }, expected: false },
      { attributes: { price_usd: num('151') }, expected: false },
      { attributes: {}, expected: false },
    ],
  },
  {
    name: 'numeric range, closed bottom and open top',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html (Value range matching)
    source: NUMBERS,
    policy: { price_usd: [{ numeric: ['>=', 10, '<', 20] }] },
    valid: true,
    matches: [
      { attributes: { price_usd: num('10') }, expected: true },
      { attributes: { price_usd: num('19.999999') }, expected: true },
      { attributes: { price_usd: num('20') }, expected: false },
      { attributes: { price_usd: num('9.999999') }, expected: false },
    ],
  },
  {
    name: 'numeric greater than or equal',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html (operators <, <=, >, >=)
    source: NUMBERS,
    policy: { n: [{ numeric: ['>=', 10] }] },
    valid: true,
    matches: [
      { attributes: { n: num('10') }, expected: true },
      { attributes: { n: num('9.99999') }, expected: false },
    ],
  },
  {
    name: 'numeric greater than',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html
    source: NUMBERS,
    policy: { n: [{ numeric: ['>', 10] }] },
    valid: true,
    matches: [
      { attributes: { n: num('10.00001') }, expected: true },
      { attributes: { n: num('10') }, expected: false },
    ],
  },
  {
    name: 'numeric less than or equal',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html
    source: NUMBERS,
    policy: { n: [{ numeric: ['<=', 10] }] },
    valid: true,
    matches: [
      { attributes: { n: num('10') }, expected: true },
      { attributes: { n: num('10.00001') }, expected: false },
    ],
  },
  {
    name: 'numbers are accurate to five digits after the decimal point',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html ("five digits of accuracy
    // after the decimal point")
    source: CONSTRAINTS,
    policy: { n: [{ numeric: ['=', 1.00001] }] },
    valid: true,
    matches: [
      { attributes: { n: num('1.00001') }, expected: true },
      { attributes: { n: num('1.00002') }, expected: false },
    ],
  },
  {
    name: 'digits beyond the accuracy are not compared',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html; moto's
    // test_filtering_exact_number_float_accuracy reports AWS delivering 100.1234567 to [100.123456789]
    source: CONSTRAINTS,
    policy: { price: [100.123456789] },
    valid: true,
    matches: [
      { attributes: { price: num('100.1234567') }, expected: true },
      { attributes: { price: strArray([100.1234567, 50]) }, expected: true },
    ],
  },
  {
    name: 'numbers from -10^9 to 10^9',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html ("the value can range from
    // -10^9 to 10^9")
    source: CONSTRAINTS,
    policy: { n: [{ numeric: ['>=', -1000000000, '<=', 1000000000] }] },
    valid: true,
    matches: [
      { attributes: { n: num('1000000000') }, expected: true },
      { attributes: { n: num('-1000000000') }, expected: true },
      { attributes: { n: num('1000000001') }, expected: false },
    ],
  },
  {
    name: 'numbers inside a String.Array',
    // https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html (String.Array "can contain multiple values
    // ... strings, numbers, or the keywords true, false, and null"); moto's test_filtering_string_array_with_number_*
    source: ATTRIBUTES,
    policy: { price: [100, 500] },
    valid: true,
    matches: [
      { attributes: { price: strArray([100, 50]) }, expected: true },
      { attributes: { price: strArray([1, 2]) }, expected: false },
      { attributes: { price: strArray(['100']) }, expected: false, why: 'the element is a string' },
      { attributes: { price: raw('String.Array', '100') }, expected: true, why: 'moto: "this is the correct behavior from SNS"' },
      { attributes: { price: raw('String.Array', 'one hundred') }, expected: false },
    ],
  },
  {
    name: 'numeric conditions on String.Array numbers',
    // https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html; https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html
    source: NUMBERS,
    policy: { price: [{ numeric: ['>', 100] }] },
    valid: true,
    matches: [
      { attributes: { price: strArray([50, 150]) }, expected: true },
      { attributes: { price: strArray([50]) }, expected: false },
      { attributes: { price: strArray(['150']) }, expected: false },
    ],
  },

  // ------------------------------------------------------------------------------------------------
  // true, false and null: https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html ("the
  // keywords true, false, and null, without quotation marks")
  {
    name: 'a boolean matches a boolean, never the string',
    // https://docs.aws.amazon.com/sns/latest/dg/example-filter-policies.html ("encrypted": [false]);
    // https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html (String.Array holds true and false)
    source: EXAMPLES,
    policy: { encrypted: [false] },
    valid: true,
    matches: [
      { attributes: { encrypted: str('false') }, expected: false },
      { attributes: { encrypted: strArray([false]) }, expected: true },
      { attributes: { encrypted: strArray(['false']) }, expected: false },
      { attributes: {}, expected: false },
    ],
  },
  {
    name: 'null matches null, not an absent attribute',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html; absence from localstack's
    // AWS-validated test_filter_policy ({"attr1": [null, {"anything-but": "whatever"}]} is not delivered without attr1)
    source: CONSTRAINTS,
    policy: { attr1: [null, { 'anything-but': 'whatever' }] },
    valid: true,
    matches: [
      { attributes: {}, expected: false },
      { attributes: { attr1: strArray([null]) }, expected: true },
      { attributes: { attr1: str('x') }, expected: true },
      { attributes: { attr1: str('whatever') }, expected: false },
    ],
  },

  // ------------------------------------------------------------------------------------------------
  // Key matching: https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html
  {
    name: 'exists true',
    // https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html; Number from localstack's AWS-validated
    // test_exists_filter_policy; Binary from filter policy constraints ("ignores message attributes with the Binary data type")
    source: KEYS,
    policy: { store: [{ exists: true }] },
    valid: true,
    matches: [
      { attributes: { store: str('fans'), customer_interests: strArray(['baseball', 'basketball']) }, expected: true },
      { attributes: { store: num('99') }, expected: true },
      { attributes: { customer_interests: strArray(['baseball', 'basketball']) }, expected: false },
      { attributes: { store: binary }, expected: false, why: 'Binary attributes are ignored' },
    ],
  },
  {
    name: 'exists false',
    // https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html
    source: KEYS,
    policy: { store: [{ exists: false }] },
    valid: true,
    matches: [
      { attributes: { store: str('fans'), customer_interests: strArray(['baseball', 'basketball']) }, expected: false },
      { attributes: { customer_interests: strArray(['baseball', 'basketball']) }, expected: true },
      { attributes: {}, expected: true },
      { attributes: { store: binary }, expected: true, why: 'Binary attributes are ignored' },
    ],
  },
  {
    name: 'Binary attributes are ignored',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html ("Amazon SNS ignores message
    // attributes with the Binary data type")
    source: CONSTRAINTS,
    policy: { store: ['fans'] },
    valid: true,
    matches: [
      { attributes: { store: binary }, expected: false },
      { attributes: { store: str('fans') }, expected: true },
    ],
  },

  // ------------------------------------------------------------------------------------------------
  // The $or operator: https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html (OR operator)
  {
    name: '$or across attributes',
    // https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html (Standard OR: "source" && ("metricName" || "namespace"))
    source: AND_OR,
    policy: { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] },
    valid: true,
    matches: [
      { attributes: { source: str('aws.cloudwatch'), metricName: str('CPUUtilization') }, expected: true },
      { attributes: { source: str('aws.cloudwatch'), namespace: str('AWS/EC2') }, expected: true },
      { attributes: { source: str('aws.cloudwatch') }, expected: false },
      { attributes: { metricName: str('CPUUtilization') }, expected: false, why: '"source" is still required' },
      { attributes: { source: str('aws.cloudwatch'), metricName: str('ReadLatency') }, expected: false },
    ],
  },
  {
    name: '$or nested in $or',
    // https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html (Policy constraints that include OR relationships)
    source: AND_OR,
    policy: {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency'] },
        { metricType: ['MetricType'], $or: [{ metricId: [1234, 4321] }, { spaceId: [1000, 2000, 3000] }] },
      ],
    },
    valid: true,
    matches: [
      { attributes: { source: str('aws.cloudwatch'), metricName: str('ReadLatency') }, expected: true },
      { attributes: { source: str('aws.cloudwatch'), metricType: str('MetricType'), metricId: num('4321') }, expected: true },
      { attributes: { source: str('aws.cloudwatch'), metricType: str('MetricType'), spaceId: num('3000') }, expected: true },
      { attributes: { source: str('aws.cloudwatch'), metricType: str('MetricType') }, expected: false },
      { attributes: { source: str('aws.cloudwatch'), metricType: str('MetricType'), metricId: str('1234') }, expected: false, why: 'metricId values are numbers' },
      { attributes: { metricType: str('MetricType'), spaceId: num('1000') }, expected: false },
    ],
  },
  {
    name: '$or with fewer than two objects is an attribute name',
    // https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html ("There are at least 2 objects in the "$or" array ...
    // Otherwise "$or" is treated as a normal attribute name")
    source: AND_OR,
    policy: { $or: [{ prefix: 'abc' }] },
    valid: true,
    matches: [
      { attributes: { source: str('abc') }, expected: false },
      { attributes: { $or: str('abcd') }, expected: true, why: 'an attribute named "$or" (SNS attribute names cannot contain "$")' },
    ],
  },
  {
    name: '$or whose objects use reserved keywords is an attribute name (and this one is invalid)',
    // https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html ("The following policy isn't parsed as an OR
    // relationship because numeric and prefix are reserved keywords"); as conditions, numeric needs an array.
    source: AND_OR,
    policy: { $or: [{ numeric: 123 }, { prefix: 'abc' }] },
    valid: false,
    problem: /^filterPolicy\.\$or\[0\]\.numeric: numeric takes an array/,
  },
  {
    name: '$or with one policy is not an OR',
    // https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html (at least 2 objects); AWS then refuses the object as a
    // condition ("Unrecognized match type")
    source: AND_OR,
    policy: { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }] },
    valid: false,
    problem: /^filterPolicy\.\$or: is not read as OR: .*at least two objects.*this one has 1 alternative/,
  },
  {
    name: 'an invalid condition inside $or names its place',
    // https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html; the numeric error is AWS's answer to
    // {"numeric": ["<", "100"]} ("Value of < must be numeric", moto's test_subscribe_invalid_filter_policy)
    source: AND_OR,
    policy: { $or: [{ metricName: ['CPUUtilization'] }, { price: [{ numeric: ['<', '100'] }] }] },
    valid: false,
    problem: /^filterPolicy\.\$or\[1\]\.price\[0\]\.numeric\[1\]: the value of < must be a number, got "100": write 100 without quotes$/,
  },
  {
    name: 'an empty object inside $or',
    // https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html; event-ruler: "Empty objects are not allowed"
    source: AND_OR,
    policy: { $or: [{ a: ['x'] }, {}] },
    valid: false,
    problem: /^filterPolicy\.\$or\[1\]: is an empty object/,
  },

  // ------------------------------------------------------------------------------------------------
  // Limits: https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html
  {
    name: 'five keys',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html ("a maximum of five keys")
    source: CONSTRAINTS,
    policy: { a: ['1'], b: ['2'], c: ['3'], d: ['4'], e: ['5'] },
    valid: true,
    matches: [
      { attributes: { a: str('1'), b: str('2'), c: str('3'), d: str('4'), e: str('5') }, expected: true },
      { attributes: { a: str('1'), b: str('2'), c: str('3'), d: str('4') }, expected: false },
    ],
  },
  {
    name: 'six keys',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html; AWS: "Filter policy can not
    // have more than 5 keys" (localstack snapshot error-complexity-too-many-fields)
    source: CONSTRAINTS,
    policy: { key1: ['value1'], key2: ['value2'], key3: ['value3'], key4: ['value4'], key5: ['value5'], key6: ['value6'] },
    valid: false,
    problem: /^filterPolicy: uses 6 message attributes \(key1, key2, key3, key4, key5, key6\), but SNS allows at most 5 keys/,
  },
  {
    name: 'six keys counting those inside $or',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html ("attribute-based filtering
    // ... all keys are counted"). The guide does not say how $or counts; every attribute name counts once.
    source: CONSTRAINTS,
    policy: { a: ['1'], b: ['2'], c: ['3'], d: ['4'], $or: [{ e: ['5'] }, { f: ['6'] }] },
    valid: false,
    problem: /^filterPolicy: uses 6 message attributes \(a, b, c, d, e, f\)/,
  },
  {
    name: 'the guide combination example, 3 x 1 x 2 = 6',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html (Filter policy complexity)
    source: CONSTRAINTS,
    policy: { key_a: ['value_one', 'value_two', 'value_three'], key_b: ['value_one'], key_c: ['value_one', 'value_two'] },
    valid: true,
    matches: [{ attributes: { key_a: str('value_three'), key_b: str('value_one'), key_c: str('value_two') }, expected: true }],
  },
  {
    name: '150 combinations',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html ("must not exceed 150")
    source: CONSTRAINTS,
    policy: { a: valuesFrom('a', 10), b: valuesFrom('b', 5), c: valuesFrom('c', 3) },
    valid: true,
    matches: [{ attributes: { a: str('a9'), b: str('b4'), c: str('c2') }, expected: true }],
  },
  {
    name: '151 values of one key',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html; AWS: "Filter policy is too
    // complex" (localstack snapshot error-complexity-in-one-condition)
    source: CONSTRAINTS,
    policy: { key: valuesFrom('value', 151) },
    valid: false,
    problem: /^filterPolicy: has 151 combinations of values, more than SNS's limit of 150/,
  },
  {
    name: '100 x 51 combinations',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html (localstack snapshot
    // error-complexity-in-two-conditions)
    source: CONSTRAINTS,
    policy: { key1: valuesFrom('value', 100), key2: valuesFrom('value', 51) },
    valid: false,
    problem: /^filterPolicy: has 5100 combinations/,
  },
  {
    name: '$or combinations add up: 152',
    // https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html ("the sum of the combination complexities for each OR
    // statement"); AWS refuses (4 x 6) + (4 x 4 x 4) + (4 x 4 x 4) (localstack snapshot error-complexity-or-flat)
    source: AND_OR,
    policy: {
      source: ['aws.cloudwatch', 'aws.events', 'aws.test', 'aws.test2'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency', 't1', 't2', 't3', 't4'] },
        {
          metricType: ['MetricType', 'TestType', 'TestType2', 'TestType3'],
          $or: [{ metricId: [1234, 4321, 5678, 9012] }, { spaceId: [1, 2, 3, 4] }],
        },
      ],
    },
    valid: false,
    problem: /^filterPolicy: has 152 combinations/,
  },
  {
    name: '$or combinations add up: 150',
    // https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html; AWS accepts (3 x 6) + (3 x 4 x 4) + (3 x 4 x 7)
    // (localstack's AWS-validated test_policy_complexity_with_or)
    source: AND_OR,
    policy: {
      source: ['aws.cloudwatch', 'aws.events', 'aws.test'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency', 'TestVal', 'TestVal2', 'TestVal3', 'TestVal4'] },
        {
          metricType: ['MetricType', 'TestType', 'TestType2', 'TestType3'],
          $or: [{ metricId: [1234, 4321, 5678, 9012] }, { spaceId: [1, 2, 3, 4, 5, 6, 7] }],
        },
      ],
    },
    valid: true,
    matches: [
      { attributes: { source: str('aws.test'), metricType: str('TestType3'), spaceId: num('7') }, expected: true },
      { attributes: { source: str('aws.test'), metricType: str('TestType3'), spaceId: num('8') }, expected: false },
    ],
  },
  {
    name: 'a policy of 256 KB or less',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html ("The maximum size of a filter
    // policy is 256 KB")
    source: CONSTRAINTS,
    policy: { key: ['x'.repeat(250_000)] },
    valid: true,
    matches: [{ attributes: { key: str('x'.repeat(250_000)) }, expected: true }],
  },
  {
    name: 'a policy over 256 KB',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html
    source: CONSTRAINTS,
    policy: { key: ['x'.repeat(256 * 1024)] },
    valid: false,
    problem: /^filterPolicy: is 262156 bytes of JSON, more than SNS's limit of 262144 \(256 KB\)/,
  },
  {
    name: 'a nested policy',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html ("Amazon SNS doesn't accept a
    // nested filter policy for attribute-based filtering"; AWS: "Filter policy scope MessageAttributes does not support
    // nested filter policy", localstack snapshot sub-filter-policy-nested-error)
    source: CONSTRAINTS,
    policy: { object: { key: [{ prefix: 'auto-' }] } },
    valid: false,
    problem: /^filterPolicy\.object: is an object, but a policy with filter policy scope MessageAttributes cannot nest/,
  },

  // ------------------------------------------------------------------------------------------------
  // What SNS refuses when the policy is set. The texts AWS answered are in localstack's snapshot
  // (test_validate_policy*, recorded 2024) and moto's test_subscribe_invalid_filter_policy.
  {
    name: 'a policy that is an array',
    // https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering.html ("A filter policy is a JSON object")
    source: FILTERING,
    policy: [{ key: ['value'] }],
    valid: false,
    problem: /^filterPolicy: a filter policy is a JSON object/,
  },
  {
    name: 'a policy that is null',
    // https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering.html
    source: FILTERING,
    policy: null,
    valid: false,
    problem: /^filterPolicy: a filter policy is a JSON object .*, got null$/,
  },
  {
    name: 'an attribute given a string instead of an array',
    // https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html (a list of values for each name);
    // AWS: "\"key_a\" must be an object or an array" (localstack snapshot sub-filter-policy-rule-no-list)
    source: POLICIES,
    policy: { key_a: 'value_one' },
    valid: false,
    problem: /^filterPolicy\.key_a: must be an array of conditions, e\.g\. \["value"\], got "value_one"$/,
  },
  {
    name: 'an operator object instead of an array',
    // https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html (localstack snapshot
    // error-condition-is-not-list-and-operator: AWS reads it as nesting)
    source: POLICIES,
    policy: { key: { suffix: 'value' } },
    valid: false,
    problem: /^filterPolicy\.key: is an object, but a policy with filter policy scope MessageAttributes cannot nest/,
  },
  {
    name: 'an empty array',
    // https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html; AWS: "Empty arrays are not allowed"
    source: POLICIES,
    policy: { key: [] },
    valid: false,
    problem: /^filterPolicy\.key: is an empty array/,
  },
  {
    name: 'an array inside the array of conditions',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html (strings, numbers, true, false,
    // null); AWS: "Match value must be String, number, true, false, or null"
    source: CONSTRAINTS,
    policy: { key: [['value']] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]: \["value"\] is an array, but a condition is a string, a number, true, false, null or an operator object/,
  },
  {
    name: 'an unknown operator',
    // https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html (the supported operators); AWS:
    // "Unrecognized match type wrong-operator"
    source: POLICIES,
    policy: { key: [{ 'wrong-operator': true }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]: "wrong-operator" is not an SNS filter operator: use one of prefix, suffix/,
  },
  {
    name: 'two operators in one object',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html; AWS: "Only one key allowed in match expression"
    source: STRINGS,
    policy: { key: [{ suffix: 'value', prefix: 'value2' }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]: an operator object takes exactly one key, this one has suffix, prefix/,
  },
  {
    name: 'an operator object without an operator',
    // https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html; event-ruler: "Match expression name not found"
    source: POLICIES,
    policy: { key: [{}] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]: \{\} names no operator/,
  },
  {
    name: 'suffix with a number',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html; AWS: "suffix match pattern must be a string"
    source: STRINGS,
    policy: { key: [{ suffix: 100 }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.suffix: suffix takes a string, got 100$/,
  },
  {
    name: 'suffix with null',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (localstack snapshot error-condition-is-none)
    source: STRINGS,
    policy: { key: [{ suffix: null }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.suffix: suffix takes a string, got null$/,
  },
  {
    name: 'suffix with a list',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (localstack snapshot error-condition-list-wrong-type)
    source: STRINGS,
    policy: { key: [{ suffix: ['test', 'test2'] }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.suffix: suffix takes a string/,
  },
  {
    name: 'prefix with a number',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (Prefix matching)
    source: STRINGS,
    policy: { key: [{ prefix: 5 }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.prefix: prefix takes a string, got 5$/,
  },
  {
    name: 'equals-ignore-case with a boolean',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (Equals-ignore-case matching)
    source: STRINGS,
    policy: { key: [{ 'equals-ignore-case': true }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.equals-ignore-case: equals-ignore-case takes a string, got true$/,
  },
  {
    name: 'wildcard with consecutive asterisks',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (Wildcard); event-ruler: "Consecutive wildcard characters"
    source: STRINGS,
    policy: { key: [{ wildcard: 'a**b' }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.wildcard: "a\*\*b" has consecutive wildcard characters at position 1$/,
  },
  {
    name: 'wildcard with an invalid escape',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (Wildcard); event-ruler: "Invalid escape character"
    source: STRINGS,
    policy: { key: [{ wildcard: 'a\\b*' }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.wildcard: .* has an invalid escape at position 1/,
  },
  {
    name: 'exists with null',
    // https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html; AWS: "exists match pattern must be either true or false."
    source: KEYS,
    policy: { key: [{ exists: null }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.exists: exists takes true or false, got null$/,
  },
  {
    name: 'exists with a string',
    // https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html (localstack snapshot error-condition-string)
    source: KEYS,
    policy: { key: [{ exists: 'no' }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.exists: exists takes true or false, got "no"$/,
  },
  {
    name: 'numeric that is not an array',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html; event-ruler: "Value of numeric must be an array."
    source: NUMBERS,
    policy: { key: [{ numeric: '>' }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.numeric: numeric takes an array/,
  },
  {
    name: 'numeric empty',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html; AWS: "Invalid member in numeric match: ]"
    source: NUMBERS,
    policy: { key: [{ numeric: [] }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.numeric: is empty/,
  },
  {
    name: 'numeric with an unknown operator',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html; AWS: "Unrecognized numeric range operator: operator"
    source: NUMBERS,
    policy: { key: [{ numeric: ['operator'] }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.numeric\[0\]: "operator" is not a numeric operator/,
  },
  {
    name: 'numeric starting with a number',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html; AWS: "Invalid member in numeric match: 1"
    source: NUMBERS,
    policy: { key: [{ numeric: [1, '<='] }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.numeric\[0\]: 1 is not an operator/,
  },
  {
    name: 'numeric with a quoted number',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html ("Numeric values aren't enclosed in double
    // quotation marks"); AWS: "Value of equals must be numeric"
    source: NUMBERS,
    policy: { key: [{ numeric: ['=', '000'] }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.numeric\[1\]: the value of = must be a number, got "000"$/,
  },
  {
    name: 'numeric without its number',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html; AWS: "Value of >= must be numeric"
    source: NUMBERS,
    policy: { key: [{ numeric: ['>='] }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.numeric\[1\]: ">=" needs a number after it$/,
  },
  {
    name: 'numeric range opened by <',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html; AWS: "Too many elements in numeric expression"
    source: NUMBERS,
    policy: { key: [{ numeric: ['<', 100, '>', 10] }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.numeric\[2\]: too many elements/,
  },
  {
    name: 'numeric range closed by >',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html; AWS: "Bad numeric range operator: >"
    source: NUMBERS,
    policy: { key: [{ numeric: ['>=', 1, '>', 2] }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.numeric\[2\]: ">" cannot close a range/,
  },
  {
    name: 'numeric range with its bottom above its top',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html; AWS: "Bottom must be less than top"
    source: NUMBERS,
    policy: { key: [{ numeric: ['>', 3, '<', 1] }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.numeric: the range is empty: its bottom 3 must be less than its top 1$/,
  },
  {
    name: 'numeric range with equal bounds',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html; event-ruler refuses top <= bottom
    source: NUMBERS,
    policy: { key: [{ numeric: ['>=', 5, '<=', 5] }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.numeric: the range is empty/,
  },
  {
    name: 'numeric range without its top',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html; AWS: "Value of <= must be numeric"
    source: NUMBERS,
    policy: { key: [{ numeric: ['>', 20, '<='] }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.numeric\[3\]: "<=" needs a number after it$/,
  },
  {
    name: 'numeric range without its second operator',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html; AWS: "Bad value in numeric range: 30"
    source: NUMBERS,
    policy: { key: [{ numeric: ['>', 20, 30] }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.numeric\[2\]: 30 is not an operator: a range closes with "<" or "<="$/,
  },
  {
    name: 'numeric range with a word for its second operator',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html; AWS: "Bad numeric range operator: test"
    source: NUMBERS,
    policy: { key: [{ numeric: ['>', 20, 'test'] }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.numeric\[2\]: "test" cannot close a range/,
  },
  {
    name: 'numeric range with a quoted bottom',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html; AWS: "Value of > must be numeric"
    source: NUMBERS,
    policy: { key: [{ numeric: ['>', '20', '<', '30'] }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.numeric\[1\]: the value of > must be a number, got "20": write 20 without quotes$/,
  },
  {
    name: 'numeric range with a quoted top',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html; AWS: "Value of < must be numeric"
    source: NUMBERS,
    policy: { key: [{ numeric: ['>', 20, '<', '30'] }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.numeric\[3\]: the value of < must be a number, got "30"/,
  },
  {
    name: 'numeric range with a third bound',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html; AWS: "Too many terms in numeric range expression"
    source: NUMBERS,
    policy: { key: [{ numeric: ['>', 20, '<', 30, '<', 50] }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.numeric\[4\]: too many elements: a range is/,
  },
  {
    name: 'a number above 10^9',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html ("from -10^9 to 10^9"); moto's
    // test_subscribe_invalid_filter_policy: AWS answers [1000000001] with an internal error
    source: CONSTRAINTS,
    policy: { store: [1000000001] },
    valid: false,
    problem: /^filterPolicy\.store\[0\]: 1000000001 is outside the range SNS supports for numbers in a filter policy \(-1000000000 to 1000000000\)$/,
  },
  {
    name: 'a numeric bound below -10^9',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html
    source: CONSTRAINTS,
    policy: { n: [{ numeric: ['>', -1000000001] }] },
    valid: false,
    problem: /^filterPolicy\.n\[0\]\.numeric\[1\]: -1000000001 is outside the range/,
  },
  {
    name: 'anything-but a number above 10^9',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html
    source: CONSTRAINTS,
    policy: { n: [{ 'anything-but': [2000000000] }] },
    valid: false,
    problem: /^filterPolicy\.n\[0\]\.anything-but\[0\]: 2000000000 is outside the range/,
  },
  {
    name: 'anything-but with an unknown operator',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html; AWS: "Unsupported anything-but pattern: wrong-operator"
    source: STRINGS,
    policy: { key: [{ 'anything-but': { 'wrong-operator': null } }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.anything-but: \{"wrong-operator":null\} is not supported inside anything-but/,
  },
  {
    name: 'anything-but exists',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html; AWS: "Unsupported anything-but pattern: exists"
    source: STRINGS,
    policy: { key: [{ 'anything-but': { exists: false } }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.anything-but: .* is not supported inside anything-but/,
  },
  {
    name: 'anything-but equals-ignore-case, which SNS does not document',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html documents anything-but with prefix, suffix and
    // wildcard only (event-ruler supports equals-ignore-case too)
    source: STRINGS,
    policy: { key: [{ 'anything-but': { 'equals-ignore-case': 'x' } }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.anything-but: .* is not supported inside anything-but: use exactly one of prefix, suffix or wildcard$/,
  },
  {
    name: 'anything-but prefix with a boolean',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html; AWS: "prefix match pattern must be a string"
    source: STRINGS,
    policy: { key: [{ 'anything-but': { prefix: false } }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.anything-but\.prefix: prefix takes a string, got false$/,
  },
  {
    name: 'anything-but an empty prefix',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html; event-ruler: "Null prefix/suffix not allowed"
    source: STRINGS,
    policy: { key: [{ 'anything-but': { prefix: '' } }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.anything-but\.prefix: an empty prefix inside anything-but/,
  },
  {
    name: 'anything-but an empty list',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html; event-ruler refuses a list with no string or number
    source: STRINGS,
    policy: { key: [{ 'anything-but': [] }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.anything-but: is an empty array/,
  },
  {
    name: 'anything-but a boolean',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html; event-ruler: "Inside anything but list,
    // start|null|boolean is not supported."
    source: STRINGS,
    policy: { key: [{ 'anything-but': [true] }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.anything-but\[0\]: true cannot be excluded: an anything-but list holds only strings or only numbers$/,
  },
  {
    name: 'anything-but null',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html
    source: STRINGS,
    policy: { key: [{ 'anything-but': null }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.anything-but: anything-but takes a string, a number, an array of strings or of numbers/,
  },
  {
    name: 'anything-but a mix of strings and numbers',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html; event-ruler: "either all values are number or
    // string, mixed type is not supported"
    source: NUMBERS,
    policy: { key: [{ 'anything-but': ['a', 1] }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.anything-but: mixes strings and numbers/,
  },
  {
    name: 'cidr with a list',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (IP address matching); AWS answered
    // "prefix match pattern must be a string" (localstack snapshot error-condition-bad-type)
    source: STRINGS,
    policy: { key: [{ cidr: ['bad-filter'] }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.cidr: cidr takes a string such as "10\.0\.0\.0\/24"/,
  },
  {
    name: 'cidr without a slash',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html; AWS: "Malformed CIDR, one '/' required"
    source: STRINGS,
    policy: { key: [{ cidr: 'bad-filter' }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.cidr: "bad-filter" is a malformed CIDR: one '\/' is required/,
  },
  {
    name: 'cidr with a word for an address',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html; AWS: "Nonstandard IP address: bad-filter"
    source: STRINGS,
    policy: { key: [{ cidr: 'bad-filter/64' }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.cidr: "bad-filter\/64": "bad-filter" is not a standard IPv4 or IPv6 address$/,
  },
  {
    name: 'cidr with a word for mask bits',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html; AWS: "Malformed CIDR, mask bits must be an integer"
    source: STRINGS,
    policy: { key: [{ cidr: 'bad-/64filter' }] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]\.cidr: "bad-\/64filter" is a malformed CIDR: the mask bits must be an integer$/,
  },
  {
    name: 'cidr with a malformed IPv4 address',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html; AWS: "Nonstandard IP address: xx.11.xx"
    source: STRINGS,
    policy: { key: [{ cidr: 'xx.11.xx/8' }] },
    valid: false,
    problem: /"xx\.11\.xx" is not a standard IPv4 or IPv6 address/,
  },
  {
    name: 'cidr with a malformed IPv6 address',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html; AWS: "Nonstandard IP address: xxxx:db8:1234:1a00::"
    source: STRINGS,
    policy: { key: [{ cidr: 'xxxx:db8:1234:1a00::/64' }] },
    valid: false,
    problem: /"xxxx:db8:1234:1a00::" is not a standard IPv4 or IPv6 address/,
  },
  {
    name: 'a condition that is not JSON',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html (the JSON of the filter policy
    // contains strings, numbers, true, false and null): undefined would vanish from the JSON SNS receives
    source: CONSTRAINTS,
    policy: { key: [undefined] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]: undefined is not a JSON value$/,
  },
  {
    name: 'NaN',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html (numbers): JSON has no NaN
    source: CONSTRAINTS,
    policy: { key: [Number.NaN] },
    valid: false,
    problem: /^filterPolicy\.key\[0\]: NaN is not a JSON number$/,
  },
];

/** checkFilterPolicyAgainstAttributes against what the outbox publishes (lib/schema.ts OUTBOX_MESSAGE_ATTRIBUTES). */
export const PUBLISHER_CHECK_CASES: readonly PublisherCheckCase[] = [
  {
    name: 'the default bot policy',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (Exact matching)
    source: STRINGS,
    policy: { messageType: ['user'], isHumanOverride: ['false'] },
    ok: true,
  },
  {
    name: 'every message type',
    // https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html (OR logic)
    source: AND_OR,
    policy: { messageType: ['user', 'agent'] },
    ok: true,
  },
  {
    name: 'a prefix on an attribute with any value',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (Prefix matching)
    source: STRINGS,
    policy: { threadId: [{ prefix: 'vip-' }] },
    ok: true,
  },
  {
    name: 'anything-but one of the published values',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (Anything-but matching)
    source: STRINGS,
    policy: { isHumanOverride: [{ 'anything-but': 'true' }] },
    ok: true,
  },
  {
    name: 'equals-ignore-case of a published value',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (Equals-ignore-case matching)
    source: STRINGS,
    policy: { messageType: [{ 'equals-ignore-case': 'USER' }] },
    ok: true,
  },
  {
    name: '$or over published attributes',
    // https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html (OR operator)
    source: AND_OR,
    policy: { $or: [{ messageType: ['user'] }, { isHumanOverride: ['true'] }] },
    ok: true,
  },
  {
    name: 'exists true on a published attribute',
    // https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html
    source: KEYS,
    policy: { threadId: [{ exists: true }] },
    ok: true,
  },
  {
    name: 'exists false on an attribute that is never published',
    // https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html: always true, so not a dead key
    source: KEYS,
    policy: { priority: [{ exists: false }], messageType: ['user'] },
    ok: true,
  },
  {
    name: 'the empty policy',
    // https://docs.aws.amazon.com/sns/latest/dg/message-filtering-policy-remove.html
    source: REMOVE,
    policy: {},
    ok: true,
  },
  {
    name: 'a boolean for a string attribute',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (strings are quoted);
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html (true and false are keywords)
    source: CONSTRAINTS,
    policy: { isHumanOverride: [false] },
    ok: false,
    problem: /^filterPolicy\.isHumanOverride\[0\]: false is a boolean, but the outbox sends message attribute values as strings: write 'false'$/,
  },
  {
    name: 'a key that is never published',
    // https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html (each policy name must be a message attribute)
    source: POLICIES,
    policy: { foo: ['x'] },
    ok: false,
    problem: /^filterPolicy\.foo: the outbox sends only the message attributes threadId, messageType, isHumanOverride, so this key never matches$/,
  },
  {
    name: 'a value that is never published',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (Exact matching)
    source: STRINGS,
    policy: { messageType: ['bot'] },
    ok: false,
    problem: /^filterPolicy\.messageType\[0\]: "bot" never matches: the outbox sends messageType as 'user' or 'agent'$/,
  },
  {
    name: 'a value never published next to one that is',
    // https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html (OR logic): the dead alternative is still a mistake
    source: AND_OR,
    policy: { messageType: ['user', 'bot'] },
    ok: false,
    problem: /^filterPolicy\.messageType\[1\]: "bot" never matches/,
  },
  {
    name: 'a number for a string attribute',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html (numbers match Number attributes)
    source: NUMBERS,
    policy: { isHumanOverride: [1] },
    ok: false,
    problem: /^filterPolicy\.isHumanOverride\[0\]: 1 is a number, but the outbox sends message attribute values as strings, and isHumanOverride only as 'true' or 'false'$/,
  },
  {
    name: 'a numeric condition on a string attribute',
    // https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html
    source: NUMBERS,
    policy: { threadId: [{ numeric: ['>', 0] }] },
    ok: false,
    problem: /^filterPolicy\.threadId\[0\]: \{"numeric":\[">",0\]\} never matches: SNS compares numbers only with Number attributes/,
  },
  {
    name: 'null for a string attribute',
    // https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html (null is a keyword)
    source: CONSTRAINTS,
    policy: { threadId: [null] },
    ok: false,
    problem: /^filterPolicy\.threadId\[0\]: null never matches/,
  },
  {
    name: 'exists false on an attribute sent with every message',
    // https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html
    source: KEYS,
    policy: { isHumanOverride: [{ exists: false }] },
    ok: false,
    problem: /^filterPolicy\.isHumanOverride\[0\]: \{"exists":false\} never matches: the outbox sends isHumanOverride with every message$/,
  },
  {
    name: 'anything-but every published value',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (Anything-but matching)
    source: STRINGS,
    policy: { isHumanOverride: [{ 'anything-but': ['true', 'false'] }] },
    ok: false,
    problem: /^filterPolicy\.isHumanOverride\[0\]: .* never matches: it excludes every value the outbox sends \(isHumanOverride as 'true' or 'false'\)$/,
  },
  {
    name: 'anything-but the wildcard that matches every string',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (anything-but wildcard)
    source: STRINGS,
    policy: { threadId: [{ 'anything-but': { wildcard: '*' } }] },
    ok: false,
    problem: /^filterPolicy\.threadId\[0\]: .* it excludes every value the outbox sends \(threadId as any string\)$/,
  },
  {
    name: 'a prefix no published value has',
    // https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html (Prefix matching)
    source: STRINGS,
    policy: { messageType: [{ prefix: 'bot' }] },
    ok: false,
    problem: /^filterPolicy\.messageType\[0\]: \{"prefix":"bot"\} never matches: the outbox sends messageType as 'user' or 'agent'$/,
  },
  {
    name: 'a key never published inside $or',
    // https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html (OR operator)
    source: AND_OR,
    policy: { $or: [{ messageType: ['user'] }, { foo: ['x'] }] },
    ok: false,
    problem: /^filterPolicy\.\$or\[1\]\.foo: the outbox sends only the message attributes/,
  },
  {
    name: '$or read as an attribute name',
    // https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html ("Otherwise "$or" is treated as a normal attribute name")
    source: AND_OR,
    policy: { $or: [{ prefix: 'a' }] },
    ok: false,
    problem: /^filterPolicy\.\$or: the outbox sends only .* so this key never matches \(SNS reads "\$or" as OR only when/,
  },
  {
    name: 'a policy SNS refuses',
    // https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html; AWS: "Empty arrays are not allowed"
    source: POLICIES,
    policy: { messageType: [] },
    ok: false,
    problem: /^filterPolicy\.messageType: is an empty array/,
  },
];
