/**
 * Every setting a user of the chat server chooses, declared once: its construct prop, its Terraform variable
 * (snake_case), type, default, description and rules. One declaration drives the construct's synth-time
 * validation (lib/chat-server-props.ts), the Terraform module's `variables.tf` with `validation` blocks
 * carrying the same rules and messages (lib/module/), and the inputs tables of help/deploy.md and the module
 * README. Free of cdktf.
 */
import { ALARM_WINDOWS, CHAT_SERVER_DEFAULTS, LOG_LEVELS, LOG_RETENTION_DAYS, TRACING_MODES } from './chat-server-defaults';
import { DEFAULTS } from './schema';

/** A rule a value must follow: a JavaScript check for literal props, the same check as a Terraform expression. */
export interface Rule {
  /** What a valid value is, completing "must be ...": e.g. `an integer from 1 to 3650`. */
  readonly requirement: string;
  /** True for a valid (non-null) value. */
  test(value: unknown): boolean;
  /** A Terraform expression, true for a valid (non-null) value of `ref` (e.g. `var.message_retention_days`). */
  condition(ref: string): string;
}

export type TerraformType = 'string' | 'number' | 'bool' | 'list(string)' | 'map(string)' | typeof BOTS_TYPE;

/** The Terraform type of the `bots` variable: the construct's `bots` prop in snake_case. */
export const BOTS_TYPE =
  'map(object({ function_arn = string, function_name = string, filter_policy = optional(string), dead_letter_queue_name = optional(string) }))';

/** How the module's `auth_mode` names the construct's kinds of `auth`. */
export const AUTH_MODES = {
  /** `{ createCognitoUserPool: true }`: a Cognito user pool created with the chat (the default app's choice). */
  cognito_user_pool: 'createCognitoUserPool',
  /** `{ cognitoUserPoolId, cognitoClientId }`: an existing Cognito user pool. */
  existing_cognito_user_pool: 'cognito',
  /** `{ jwksUrl, issuer, audience }`: any OpenID Connect issuer. */
  jwt: 'jwt',
  /** `{ mode: 'none' }`: INSECURE, no authentication. */
  none: 'none',
} as const;

export type AuthModeName = keyof typeof AUTH_MODES;

export interface Setting {
  /** Path of the construct prop, e.g. `throttling.rateLimit` (`auth.issuer` for the issuer of JWT auth). */
  readonly prop: string;
  /** Terraform variable of the module. */
  readonly variable: string;
  readonly type: TerraformType;
  /** The default; `undefined`: none in the construct either (required, or an optional part left out). */
  readonly default: string | number | boolean | readonly string[] | Readonly<Record<string, string>> | null | undefined;
  /** Whether the module requires the variable (no default). */
  readonly required?: boolean;
  readonly description: string;
  readonly rules: readonly Rule[];
}

/** A Terraform string literal (HCL escaping, `${` and `%{` kept literal). */
export function hclString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\$\{/g, '$${').replace(/%\{/g, '%%{')}"`;
}

