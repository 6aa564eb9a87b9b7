/**
 * lib/sns-filter-policy.ts against the tables of __tests__/support/sns-filter-policy-cases.ts (what SNS accepts,
 * refuses and delivers, per AWS's documentation), then the module's own contract: error shape, paths, the
 * publisher check, and the choices the documentation leaves open.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import {
  SNS_FILTER_POLICY_LIMITS,
  SnsFilterPolicyError,
  checkFilterPolicyAgainstAttributes,
  matchesSnsFilterPolicy,
  validateSnsFilterPolicy,
  type SnsFilterPolicy,
  type SnsMessageAttribute,
} from '../../lib/sns-filter-policy';
import { DEFAULT_BOT_FILTER_POLICY, OUTBOX_MESSAGE_ATTRIBUTES } from '../../lib/schema';
import {
  FILTER_POLICY_CASES,
  PUBLISHER_CHECK_CASES,
  type FilterPolicyCase,
} from '../support/sns-filter-policy-cases';

const MODULE_FILE = path.join(__dirname, '..', '..', 'lib', 'sns-filter-policy.ts');

/** The error a call throws (fails the test when it throws nothing, or something else). */
function thrownBy(call: () => unknown): SnsFilterPolicyError {
  try {
    call();
  } catch (error) {
    if (error instanceof SnsFilterPolicyError) return error;
    throw error;
  }
  throw new Error('expected an SnsFilterPolicyError, but nothing was thrown');
}

const str = (StringValue: string): SnsMessageAttribute => ({ DataType: 'String', StringValue });
const num = (StringValue: string): SnsMessageAttribute => ({ DataType: 'Number', StringValue });

describe('the case tables', () => {
  test('cite an AWS documentation page and have unique names', () => {
    for (const table of [FILTER_POLICY_CASES, PUBLISHER_CHECK_CASES]) {
      const names = table.map((c) => c.name);
      expect(new Set(names).size).toBe(names.length);
      for (const c of table) expect(c.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\/sns\/latest\/dg\/[a-z-]+\.html$/);
    }
  });

  test('cover accepted and refused policies, deliveries and non-deliveries', () => {
    const valid = FILTER_POLICY_CASES.filter((c): c is Extract<FilterPolicyCase, { valid: true }> => c.valid);
    const deliveries = valid.flatMap((c) => c.matches.map((m) => m.expected));
    expect(valid.length).toBeGreaterThan(40);
    expect(FILTER_POLICY_CASES.length - valid.length).toBeGreaterThan(40);
    expect(deliveries.filter(Boolean).length).toBeGreaterThan(50);
    expect(deliveries.filter((expected) => !expected).length).toBeGreaterThan(50);
  });
});

describe('FILTER_POLICY_CASES', () => {
  for (const c of FILTER_POLICY_CASES) {
    if (c.valid) {
      test(`validateSnsFilterPolicy: ${c.name}`, () => {
        expect(() => validateSnsFilterPolicy(c.policy)).not.toThrow();
      });
      c.matches.forEach((match, index) => {
        test(`matchesSnsFilterPolicy: ${c.name} #${index + 1}${match.why ? ` (${match.why})` : ''}`, () => {
          // GIVEN a subscription with the policy  WHEN a message with these attributes is published
          // THEN SNS delivers it, or not
          expect(matchesSnsFilterPolicy(c.policy as SnsFilterPolicy, match.attributes)).toBe(match.expected);
        });
      });
    } else {
      test(`validateSnsFilterPolicy: ${c.name}`, () => {
        const error = thrownBy(() => validateSnsFilterPolicy(c.policy));
        expect(error.message).toMatch(c.problem);
        expect(error.message).toBe(`${error.path}: ${error.problem}`);
      });
    }
  }
});

