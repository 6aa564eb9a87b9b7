/**
 * The ChatServer defaults, in one place (the props' JSDoc `@default` tags repeat them for readers). Free of
 * cdktf, so the local runtime and the deployment model read the same values as the construct.
 */
import { PACKAGE_ROOT } from './package-root';
import { DEFAULTS } from './schema';

/**
 * AWS provider versions the synthesized stack and the Terraform module accept: typed against 6.x by the
 * bindings (@cdktf/provider-aws 21.22.1 = provider 6.25) and planned against 5.100 in the tests.
 */
export const AWS_PROVIDER_VERSION_RANGE = '>= 5.100.0, < 7.0.0';

/** Lambda runtime of every function (the handlers are bundled for Node.js 22). */
export const LAMBDA_RUNTIME = 'nodejs22.x';

export const CHAT_SERVER_DEFAULTS = {
  messageRetentionDays: DEFAULTS.messageRetentionDays,
  stageName: 'prod',
  throttling: { rateLimit: 1000, burstLimit: 500 },
  rateLimit: { messages: DEFAULTS.rateLimitMessages, windowSeconds: DEFAULTS.rateLimitWindowSeconds },
  lambda: { architecture: 'arm64', memorySize: 256, timeout: 10 },
  logRetentionDays: 365,
  deletionProtection: true,
  configureApiGatewayAccountLogging: true,
  userIdClaim: DEFAULTS.userIdClaim,
  rolesClaim: DEFAULTS.rolesClaim,
  agentRole: DEFAULTS.agentRole,
  /** This package: its handlers' sources in the repository, its prebuilt bundles once built. */
  handlerSourceRoot: PACKAGE_ROOT,
  /** CHAT_LOG_LEVEL of every function: info logs every event without message text (debug adds it). */
  logLevel: 'info',
  /**
   * X-Ray tracing of every function. Active: each invocation is sampled by Lambda itself (1 request per second
   * and 5% beyond, X-Ray's default rule), so a slow message can be followed through API Gateway, the functions
   * and their AWS calls without a client sending a trace header; PassThrough traces only requests already sampled
   * upstream, which a WebSocket client never is.
   */
  tracing: 'Active',
  /** The CloudWatch dashboard `<name>-chat`. */
  dashboard: true,
  /** The CloudWatch alarms (lib/alarms.ts) and their thresholds; ALARM_WINDOWS says over which period each is judged. */
  alarms: {
    enabled: true,
    /** Unhandled errors of one function in a period (handlers answer bad frames themselves: an Error is a bug or an outage). */
    functionErrors: 1,
    /** Throttled invocations of one function in a period (the account's concurrency is exhausted). */
    functionThrottles: 1,
    /** p99 duration of one function, in percent of its timeout: beyond it, invocations are close to timing out. */
    functionDurationPercentOfTimeout: 80,
    /** Age of the newest record the outbox read, in seconds (Maximum): how far bots lag behind users. */
    outboxIteratorAgeSeconds: 60,
    /** Messages in any dead-letter or failure queue: each one is a message or reply that was lost until replayed. */
    deadLetterQueueMessages: 1,
    /** WebSocket frames whose integration (a function) answered an error, in a period. */
    apiIntegrationErrors: 5,
    /** Frames API Gateway could not hand to their integration at all, in a period. */
    apiExecutionErrors: 1,
    /** Frames refused by API Gateway before any function (4xx: throttling, bad routes, refused connects), in percent of all messages. */
    apiClientErrorPercent: 10,
    /** Throttled DynamoDB requests of one table in a period (on-demand tables: a hot partition, a thread of runaway traffic). */
    dynamodbThrottledRequests: 1,
    /** DynamoDB internal errors (HTTP 500) of one table in a period. */
    dynamodbSystemErrors: 1,
    /** Connects the authorizer denied in a period: a spike is a misconfigured client or issuer, or someone probing. */
    authorizerDenials: 100,
  },
} as const;

/**
 * Over what each alarm judges its metric: the period of one data point (seconds) and how many consecutive
 * points must breach. Counts are judged on 5 minutes (one bad point alarms), lag on five 1-minute points (a
 * moment of lag behind a burst is normal, five minutes of it is not).
 */
export const ALARM_WINDOWS = {
  counts: { periodSeconds: 300, evaluationPeriods: 1, datapointsToAlarm: 1 },
  duration: { periodSeconds: 300, evaluationPeriods: 3, datapointsToAlarm: 2 },
  iteratorAge: { periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 5 },
  clientErrorRate: { periodSeconds: 300, evaluationPeriods: 3, datapointsToAlarm: 3 },
} as const;

/** The extended statistic the duration alarms read (the slowest 1% of invocations). */
export const DURATION_ALARM_STATISTIC = 'p99';

/** The log levels a function can run at (CHAT_LOG_LEVEL): each logs its own lines and those of the levels after it. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Lambda's tracing modes. */
export const TRACING_MODES = ['Active', 'PassThrough'] as const;

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