export const rules = {
  integerBetween(min: number, max: number): Rule {
    return {
      requirement: `an integer from ${min} to ${max}`,
      test: (value) => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
      condition: (ref) => `${ref} == floor(${ref}) && ${ref} >= ${min} && ${ref} <= ${max}`,
    };
  },
  oneOf(values: readonly (string | number)[], requirement: string): Rule {
    return {
      requirement,
      test: (value) => values.includes(value as string | number),
      condition: (ref) => `contains([${values.map((v) => (typeof v === 'string' ? hclString(v) : String(v))).join(', ')}], ${ref})`,
    };
  },
  /** A whole-string pattern, written so JavaScript and Terraform's RE2 read it alike (no lookarounds, no backreferences). */
  matches(pattern: RegExp, requirement: string): Rule {
    if (!pattern.source.startsWith('^') || !pattern.source.endsWith('$') || /\(\?[=!<]/.test(pattern.source)) {
      throw new Error(`settings: pattern ${pattern} must be anchored and free of lookarounds (RE2)`);
    }
    return {
      requirement,
      test: (value) => typeof value === 'string' && pattern.test(value),
      condition: (ref) => `can(regex(${hclString(pattern.source)}, ${ref}))`,
    };
  },
  maxLength(max: number, requirement: string): Rule {
    return {
      requirement,
      test: (value) => typeof value === 'string' && value.length <= max,
      condition: (ref) => `length(${ref}) <= ${max}`,
    };
  },
  nonEmpty(): Rule {
    return {
      requirement: 'a non-empty string',
      test: (value) => typeof value === 'string' && value.trim() !== '',
      condition: (ref) => `length(trimspace(${ref})) > 0`,
    };
  },
  boolean(): Rule {
    return { requirement: 'a boolean', test: (value) => typeof value === 'boolean', condition: () => 'true' };
  },
} as const;

const NAME = /^[a-z][a-z0-9-]{0,31}$/;
const SNS_TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const STAGE_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const DOMAIN_NAME = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const ACM_CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate\/[A-Za-z0-9-]+$/;
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,32}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/[A-Za-z0-9-]+$/;
/** `<region>_<id>`; the region is its first group. */
export const COGNITO_POOL_ID = /^([a-z]{2}(-gov)?-[a-z]+-[0-9])_[A-Za-z0-9]+$/;
const COGNITO_CLIENT_ID = /^[A-Za-z0-9]{1,128}$/;
export const REGION = /^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/;
const CLAIM = /^[^\s]{1,256}$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$/;
/** An address SNS can send to: something@domain.tld, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const HTTPS_URL = /^https:\/\/[^\s/?#]+(\/[^\s]*)?$/;
export const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
export const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

const defaults = CHAT_SERVER_DEFAULTS;
const claimRule = rules.matches(CLAIM, 'a claim name or value without spaces');
const alarmDefaults = defaults.alarms;
/** How long a window of ALARM_WINDOWS lasts, in words (`5 minutes`). */
function minutesOf(window: { readonly periodSeconds: number; readonly evaluationPeriods: number }): string {
  return `${(window.periodSeconds * window.evaluationPeriods) / 60} minutes`;
}
const countPeriod = minutesOf(ALARM_WINDOWS.counts);

/** A list of strings each matching `pattern` (Terraform: every element, RE2 alike). */
function eachMatches(pattern: RegExp, requirement: string): Rule {
  const element = rules.matches(pattern, requirement);
  return {
    requirement,
    test: (value) => Array.isArray(value) && value.every((item) => element.test(item)),
    condition: (ref) => `alltrue([for item in ${ref} : ${element.condition('item')}])`,
  };
}

/** An alarm threshold: a whole number from 1 to `max`. */
function threshold(prop: string, variable: string, description: string, max = 100000): Setting {
  const key = prop.slice('alarms.'.length) as keyof typeof alarmDefaults;
  return { prop, variable, type: 'number', default: alarmDefaults[key] as number, description, rules: [rules.integerBetween(1, max)] };
}