describe('PUBLISHER_CHECK_CASES', () => {
  for (const c of PUBLISHER_CHECK_CASES) {
    test(`checkFilterPolicyAgainstAttributes: ${c.name}`, () => {
      const check = () => checkFilterPolicyAgainstAttributes(c.policy, OUTBOX_MESSAGE_ATTRIBUTES, 'filterPolicy', 'the outbox');
      if (c.ok) {
        expect(check).not.toThrow();
      } else {
        expect(thrownBy(check).message).toMatch(c.problem);
      }
    });
  }

  test('checkFilterPolicyAgainstAttributes: the default bot policy of lib/schema.ts passes', () => {
    expect(() => checkFilterPolicyAgainstAttributes(DEFAULT_BOT_FILTER_POLICY, OUTBOX_MESSAGE_ATTRIBUTES)).not.toThrow();
  });

  test('checkFilterPolicyAgainstAttributes: every condition that passes the check can match a publishable message', () => {
    // GIVEN the accepted publisher cases  WHEN one message is built per combination of published values
    // THEN some message is delivered (the check never passes a policy that starves its subscriber)
    const threadIds = ['t-1', 'vip-7'];
    const messages = threadIds.flatMap((threadId) =>
      OUTBOX_MESSAGE_ATTRIBUTES.messageType.flatMap((messageType) =>
        OUTBOX_MESSAGE_ATTRIBUTES.isHumanOverride.map((isHumanOverride) => ({
          threadId: str(threadId),
          messageType: str(messageType),
          isHumanOverride: str(isHumanOverride),
        })),
      ),
    );
    for (const c of PUBLISHER_CHECK_CASES.filter((c) => c.ok)) {
      expect({ name: c.name, delivered: messages.some((m) => matchesSnsFilterPolicy(c.policy, m)) }).toEqual({
        name: c.name,
        delivered: true,
      });
    }
  });
});

describe('validateSnsFilterPolicy', () => {
  test('paths start with `at`', () => {
    const error = thrownBy(() => validateSnsFilterPolicy({ price: [{ numeric: ['<', 'x'] }] }, 'subscribeBot(filterPolicy)'));
    expect(error.path).toBe('subscribeBot(filterPolicy).price[0].numeric[1]');
    expect(error.problem).toBe('the value of < must be a number, got "x"');
    expect(error.name).toBe('SnsFilterPolicyError');
    expect(error).toBeInstanceOf(Error);
  });

  test('a key that would not read as one name is quoted in the path', () => {
    const error = thrownBy(() => validateSnsFilterPolicy({ 'order.total': ['1', []] }));
    expect(error.path).toBe('filterPolicy["order.total"][1]');
  });

  test('key count comes before complexity, as in AWS answers', () => {
    // GIVEN six keys, one with 151 values  THEN the key limit is reported
    const policy = { a: Array.from({ length: 151 }, (_, i) => `v${i}`), b: ['1'], c: ['1'], d: ['1'], e: ['1'], f: ['1'] };
    expect(thrownBy(() => validateSnsFilterPolicy(policy)).problem).toMatch(/at most 5 keys/);
  });

  test('a policy that contains itself through $or is refused, not followed forever', () => {
    const policy: Record<string, unknown> = { a: ['x'] };
    policy.$or = [policy, { b: ['y'] }];
    expect(thrownBy(() => validateSnsFilterPolicy(policy)).message).toBe('filterPolicy.$or[0]: refers to itself, so it is not JSON');
  });

  test('class instances are not JSON objects', () => {
    expect(thrownBy(() => validateSnsFilterPolicy(new Map())).path).toBe('filterPolicy');
    expect(thrownBy(() => validateSnsFilterPolicy({ when: [new Date(0)] })).problem).toMatch(/is not a JSON value/);
  });

  test('the limits are the documented ones', () => {
    expect(SNS_FILTER_POLICY_LIMITS).toEqual({
      maxAttributeNames: 5,
      maxCombinations: 150,
      maxPolicyBytes: 262144,
      maxAbsoluteNumber: 1_000_000_000,
    });
  });

  test('the size limit counts UTF-8 bytes of the JSON', () => {
    // GIVEN a value of 2-byte characters: 131,072 characters are 262,144 bytes, over the limit with the JSON around them
    const error = thrownBy(() => validateSnsFilterPolicy({ key: ['é'.repeat(131_072)] }));
    expect(error.problem).toBe("is 262156 bytes of JSON, more than SNS's limit of 262144 (256 KB)");
    expect(() => validateSnsFilterPolicy({ key: ['é'.repeat(131_000)] })).not.toThrow();
  });
});

