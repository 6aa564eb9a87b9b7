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
  /** CHAT_LOG_LEVEL of every function. */
  logLevel: 'info',
} as const;

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