/** The settings, by key. Order is the order of the inputs tables. */
export const SETTINGS = {
  name: {
    prop: 'name',
    variable: 'name',
    type: 'string',
    default: undefined,
    required: true,
    description:
      'Prefix of every physical resource name (tables `<name>-messages`, functions `<name>-connect`, IAM roles and policies). ' +
      'Unique per AWS account, not only per region: IAM names are global to the account.',
    rules: [rules.matches(NAME, 'lowercase letters, digits and dashes, 1-32 characters, starting with a letter')],
  },
  snsTopicName: {
    prop: 'snsTopicName',
    variable: 'sns_topic_name',
    type: 'string',
    default: null,
    description: 'Name of the SNS topic bots subscribe to (default `<name>-responder`).',
    rules: [rules.matches(SNS_TOPIC_NAME, 'letters, digits, - and _ (1-256)')],
  },
  messageRetentionDays: {
    prop: 'messageRetentionDays',
    variable: 'message_retention_days',
    type: 'number',
    default: defaults.messageRetentionDays,
    description: 'Days a message is kept before DynamoDB TTL removes it.',
    rules: [rules.integerBetween(1, 3650)],
  },
  stageName: {
    prop: 'stageName',
    variable: 'stage_name',
    type: 'string',
    default: defaults.stageName,
    description: 'API Gateway stage name (part of the WebSocket URL).',
    rules: [rules.matches(STAGE_NAME, 'letters, digits, - and _ (1-128)')],
  },
  throttlingRateLimit: {
    prop: 'throttling.rateLimit',
    variable: 'stage_throttling_rate_limit',
    type: 'number',
    default: defaults.throttling.rateLimit,
    description: 'Stage-wide steady-state requests per second (connects and frames) across all clients.',
    rules: [rules.integerBetween(1, 100000)],
  },
  throttlingBurstLimit: {
    prop: 'throttling.burstLimit',
    variable: 'stage_throttling_burst_limit',
    type: 'number',
    default: defaults.throttling.burstLimit,
    description: 'Stage-wide burst bucket size in requests.',
    rules: [rules.integerBetween(1, 100000)],
  },
  rateLimitMessages: {
    prop: 'rateLimit.messages',
    variable: 'connection_rate_limit_messages',
    type: 'number',
    default: defaults.rateLimit.messages,
    description: 'Messages one connection may send per window (`message.send` beyond it is answered `RATE_LIMITED`).',
    rules: [rules.integerBetween(1, 10000)],
  },
  rateLimitWindowSeconds: {
    prop: 'rateLimit.windowSeconds',
    variable: 'connection_rate_limit_window_seconds',
    type: 'number',
    default: defaults.rateLimit.windowSeconds,
    description: 'Length of the per-connection rate-limit window in seconds (fixed window).',
    rules: [rules.integerBetween(1, 3600)],
  },
  lambdaArchitecture: {
    prop: 'lambda.architecture',
    variable: 'lambda_architecture',
    type: 'string',
    default: defaults.lambda.architecture,
    description: 'Instruction set architecture of every function.',
    rules: [rules.oneOf(['arm64', 'x86_64'], "'arm64' or 'x86_64'")],
  },
  lambdaMemorySize: {
    prop: 'lambda.memorySize',
    variable: 'lambda_memory_size',
    type: 'number',
    default: defaults.lambda.memorySize,
    description: 'Memory of every function in MB (CPU scales with it).',
    rules: [rules.integerBetween(128, 10240)],
  },
  lambdaTimeout: {
    prop: 'lambda.timeout',
    variable: 'lambda_timeout',
    type: 'number',
    default: defaults.lambda.timeout,
    description: 'Timeout of every function in seconds.',
    rules: [rules.integerBetween(1, 900)],
  },
  logRetentionDays: {
    prop: 'logRetentionDays',
    variable: 'log_retention_days',
    type: 'number',
    default: defaults.logRetentionDays,
    description: 'Retention of every log group (functions and API access log).',
    rules: [rules.oneOf(LOG_RETENTION_DAYS, `one of CloudWatch's retention periods (${LOG_RETENTION_DAYS.join(', ')})`)],
  },
  kmsKeyArn: {
    prop: 'kmsKeyArn',
    variable: 'kms_key_arn',
    type: 'string',
    default: null,
    description:
      'ARN of a customer-managed KMS key (in the region of the resources) encrypting the tables, topic, queues, log groups and ' +
      'function environments; its key policy must let CloudWatch Logs and SNS use it. Default: AWS managed encryption.',
    rules: [rules.matches(KMS_KEY_ARN, 'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)')],
  },
  deletionProtection: {
    prop: 'deletionProtection',
    variable: 'deletion_protection',
    type: 'bool',
    default: defaults.deletionProtection,
    description: 'Deletion protection on the tables (and the created Cognito user pool).',
    rules: [rules.boolean()],
  },
  configureApiGatewayAccountLogging: {
    prop: 'configureApiGatewayAccountLogging',
    variable: 'configure_api_gateway_account_logging',
    type: 'bool',
    default: defaults.configureApiGatewayAccountLogging,
    description:
      "Manage the account's API Gateway CloudWatch Logs role (one setting per account and region, replaced by this one). " +
      'Turn it off when the account already has the role or another stack manages it.',
    rules: [rules.boolean()],
  },
  tags: {
    prop: 'tags',
    variable: 'tags',
    type: 'map(string)',
    default: {},
    description: 'Tags added to every taggable resource (at most 40; AWS tag rules).',
    rules: [],
  },
  authMode: {
    prop: 'auth',
    variable: 'auth_mode',
    type: 'string',
    default: 'cognito_user_pool',
    description:
      'How clients prove who they are at `$connect`: `cognito_user_pool` (a pool created with the chat), ' +
      '`existing_cognito_user_pool` (`cognito_user_pool_id`, `cognito_client_id`), `jwt` (any OpenID Connect issuer: ' +
      '`jwt_jwks_url`, `jwt_issuer`, `jwt_audience`) or `none` (INSECURE: clients name themselves).',
    rules: [rules.oneOf(Object.keys(AUTH_MODES), Object.keys(AUTH_MODES).map((mode) => `"${mode}"`).join(', ').replace(/, ([^,]*)$/, ' or $1'))],
  },
  jwtJwksUrl: {
    prop: 'auth.jwksUrl',
    variable: 'jwt_jwks_url',
    type: 'string',
    default: undefined,
    description: 'With `auth_mode = "jwt"`: HTTPS URL of the issuer\'s JSON Web Key Set (the `jwks_uri` of its OpenID configuration).',
    rules: [{ ...rules.matches(HTTPS_URL, 'an https:// URL') }],
  },
  jwtIssuer: {
    prop: 'auth.issuer',
    variable: 'jwt_issuer',
    type: 'string',
    default: undefined,
    description: 'With `auth_mode = "jwt"`: the expected `iss` claim, exactly as the issuer writes it.',
    rules: [rules.nonEmpty()],
  },
  jwtAudience: {
    prop: 'auth.audience',
    variable: 'jwt_audience',
    type: 'list(string)',
    default: undefined,
    description: 'With `auth_mode = "jwt"`: accepted `aud` values; tokens must carry one of them.',
    rules: [
      {
        requirement: 'a non-empty string (or a list of them) without commas',
        test: (value) => {
          const list = Array.isArray(value) ? value : [value];
          return list.length > 0 && list.every((item) => typeof item === 'string' && item.trim() !== '' && !item.includes(','));
        },
        condition: (ref) => `length(${ref}) > 0 && alltrue([for audience in ${ref} : length(trimspace(audience)) > 0 && !strcontains(audience, ",")])`,
      },
    ],
  },
  cognitoUserPoolId: {
    prop: 'auth.cognitoUserPoolId',
    variable: 'cognito_user_pool_id',
    type: 'string',
    default: undefined,
    description: 'With `auth_mode = "existing_cognito_user_pool"`: the pool id, `<region>_<id>`.',
    rules: [rules.matches(COGNITO_POOL_ID, 'a Cognito user pool id like "eu-west-1_AbCdEf123"')],
  },
  cognitoClientId: {
    prop: 'auth.cognitoClientId',
    variable: 'cognito_client_id',
    type: 'string',
    default: undefined,
    description: 'With `auth_mode = "existing_cognito_user_pool"`: the app client id (the `aud` of the ID tokens clients send).',
    rules: [rules.matches(COGNITO_CLIENT_ID, 'a Cognito app client id (letters and digits)')],
  },
  userIdClaim: {
    prop: 'auth.userIdClaim',
    variable: 'user_id_claim',
    type: 'string',
    default: defaults.userIdClaim,
    description: 'Claim holding the user id.',
    rules: [claimRule],
  },
  rolesClaim: {
    prop: 'auth.rolesClaim',
    variable: 'roles_claim',
    type: 'string',
    default: defaults.rolesClaim,
    description: "Claim listing the user's roles or groups.",
    rules: [claimRule],
  },
  agentRole: {
    prop: 'auth.agentRole',
    variable: 'agent_role',
    type: 'string',
    default: defaults.agentRole,
    description: 'Value of the roles claim (the Cognito group, when the pool is created) that makes a connection an agent.',
    rules: [claimRule],
  },
  maxTokenAgeSeconds: {
    prop: 'auth.maxTokenAgeSeconds',
    variable: 'max_token_age_seconds',
    type: 'number',
    default: DEFAULTS.maxTokenAgeSeconds,
    description:
      'Oldest token the authorizer accepts, in seconds since its `iat` claim, whatever its `exp`: tokens without `iat` ' +
      'are refused, and so are tokens issued in the future (beyond the clock tolerance).',
    rules: [rules.integerBetween(60, 7 * 86400)],
  },
  selfSignUp: {
    prop: 'auth.selfSignUp',
    variable: 'cognito_self_sign_up',
    type: 'bool',
    default: false,
    description: 'With `auth_mode = "cognito_user_pool"`: let anyone sign up through the app client (otherwise administrators create users).',
    rules: [rules.boolean()],
  },
  domainName: {
    prop: 'domain.domainName',
    variable: 'domain_name',
    type: 'string',
    default: undefined,
    description: 'Custom domain clients connect to, e.g. `chat.example.com` (regional endpoint). Default: none.',
    rules: [rules.matches(DOMAIN_NAME, 'a lowercase DNS name'), rules.maxLength(253, 'a lowercase DNS name')],
  },
  certificateArn: {
    prop: 'domain.certificateArn',
    variable: 'certificate_arn',
    type: 'string',
    default: undefined,
    description: 'With `domain_name`: ARN of an ACM certificate for it, in the region of the API.',
    rules: [rules.matches(ACM_CERTIFICATE_ARN, 'an ACM certificate ARN')],
  },
  hostedZoneId: {
    prop: 'domain.hostedZoneId',
    variable: 'hosted_zone_id',
    type: 'string',
    default: undefined,
    description: 'With `domain_name`: Route 53 hosted zone in which to create its A and AAAA alias records. Default: no record.',
    rules: [rules.matches(HOSTED_ZONE_ID, 'a Route 53 zone id')],
  },
  bots: {
    prop: 'bots',
    variable: 'bots',
    type: BOTS_TYPE,
    default: {},
    description:
      'Bots to subscribe to the topic, by name (letters, digits, - and _): each a Lambda function (`function_arn`, ' +
      '`function_name`) with an optional SNS `filter_policy` (JSON; default: user messages not under human takeover) and ' +
      '`dead_letter_queue_name` (default `<topic>-<name>-dlq`). Give their roles the `bot_reply_invoke_policy_arn` output.',
    rules: [],
  },
  logLevel: {
    prop: 'logLevel',
    variable: 'log_level',
    type: 'string',
    default: defaults.logLevel,
    description:
      'Log level of every function (`CHAT_LOG_LEVEL`): `info` logs one line per event without message text, `debug` adds ' +
      'details that may contain what users wrote (only while debugging), `warn` and `error` log less.',
    rules: [rules.oneOf(LOG_LEVELS, LOG_LEVELS.map((level) => `"${level}"`).join(', ').replace(/, ([^,]*)$/, ' or $1'))],
  },
  tracing: {
    prop: 'tracing',
    variable: 'tracing_mode',
    type: 'string',
    default: defaults.tracing,
    description:
      'X-Ray tracing of every function: `Active` samples invocations in Lambda itself (X-Ray\'s default rule: 1 request a ' +
      'second and 5% beyond), `PassThrough` traces only requests sampled upstream, which WebSocket frames never are.',
    rules: [rules.oneOf(TRACING_MODES, TRACING_MODES.map((mode) => `"${mode}"`).join(' or '))],
  },
  dashboard: {
    prop: 'dashboard',
    variable: 'dashboard_enabled',
    type: 'bool',
    default: defaults.dashboard,
    description: 'Create the CloudWatch dashboard `<name>-chat` (connections, messages, latency, outbox lag, bots, deliveries, errors, queues).',
    rules: [rules.boolean()],
  },
  alarmsEnabled: {
    prop: 'alarms.enabled',
    variable: 'alarms_enabled',
    type: 'bool',
    default: alarmDefaults.enabled,
    description: 'Create the CloudWatch alarms (help/operations.md lists them, each with its runbook entry).',
    rules: [rules.boolean()],
  },
  alarmTopicArn: {
    prop: 'alarmTopicArn',
    variable: 'alarm_topic_arn',
    type: 'string',
    default: null,
    description:
      'SNS topic (standard, not encrypted with `alias/aws/sns`) receiving every alarm and OK notification. Default: a topic ' +
      '`<name>-alarms` created with the alarms, encrypted with `kms_key_arn` or a key created for it.',
    rules: [rules.matches(SNS_TOPIC_ARN, 'an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)')],
  },
  alarmEmails: {
    prop: 'alarmEmails',
    variable: 'alarm_emails',
    type: 'list(string)',
    default: [],
    description: 'Email addresses subscribed to the alarm topic (each confirms the subscription from the email SNS sends).',
    rules: [eachMatches(EMAIL, 'a list of email addresses')],
  },
  alarmFunctionErrors: threshold('alarms.functionErrors', 'alarm_function_errors', `Errors of one function in ${countPeriod} that raise its alarm.`),
  alarmFunctionThrottles: threshold('alarms.functionThrottles', 'alarm_function_throttles', `Throttled invocations of one function in ${countPeriod} that raise its alarm.`),
  alarmFunctionDurationPercentOfTimeout: threshold(
    'alarms.functionDurationPercentOfTimeout',
    'alarm_function_duration_percent_of_timeout',
    'p99 duration of a function, in percent of its timeout, that raises its alarm (invocations close to timing out).',
    100,
  ),
  alarmOutboxIteratorAgeSeconds: threshold(
    'alarms.outboxIteratorAgeSeconds',
    'alarm_outbox_iterator_age_seconds',
    `Age in seconds of the newest stream record the outbox read (for ${minutesOf(ALARM_WINDOWS.iteratorAge)} in a row) that raises its alarm: how far bots lag behind users.`,
    86400,
  ),
  alarmDeadLetterQueueMessages: threshold(
    'alarms.deadLetterQueueMessages',
    'alarm_dead_letter_queue_messages',
    'Messages visible in a dead-letter or failure queue (outbox failures, bot-reply, each bot) that raise its alarm.',
  ),
  alarmApiIntegrationErrors: threshold(
    'alarms.apiIntegrationErrors',
    'alarm_api_integration_errors',
    `WebSocket frames answered with an error by their function in ${countPeriod} that raise the alarm.`,
  ),
  alarmApiExecutionErrors: threshold(
    'alarms.apiExecutionErrors',
    'alarm_api_execution_errors',
    `WebSocket frames API Gateway failed to hand to their function in ${countPeriod} that raise the alarm.`,
  ),
  alarmApiClientErrorPercent: threshold(
    'alarms.apiClientErrorPercent',
    'alarm_api_client_error_percent',
    `Percent of WebSocket messages refused by API Gateway before any function (4xx), for ${minutesOf(ALARM_WINDOWS.clientErrorRate)}, that raises the alarm.`,
    100,
  ),
  alarmDynamodbThrottledRequests: threshold(
    'alarms.dynamodbThrottledRequests',
    'alarm_dynamodb_throttled_requests',
    `Throttled requests of one table in ${countPeriod} that raise its alarm.`,
  ),
  alarmDynamodbSystemErrors: threshold(
    'alarms.dynamodbSystemErrors',
    'alarm_dynamodb_system_errors',
    `DynamoDB system errors (HTTP 500) of one table in ${countPeriod} that raise its alarm.`,
  ),
  alarmAuthorizerDenials: threshold(
    'alarms.authorizerDenials',
    'alarm_authorizer_denials',
    `Connects denied by the authorizer in ${countPeriod} that raise the alarm (a spike: a broken client or issuer, or probing).`,
  ),
} as const satisfies Readonly<Record<string, Setting>>;