describe('matchesSnsFilterPolicy', () => {
  test('refuses a policy SNS would refuse instead of guessing', () => {
    expect(() => matchesSnsFilterPolicy({ key: [] }, { key: str('x') })).toThrow(SnsFilterPolicyError);
  });

  test('an attribute inherited from the prototype is not an attribute', () => {
    const attributes = Object.create({ store: str('fans') }) as Record<string, SnsMessageAttribute>;
    expect(matchesSnsFilterPolicy({ store: ['fans'] }, attributes)).toBe(false);
    expect(matchesSnsFilterPolicy({ store: [{ exists: false }] }, attributes)).toBe(true);
  });

  // Choices where neither the guide nor the AWS-validated records decide; each is pinned so that changing it is deliberate.
  test('undocumented: an unreadable Number or String.Array value is present but matches no value', () => {
    expect(matchesSnsFilterPolicy({ n: [{ exists: true }] }, { n: num('not a number') })).toBe(true);
    expect(matchesSnsFilterPolicy({ n: [{ numeric: ['>', 0] }] }, { n: num('not a number') })).toBe(false);
    expect(matchesSnsFilterPolicy({ n: [{ 'anything-but': [1] }] }, { n: { DataType: 'String.Array', StringValue: '[]' } })).toBe(false);
  });

  test('undocumented: anything-but prefix does not exclude numbers (event-ruler compares strings only)', () => {
    expect(matchesSnsFilterPolicy({ n: [{ 'anything-but': { prefix: '10' } }] }, { n: num('100') })).toBe(true);
  });

  test('undocumented: a data type other than String, String.Array, Number and Binary is ignored like Binary', () => {
    expect(matchesSnsFilterPolicy({ k: [{ exists: false }] }, { k: { DataType: 'Image', StringValue: 'x' } })).toBe(true);
  });

  test('undocumented: numbers keep six decimal places and are rounded down', () => {
    expect(matchesSnsFilterPolicy({ n: [{ numeric: ['=', 0.000001] }] }, { n: num('0.0000019') })).toBe(true);
    expect(matchesSnsFilterPolicy({ n: [{ numeric: ['<', 0] }] }, { n: num('-0.0000001') })).toBe(true);
    expect(matchesSnsFilterPolicy({ n: [{ numeric: ['>', 0] }] }, { n: num('1e-7') })).toBe(false);
  });

  test('event-ruler: IPv4 masks stop at /31 and IPv6 masks at /127', () => {
    expect(thrownBy(() => validateSnsFilterPolicy({ ip: [{ cidr: '10.0.0.1/32' }] })).problem).toMatch(/mask bits up to 31/);
    expect(thrownBy(() => validateSnsFilterPolicy({ ip: [{ cidr: '::1/128' }] })).problem).toMatch(/mask bits up to 127/);
    expect(matchesSnsFilterPolicy({ ip: [{ cidr: '10.0.0.0/31' }] }, { ip: str('10.0.0.1') })).toBe(true);
    expect(matchesSnsFilterPolicy({ ip: [{ cidr: '10.0.0.0/31' }] }, { ip: str('10.0.0.2') })).toBe(false);
  });
});

describe('checkFilterPolicyAgainstAttributes', () => {
  test('`at` prefixes the path', () => {
    const error = thrownBy(() => checkFilterPolicyAgainstAttributes({ foo: ['x'] }, OUTBOX_MESSAGE_ATTRIBUTES, 'bots.echo.filterPolicy'));
    expect(error.path).toBe('bots.echo.filterPolicy.foo');
  });

  test('with values known, a literal is checked as SNS compares it (double-escaped)', () => {
    const published = { quote: ['say "hi"'] };
    expect(() => checkFilterPolicyAgainstAttributes({ quote: ['say \\"hi\\"'] }, published)).not.toThrow();
    expect(thrownBy(() => checkFilterPolicyAgainstAttributes({ quote: ['say "hi"'] }, published)).problem).toMatch(/never matches/);
  });
});

describe('lib/sns-filter-policy.ts', () => {
  const source = fs.readFileSync(MODULE_FILE, 'utf8');
  const file = ts.createSourceFile(MODULE_FILE, source, ts.ScriptTarget.ES2022, true);

  test('imports nothing', () => {
    const imports = file.statements.filter((s) => ts.isImportDeclaration(s) || ts.isImportEqualsDeclaration(s));
    expect(imports).toEqual([]);
    expect(source).not.toMatch(/\brequire\s*\(|\bimport\s*\(/);
  });

  test('documents every export with JSDoc', () => {
    const undocumented: string[] = [];
    const exported = file.statements.filter(
      (s) => ts.canHaveModifiers(s) && (ts.getModifiers(s) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword),
    );
    for (const statement of exported) {
      const name = ts.isVariableStatement(statement)
        ? statement.declarationList.declarations.map((d) => d.name.getText(file)).join(',')
        : ((statement as ts.DeclarationStatement).name?.getText(file) ?? '?');
      if (ts.getJSDocCommentsAndTags(statement).length === 0) undocumented.push(name);
    }
    expect(exported.length).toBeGreaterThanOrEqual(7);
    expect(undocumented).toEqual([]);
  });
});
