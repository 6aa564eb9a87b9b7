/**
 * The module's variables.tf, outputs.tf and versions.tf (lib/module/hcl.ts): what they declare, that
 * `terraform fmt -check` passes on them, and, with the real Terraform CLI on a root module made of the
 * rendered variables.tf and one output, that every validation refuses what the construct refuses, with the
 * construct's words, and lets the defaults and a valid value of every setting through.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TerraformStack, Testing } from 'cdktf';
import { AWS_PROVIDER_VERSION_RANGE } from '../../lib/chat-infra-stack';
import { resolveChatServerProps, type ChatServerProps } from '../../lib/chat-server-props';
import { BOT_RULES, hclTypeExpression, renderOutputsTf, renderVariablesTf, renderVersionsTf } from '../../lib/module/hcl';
import { ResponderTopic, type SubscribeBotOptions } from '../../lib/responder-topic';
import { REQUIRED_WITH, SETTINGS, TAG_RULES, brokenRule, hclString, type Setting, type SettingKey } from '../../lib/settings';
import { diagnostics, terraform, terraformDir, type TerraformDiagnostic } from './support/terraform-cli';

const KEYS = Object.keys(SETTINGS) as SettingKey[];
const NAME = 'support-chat';

/** The `variable "<name>" { ... }` blocks of a variables.tf, by variable, in file order. */
function variableBlocks(text: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const match of text.matchAll(/^variable "([^"]+)" \{\n([\s\S]*?)^\}$/gm)) blocks.set(match[1], match[2]);
  return blocks;
}

/** The value of a top-level `name = value` attribute of a block body (a multi-line value up to its last line). */
function attribute(body: string, name: string): string | undefined {
  const match = new RegExp(`^  ${name} +=( [^\\n]*(?:\\n    [^\\n]*)*(?:\\n  [)}\\]][^\\n]*)?)`, 'm').exec(body);
  return match?.[1].trim();
}