export type SettingKey = keyof typeof SETTINGS;

/**
 * Settings required once another is chosen. The construct's prop types make them required in their kind of
 * `auth` or in `domain`; the module checks them across its variables (Terraform 1.9+ validation).
 */
export const REQUIRED_WITH: ReadonlyArray<{
  readonly setting: SettingKey;
  readonly when: { readonly setting: SettingKey; readonly equals: string } | { readonly setting: SettingKey; readonly isSet: true };
}> = [
  { setting: 'jwtJwksUrl', when: { setting: 'authMode', equals: 'jwt' } },
  { setting: 'jwtIssuer', when: { setting: 'authMode', equals: 'jwt' } },
  { setting: 'jwtAudience', when: { setting: 'authMode', equals: 'jwt' } },
  { setting: 'cognitoUserPoolId', when: { setting: 'authMode', equals: 'existing_cognito_user_pool' } },
  { setting: 'cognitoClientId', when: { setting: 'authMode', equals: 'existing_cognito_user_pool' } },
  { setting: 'certificateArn', when: { setting: 'domainName', isSet: true } },
];

/** The tag rules (a map's keys and values), shared by the construct and the module. */
export const TAG_RULES = {
  maxTags: 40,
  key: rules.matches(TAG_KEY, '1-128 allowed characters'),
  value: rules.matches(TAG_VALUE, 'a string of 0-256 allowed characters'),
} as const;

/** The first rule `value` breaks, or undefined when it follows them all. */
export function brokenRule(setting: Setting, value: unknown): Rule | undefined {
  return setting.rules.find((rule) => !rule.test(value));
}