function validationCount(body: string): number {
  return body.match(/^ {2}validation \{$/gm)?.length ?? 0;
}

describe('variables.tf', () => {
  const text = renderVariablesTf();
  const blocks = variableBlocks(text);

  test('renderVariablesTf: one block per setting, in SETTINGS order', () => {
    // GIVEN the settings  WHEN variables.tf is rendered  THEN it declares their variables, in their order, and nothing else
    expect([...blocks.keys()]).toEqual(KEYS.map((key) => SETTINGS[key].variable));
  });

  test.each(KEYS)('renderVariablesTf: %s has its declared description, type, default and nullability', (key) => {
    // GIVEN a setting
    const setting: Setting = SETTINGS[key];
    // WHEN its block is read
    const body = blocks.get(setting.variable)!;
    // THEN description and type are the declared ones
    expect(attribute(body, 'description')).toBe(hclString(setting.description));
    expect(attribute(body, 'type')).toBe(hclTypeExpression(setting.type));
    // AND a required variable has no default, an optional one without a value has `null`, the others their literal
    const defaultValue = attribute(body, 'default');
    if (setting.required) expect(defaultValue).toBeUndefined();
    else if (setting.default === null || setting.default === undefined) expect(defaultValue).toBe('null');
    else if (typeof setting.default === 'string') expect(defaultValue).toBe(hclString(setting.default));
    else expect(defaultValue).toBe(JSON.stringify(setting.default));
    // AND null stands for the default wherever there is one (nullable = false), and is allowed where there is none
    const hasValue = setting.required === true || (setting.default !== null && setting.default !== undefined);
    expect(attribute(body, 'nullable')).toBe(hasValue ? 'false' : undefined);
  });

  test.each(KEYS)('renderVariablesTf: %s has a validation per rule, with its condition and the construct\'s requirement', (key) => {
    // GIVEN a setting and the checks the module makes of it across settings
    const setting: Setting = SETTINGS[key];
    const body = blocks.get(setting.variable)!;
    const variable = `var.${setting.variable}`;
    // Rules a Terraform type enforces itself have no validation (Terraform refuses a condition not about the variable).
    const checked = setting.rules.filter((rule) => rule.condition(variable) !== 'true');
    const requirements = new Set(checked.map((rule) => rule.requirement));
    const requiredWith = REQUIRED_WITH.filter((entry) => entry.setting === key);
    const extra = key === 'tags' ? 3 : key === 'bots' ? 5 : 0;
    // WHEN its validations are counted  THEN there is one per requirement, per REQUIRED_WITH entry and per map rule
    expect(validationCount(body)).toBe(requirements.size + requiredWith.length + extra);
    // AND each rule's condition and requirement are in it
    for (const rule of checked) {
      expect(body).toContain(rule.condition(variable));
      expect(body).toContain(hclString(`${setting.variable} must be ${rule.requirement}, got `).slice(0, -1));
    }
    for (const { when } of requiredWith) {
      const other = SETTINGS[when.setting].variable;
      const message = 'equals' in when ? `${setting.variable} is required when ${other} is "${when.equals}".` : `${setting.variable} is required when ${other} is set.`;
      expect(body).toContain(`error_message = ${hclString(message)}`);
    }
  });

  test('renderVariablesTf: a value that may be null is checked only when given (a conditional, not ||)', () => {
    // GIVEN the optional settings without a value of their own  WHEN their rule validations are read
    const nullable = KEYS.map((key) => SETTINGS[key] as Setting).filter(
      (setting) => !setting.required && (setting.default === null || setting.default === undefined) && setting.rules.length > 0,
    );
    expect(nullable.length).toBeGreaterThan(0);
    for (const setting of nullable) {
      // THEN each condition starts with the null guard (Terraform evaluates both sides of ||)
      const conditions = [...blocks.get(setting.variable)!.matchAll(/condition += (.*)/g)].map((match) => match[1]);
      const ruleConditions = conditions.filter((condition) => !condition.includes('!= null'));
      expect(ruleConditions.length).toBeGreaterThan(0);
      for (const condition of ruleConditions) expect(condition.startsWith(`var.${setting.variable} == null ? true : (`)).toBe(true);
    }
  });

  test('renderVariablesTf: byte-identical on every render', () => {
    // GIVEN one rendering  WHEN rendered again  THEN the bytes are the same
    expect(renderVariablesTf()).toBe(text);
  });
});

describe('outputs.tf and versions.tf', () => {
  const outputs = [
    { name: 'outbox_failure_queue_url', value: '${one(aws_sqs_queue.outbox_failures[*].url)}', description: 'SQS queue of "failed" records' },
    { name: 'websocket_url', value: '${aws_apigatewayv2_api.api.api_endpoint}/prod', description: 'WebSocket URL' },
    {
      name: 'connections_endpoint',
      value: '${replace(aws_apigatewayv2_api.api.api_endpoint, "wss://", "https://")}/${var.stage_name}',
      description: '@connections endpoint',
    },
    { name: 'auth_issuer', value: 'https://${aws_cognito_user_pool.pool.endpoint}', description: 'Token issuer', sensitive: true },
    { name: 'literal', value: 'C:\\chat "quoted" $${not_interpolated}', description: 'a literal' },
  ];

  test('renderOutputsTf: a whole interpolation becomes a bare expression, anything else a template', () => {
    // GIVEN outputs whose values are cdktf expression strings  WHEN outputs.tf is rendered
    const text = renderOutputsTf(outputs);
    // THEN a single interpolation is the expression itself and mixed text stays a quoted template
    expect(text).toContain('  value       = one(aws_sqs_queue.outbox_failures[*].url)\n');
    expect(text).toContain('  value       = "${aws_apigatewayv2_api.api.api_endpoint}/prod"\n');
    expect(text).toContain('  value       = "${replace(aws_apigatewayv2_api.api.api_endpoint, "wss://", "https://")}/${var.stage_name}"\n');
    expect(text).toContain('  value       = "https://${aws_cognito_user_pool.pool.endpoint}"\n  sensitive   = true\n');
    // AND literal text is escaped for HCL, the template escape `$${` kept
    expect(text).toContain('  value       = "C:\\\\chat \\"quoted\\" $${not_interpolated}"\n');
    expect(text).toContain('  description = "SQS queue of \\"failed\\" records"\n');
    // AND one block per output, in the given order
    expect([...text.matchAll(/^output "([^"]+)" \{$/gm)].map((match) => match[1])).toEqual(outputs.map((output) => output.name));
  });

  test('renderOutputsTf: refuses a template directive rather than guess at it', () => {
    // GIVEN a value with a %{ } directive (cdktf writes none)  WHEN rendered  THEN it throws, naming the value
    expect(() => renderOutputsTf([{ name: 'x', value: '%{ if true }a%{ endif }', description: 'x' }])).toThrow(/template directives/);
  });

  test('renderVersionsTf: Terraform >= 1.9.0 and the construct\'s AWS provider range', () => {
    // GIVEN the stack's provider range  WHEN versions.tf is rendered  THEN it requires the same range and Terraform 1.9
    const text = renderVersionsTf();
    expect(text).toContain('  required_version = ">= 1.9.0"\n');
    expect(text).toContain(`      source  = "hashicorp/aws"\n      version = ${hclString(AWS_PROVIDER_VERSION_RANGE)}\n`);
  });

  test('terraform fmt: -check passes on variables.tf, outputs.tf and versions.tf', () => {
    // GIVEN the three rendered files in a directory
    const dir = terraformDir('fmt');
    fs.writeFileSync(path.join(dir, 'variables.tf'), renderVariablesTf());
    fs.writeFileSync(path.join(dir, 'outputs.tf'), renderOutputsTf(outputs));
    fs.writeFileSync(path.join(dir, 'versions.tf'), renderVersionsTf());
    // WHEN terraform fmt checks them
    const result = terraform(dir, ['fmt', '-check', '-diff']);
    // THEN nothing would change
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------
// The validations under Terraform, against the construct.

const JWT_AUTH = { jwksUrl: 'https://idp.example.com/.well-known/jwks.json', issuer: 'https://idp.example.com/', audience: 'chat-api' };
const COGNITO_AUTH = { cognitoUserPoolId: 'eu-west-1_AbCdEf123', cognitoClientId: '1example23456789' };
const DOMAIN = { domainName: 'chat.example.com', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab' };

/** Construct props with one setting's prop set to `value` (inside the kind of `auth`, or the `domain`, it belongs to). */
function constructPropsWith(key: SettingKey, value: unknown): ChatServerProps {
  const [head, leaf] = SETTINGS[key].prop.split('.');
  const props: Record<string, unknown> = { name: NAME, auth: { mode: 'none' } };
  if (leaf === undefined) props[head] = value;
  else if (head === 'auth') {
    const kind = leaf.startsWith('cognito') ? COGNITO_AUTH : leaf === 'selfSignUp' ? { createCognitoUserPool: true } : JWT_AUTH;
    props.auth = { ...kind, [leaf]: value };
  } else if (head === 'domain') props.domain = { ...DOMAIN, [leaf]: value };
  else props[head] = { [leaf]: value };
  return props as unknown as ChatServerProps;
}

/** The construct's error for `props`: the prop it names and what it says of it. */
function constructError(props: ChatServerProps): { prop: string; problem: string } {
  try {
    resolveChatServerProps(props);
  } catch (error) {
    const match = /^ChatServer: invalid prop "(.+?)": (.*)$/s.exec((error as Error).message);
    if (match) return { prop: match[1], problem: match[2] };
    throw error;
  }
  throw new Error(`the construct accepts ${JSON.stringify(props)}`);
}

/** What subscribeBot (the construct's check of each entry of its `bots` prop) says of a bot. */
function subscribeBotError(options: SubscribeBotOptions, topicName = `${NAME}-responder`): string {
  const stack = new TerraformStack(Testing.app(), 'bots');
  const topic = new ResponderTopic(stack, 'topic', { topicName });
  try {
    topic.subscribeBot({ arn: 'arn:aws:lambda:eu-west-1:123456789012:function:faq', functionName: 'faq' }, options);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`subscribeBot accepts ${JSON.stringify(options)}`);
}

function capture(pattern: RegExp, text: string): string {
  const match = pattern.exec(text);
  if (!match) throw new Error(`${pattern} does not match ${JSON.stringify(text)}`);
  return match[1];
}

interface BadCase {
  /** The kind of rule the value breaks. */
  readonly kind: string;
  /** The module's inputs besides `name` (a tfvars.json file). */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The variable whose validation refuses them. */
  readonly variable: string;
  /** The texts the module's message must contain: the construct's words for the same value, where it has them. */
  readonly expectedTexts: () => string[];
}

/** A setting's value the construct refuses: the module must say `<variable> <the construct's problem>.` */
function settingCase(kind: string, key: SettingKey, value: unknown): BadCase {
  const setting = SETTINGS[key];
  return {
    kind,
    inputs: { [setting.variable]: value },
    variable: setting.variable,
    expectedTexts: () => {
      const { prop, problem } = constructError(constructPropsWith(key, value));
      expect(prop).toBe(setting.prop);
      return [`${setting.variable} ${problem}.`];
    },
  };
}

const FAQ_BOT = { function_arn: 'arn:aws:lambda:eu-west-1:123456789012:function:faq', function_name: 'faq' };
/** 60 characters: a valid bot name whose default queue name `<topic>-<name>-dlq` is too long for SQS. */
const LONG_BOT_NAME = 'b'.repeat(60);

/** A valid value of every setting other than its default (the module's form: snake_case, JSON strings). */
const VALID_VALUES: Readonly<Record<SettingKey, unknown>> = {
  name: 'support-eu-west-1',
  snsTopicName: 'support_responder-1',
  messageRetentionDays: 30,
  stageName: 'v1_live',
  throttlingRateLimit: 250,
  throttlingBurstLimit: 100000,
  rateLimitMessages: 5,
  rateLimitWindowSeconds: 3600,
  lambdaArchitecture: 'x86_64',
  lambdaMemorySize: 1024,
  lambdaTimeout: 900,
  logRetentionDays: 3653,
  kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
  deletionProtection: false,
  configureApiGatewayAccountLogging: false,
  tags: { team: 'support', 'cost-center': 'CC 42', 'équipe': 'assistance', 'app:tier': 'a=b+c@d/e' },
  authMode: 'jwt',
  jwtJwksUrl: 'https://idp.example.com/.well-known/jwks.json',
  jwtIssuer: 'https://idp.example.com/',
  jwtAudience: ['chat-api', 'chat-admin'],
  cognitoUserPoolId: 'us-gov-west-1_AbCdEf123',
  cognitoClientId: '1example23456789',
  userIdClaim: 'email',
  rolesClaim: 'https://example.com/roles',
  agentRole: 'support-agent',
  maxTokenAgeSeconds: 3600,
  selfSignUp: true,
  domainName: 'chat.support.example.com',
  certificateArn: DOMAIN.certificateArn,
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  bots: {
    faq: { ...FAQ_BOT, filter_policy: '{"messageType":["user"],"isHumanOverride":["false"],"threadId":[{"prefix":"support-"}]}', dead_letter_queue_name: 'faq-dlq' },
    'triage_2': { function_arn: 'arn:aws:lambda:eu-west-1:123456789012:function:triage', function_name: 'triage' },
    escalation: {
      ...FAQ_BOT,
      filter_policy: '{"$or":[{"messageType":["user"]},{"isHumanOverride":["true"]}]}',
    },
  },
  logLevel: 'debug',
  tracing: 'PassThrough',
  dashboard: false,
  alarmsEnabled: false,
  alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-alarms',
  alarmEmails: ['oncall@example.com', 'chat-team@example.org'],
  alarmFunctionErrors: 3,
  alarmFunctionThrottles: 10,
  alarmFunctionDurationPercentOfTimeout: 95,
  alarmOutboxIteratorAgeSeconds: 300,
  alarmDeadLetterQueueMessages: 5,
  alarmApiIntegrationErrors: 50,
  alarmApiExecutionErrors: 2,
  alarmApiClientErrorPercent: 25,
  alarmDynamodbThrottledRequests: 20,
  alarmDynamodbSystemErrors: 4,
  alarmAuthorizerDenials: 1000,
};

const BAD_CASES: readonly BadCase[] = [
  settingCase('integer range', 'messageRetentionDays', 0),
  settingCase('integer range (not an integer)', 'throttlingRateLimit', 1.5),
  settingCase('integer range', 'lambdaMemorySize', 10241),
  settingCase('integer range', 'maxTokenAgeSeconds', 59),
  settingCase('one-of', 'lambdaArchitecture', 'x86'),
  settingCase('one-of (numbers)', 'logRetentionDays', 2),
  settingCase('pattern', 'name', 'Support_Chat'),
  settingCase('pattern', 'stageName', 'prod stage'),
  settingCase('pattern', 'userIdClaim', 'user id'),
  settingCase('nullable pattern', 'kmsKeyArn', 'alias/chat'),
  settingCase('nullable pattern', 'snsTopicName', 'chat.responder'),
  settingCase('nullable pattern', 'hostedZoneId', 'z123'),
  settingCase('nullable pattern', 'cognitoUserPoolId', 'eu-west-1-AbCdEf123'),
  settingCase('nullable pattern', 'jwtJwksUrl', 'http://idp.example.com/jwks'),
  settingCase('nullable pattern', 'domainName', 'Chat.Example.com'),
  settingCase('nullable length', 'domainName', `${['a', 'b', 'c', 'd', 'e'].map((letter) => letter.repeat(60)).join('.')}.com`),
  settingCase('nullable non-empty string', 'jwtIssuer', '  '),
  settingCase('nullable list rule', 'jwtAudience', ['chat-api,admin']),
  settingCase('one-of', 'logLevel', 'verbose'),
  settingCase('one-of', 'tracing', 'active'),
  settingCase('nullable pattern', 'alarmTopicArn', 'ops-alarms'),
  settingCase('list rule', 'alarmEmails', ['oncall@example.com', 'not an address']),
  settingCase('integer range (alarm threshold)', 'alarmFunctionDurationPercentOfTimeout', 101),
  settingCase('integer range (alarm threshold)', 'alarmAuthorizerDenials', 0),
  {
    kind: 'one-of (auth_mode: the construct writes the kind as an object)',
    inputs: { auth_mode: 'oauth' },
    variable: 'auth_mode',
    // The construct has no auth_mode prop; its rule (the one `check` would apply) gives the words.
    expectedTexts: () => [`auth_mode must be ${brokenRule(SETTINGS.authMode, 'oauth')!.requirement}, got "oauth".`],
  },
  {
    kind: 'tags count',
    inputs: { tags: Object.fromEntries(Array.from({ length: 41 }, (_, index) => [`tag${index}`, 'x'])) },
    variable: 'tags',
    expectedTexts: () => {
      const tags = Object.fromEntries(Array.from({ length: 41 }, (_, index) => [`tag${index}`, 'x']));
      return [`tags ${constructError(constructPropsWith('tags', tags)).problem}.`];
    },
  },
  ...[
    ['tags key (aws: prefix)', 'AWS:team'],
    ['tags key (characters)', 'team#1'],
  ].map(
    ([kind, key]): BadCase => ({
      kind,
      inputs: { tags: { [key]: 'support', ok: 'yes' } },
      variable: 'tags',
      expectedTexts: () => {
        const { prop, problem } = constructError(constructPropsWith('tags', { [key]: 'support', ok: 'yes' }));
        expect(prop).toBe(`tags.${key}`);
        return [`tags[${JSON.stringify(key)}]: ${problem}.`];
      },
    }),
  ),
  {
    kind: 'tags value',
    inputs: { tags: { team: 'support|chat' } },
    variable: 'tags',
    expectedTexts: () => {
      const { prop, problem } = constructError(constructPropsWith('tags', { team: 'support|chat' }));
      expect(prop).toBe('tags.team');
      return [`tags["team"]: ${problem}.`];
    },
  },
  ...REQUIRED_WITH.map(({ setting, when }): BadCase => {
    const dependent = SETTINGS[setting];
    const other = SETTINGS[when.setting];
    const chosen = 'equals' in when ? when.equals : 'chat.example.com';
    return {
      kind: `REQUIRED_WITH (${dependent.variable})`,
      inputs: {
        [other.variable]: chosen,
        // Every other setting required with the same choice is given, so only this one is missing.
        ...Object.fromEntries(
          REQUIRED_WITH.filter((entry) => JSON.stringify(entry.when) === JSON.stringify(when) && entry.setting !== setting).map((entry) => [
            SETTINGS[entry.setting].variable,
            VALID_VALUES[entry.setting],
          ]),
        ),
      },
      variable: dependent.variable,
      expectedTexts: () => {
        // The construct refuses the same choice without it, naming the prop (its types make it required there).
        const [head, leaf] = dependent.prop.split('.');
        const base = head === 'domain' ? DOMAIN : 'equals' in when && when.equals === 'jwt' ? JWT_AUTH : COGNITO_AUTH;
        const props = { name: NAME, auth: { mode: 'none' }, [head]: { ...base, [leaf]: undefined } } as unknown as ChatServerProps;
        const { prop, problem } = constructError(props);
        expect(prop).toBe(dependent.prop);
        expect(problem).toMatch(/^must be /);
        return ['equals' in when ? `${dependent.variable} is required when ${other.variable} is "${when.equals}".` : `${dependent.variable} is required when ${other.variable} is set.`];
      },
    };
  }),
  {
    kind: 'bots key',
    inputs: { bots: { 'faq bot': FAQ_BOT } },
    variable: 'bots',
    expectedTexts: () => [`bots["faq bot"]: ${capture(/(name must be .*), got /, subscribeBotError({ name: 'faq bot' }))}.`],
  },
  {
    kind: 'bots filter_policy (a key the outbox never sends)',
    inputs: { bots: { faq: { ...FAQ_BOT, filter_policy: '{"language":["en"]}' } } },
    variable: 'bots',
    expectedTexts: () => [
      'bots["faq"]: filter_policy must be',
      capture(/(the outbox sends only the message attributes .*), so this key never matches/, subscribeBotError({ name: 'faq', filterPolicy: { language: ['en'] } })),
    ],
  },
  {
    kind: 'bots filter_policy (not an object)',
    inputs: { bots: { faq: { ...FAQ_BOT, filter_policy: '["user"]' } } },
    variable: 'bots',
    expectedTexts: () => [
      'bots["faq"]: filter_policy must be',
      capture(/filter policy is (a JSON object of message attribute names to arrays of conditions)/, subscribeBotError({ name: 'faq', filterPolicy: ['user'] as never })),
    ],
  },
  {
    kind: 'bots filter_policy (conditions not in an array)',
    inputs: { bots: { faq: { ...FAQ_BOT, filter_policy: '{"messageType":"user"}' } } },
    variable: 'bots',
    expectedTexts: () => {
      expect(subscribeBotError({ name: 'faq', filterPolicy: { messageType: 'user' } })).toContain('filterPolicy.messageType: must be an array of conditions');
      return ['bots["faq"]: filter_policy must be a JSON object of message attribute names to arrays of conditions'];
    },
  },
  {
    kind: 'bots dead_letter_queue_name',
    inputs: { bots: { faq: { ...FAQ_BOT, dead_letter_queue_name: 'faq.dlq' } } },
    variable: 'bots',
    expectedTexts: () => [
      `bots["faq"]: dead_letter_queue_name must be ${capture(/not a valid SQS name \((.*)\)/, subscribeBotError({ name: 'faq', deadLetterQueueName: 'faq.dlq' }))}.`,
    ],
  },
  {
    kind: 'bots default dead-letter queue name too long',
    inputs: { bots: { [LONG_BOT_NAME]: FAQ_BOT } },
    variable: 'bots',
    expectedTexts: () => {
      const message = subscribeBotError({ name: LONG_BOT_NAME });
      return [`bots[${JSON.stringify(LONG_BOT_NAME)}] ("${capture(/queue name "(.*?)"/, message)}")`, capture(/(is not a valid SQS name \(.*\))/, message)];
    },
  },
  {
    kind: 'bots function_arn',
    inputs: { bots: { faq: { ...FAQ_BOT, function_arn: '' } } },
    variable: 'bots',
    expectedTexts: () => {
      const { prop, problem } = constructError({ name: NAME, auth: { mode: 'none' }, bots: { faq: { functionArn: '', functionName: 'faq' } } });
      expect(prop).toBe('bots.faq.functionArn');
      return ['bots["faq"]: function_arn and function_name must each be', capture(/must be (a non-empty string)/, problem)];
    },
  },
];

/** The bots of VALID_VALUES as the construct's bots prop. */
function constructBots(bots: Record<string, Record<string, string>>): ChatServerProps['bots'] {
  return Object.fromEntries(
    Object.entries(bots).map(([name, bot]) => [
      name,
      {
        functionArn: bot.function_arn,
        functionName: bot.function_name,
        ...(bot.filter_policy ? { filterPolicy: JSON.parse(bot.filter_policy) } : {}),
        ...(bot.dead_letter_queue_name ? { deadLetterQueueName: bot.dead_letter_queue_name } : {}),
      },
    ]),
  );
}

/** An output holding every variable, so a plan shows the values Terraform settled on. */
function settingsOutput(): string {
  const lines = KEYS.map((key) => `    ${SETTINGS[key].variable} = var.${SETTINGS[key].variable}`);
  return ['output "settings" {', '  value = {', ...lines, '  }', '}', ''].join('\n');
}

describe('variables.tf under terraform plan (a root module of the rendered variables and one output)', () => {
  let dir: string;
  let runs = 0;

  beforeAll(() => {
    dir = terraformDir('validations');
    fs.writeFileSync(path.join(dir, 'variables.tf'), renderVariablesTf());
    fs.writeFileSync(path.join(dir, 'outputs.tf'), settingsOutput());
  });

  /** The variable whose validation block Terraform names in a message (`... checked by the validation rule at variables.tf:L,C`). */
  function validatedVariable(detail: string): string | undefined {
    const line = Number(capture(/validation rule at variables\.tf:(\d+),/, detail));
    const declarations = renderVariablesTf().split('\n').slice(0, line).filter((text) => text.startsWith('variable "'));
    return /^variable "([^"]+)"/.exec(declarations[declarations.length - 1] ?? '')?.[1];
  }

  /** `terraform plan` with these inputs: its status, error diagnostics and (when it planned) the settings output. */
  function plan(inputs: Readonly<Record<string, unknown>>): { status: number; errors: TerraformDiagnostic[]; settings?: Record<string, unknown> } {
    runs += 1;
    const varFile = `case-${runs}.tfvars.json`;
    const planFile = `case-${runs}.tfplan`;
    fs.writeFileSync(path.join(dir, varFile), JSON.stringify(inputs));
    const result = terraform(dir, ['plan', '-json', '-input=false', '-lock=false', `-var-file=${varFile}`, `-out=${planFile}`]);
    const errors = diagnostics(result).filter((diagnostic) => diagnostic.severity === 'error');
    if (result.status !== 0) return { status: result.status, errors };
    const shown = terraform(dir, ['show', '-json', planFile]);
    const settings = (JSON.parse(shown.stdout) as { planned_values: { outputs: { settings: { value: Record<string, unknown> } } } }).planned_values
      .outputs.settings.value;
    return { status: result.status, errors, settings };
  }

  test.each(BAD_CASES.map((badCase) => [`${badCase.kind}: ${JSON.stringify(badCase.inputs).slice(0, 80)}`, badCase] as const))(
    'terraform plan: refuses %s, naming the variable in the construct\'s words',
    (_, badCase) => {
      // GIVEN a value the construct refuses, and what the construct says of it
      const expectedTexts = badCase.expectedTexts();
      // WHEN terraform plans the module's variables with the same value
      const { status, errors } = plan({ name: NAME, ...badCase.inputs });
      // THEN the plan fails on that variable's validation only
      expect(status).not.toBe(0);
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) {
        expect(error.summary).toBe('Invalid value for variable');
        expect(validatedVariable(error.detail)).toBe(badCase.variable);
      }
      // AND one message names the variable and says what the construct says
      const details = errors.map((error) => error.detail);
      expect(details.some((detail) => detail.startsWith(badCase.variable) && expectedTexts.every((text) => detail.includes(text)))).toBe(true);
    },
  );

  test('terraform plan: the defaults (only the required name given) plan, and are the settings\' defaults', () => {
    // GIVEN only the required variable
    // WHEN terraform plans
    const { status, errors, settings } = plan({ name: NAME });
    // THEN it plans, and every variable holds its declared default (null where there is none)
    expect(errors).toEqual([]);
    expect(status).toBe(0);
    const expected = Object.fromEntries(
      KEYS.map((key) => [SETTINGS[key].variable, key === 'name' ? NAME : (SETTINGS[key].default ?? null)]),
    );
    expect(settings).toEqual(expected);
  });

  test('terraform plan: null for a variable with a default means the default', () => {
    // GIVEN null for every variable that has a default of its own
    const withDefaults = KEYS.filter((key) => !(SETTINGS[key] as Setting).required && SETTINGS[key].default !== null && SETTINGS[key].default !== undefined);
    const inputs = { name: NAME, ...Object.fromEntries(withDefaults.map((key) => [SETTINGS[key].variable, null])) };
    // WHEN terraform plans
    const { status, errors, settings } = plan(inputs);
    // THEN it plans with the defaults (nullable = false), not with null
    expect(errors).toEqual([]);
    expect(status).toBe(0);
    for (const key of withDefaults) expect(settings![SETTINGS[key].variable]).toEqual(SETTINGS[key].default);
  });

  test('VALID_VALUES: one value per setting, other than its default, that the construct accepts', () => {
    // GIVEN the valid values  WHEN the construct checks each
    for (const key of KEYS) {
      const value = VALID_VALUES[key];
      // THEN none is the default
      expect(value).not.toEqual(SETTINGS[key].default);
      // AND the construct's own checks accept it
      if (key === 'bots') {
        expect(() => resolveChatServerProps({ name: NAME, auth: { mode: 'none' }, bots: constructBots(value as never) })).not.toThrow();
        for (const [name, bot] of Object.entries(constructBots(value as never)!)) {
          const stack = new TerraformStack(Testing.app(), 'bots');
          const topic = new ResponderTopic(stack, 'topic', { topicName: VALID_VALUES.snsTopicName as string });
          expect(() => topic.subscribeBot({ arn: bot.functionArn, functionName: bot.functionName }, { name, ...bot })).not.toThrow();
          expect(BOT_RULES.name.test(name)).toBe(true);
        }
      } else if (key === 'authMode') {
        expect(brokenRule(SETTINGS.authMode, value)).toBeUndefined();
      } else {
        expect(() => resolveChatServerProps(constructPropsWith(key, value))).not.toThrow();
      }
    }
    for (const [key, value] of Object.entries(VALID_VALUES.tags as Record<string, string>)) {
      expect(TAG_RULES.key.test(key) && TAG_RULES.value.test(value)).toBe(true);
    }
  });

  test('terraform plan: a valid non-default value of every setting plans, and is taken as given', () => {
    // GIVEN every variable set to a valid value other than its default
    const inputs = Object.fromEntries(KEYS.map((key) => [SETTINGS[key].variable, VALID_VALUES[key]]));
    // WHEN terraform plans
    const { status, errors, settings } = plan(inputs);
    // THEN it plans, with each value as given (a bot's optional attributes left out are null)
    expect(errors).toEqual([]);
    expect(status).toBe(0);
    const bots = Object.fromEntries(
      Object.entries(VALID_VALUES.bots as Record<string, object>).map(([name, bot]) => [name, { filter_policy: null, dead_letter_queue_name: null, ...bot }]),
    );
    expect(settings).toEqual({ ...inputs, bots });
  });
});
