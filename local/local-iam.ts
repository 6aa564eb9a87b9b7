/**
 * Identities and IAM for the local runtime. Every function, every bot and the operator (you, with the AWS CLI
 * or a test) hold their own access key; an AWS request is tied to the principal whose key signed it
 * (local/sigv4.ts) and allowed only when one of that principal's statements allows the action on the
 * resource, as IAM evaluates identity-based policies. A function's statements are exactly the deployment
 * model's (lib/deployment-model.ts), resolved to the runtime's own ARNs: what the construct synthesizes.
 * Every refusal is logged with who asked for what.
 */
import { randomBytes } from 'node:crypto';
import type { IssuedKey } from './sigv4';
import type { RuntimeLogger } from './logger';

/** An IAM statement with its resources as ARNs (patterns with `*` and `?`). */
export interface ResolvedStatement {
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

export interface LocalCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface LocalPrincipal {
  /** The function's name, or `operator`. */
  readonly name: string;
  readonly kind: 'function' | 'bot' | 'operator';
  /** The role session AWS would name in a refusal: `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  readonly arn: string;
  readonly credentials: LocalCredentials;
  readonly statements: readonly ResolvedStatement[];
}

export type Authorization = { readonly allowed: true } | { readonly allowed: false; readonly message: string };

export interface LocalIamOptions {
  readonly accountId: string;
  readonly logger: RuntimeLogger;
}

/** What the operator may do: everything (it stands for an administrator's credentials). */
const OPERATOR_STATEMENTS: readonly ResolvedStatement[] = [{ sid: 'LocalOperator', actions: ['*'], resources: ['*'] }];

export class LocalIam {
  private readonly byAccessKey = new Map<string, { principal: LocalPrincipal; clockOffsetMs: number }>();
  /** The operator: full access, for tools and tests that call the runtime's AWS endpoints themselves. */
  readonly operator: LocalPrincipal;

  constructor(private readonly options: LocalIamOptions) {
    this.operator = this.issue('operator', 'operator', OPERATOR_STATEMENTS);
  }

  /** Issues a principal its own credentials. `clockOffsetMs`: the clock it signs with runs this far ahead. */
  issue(name: string, kind: LocalPrincipal['kind'], statements: readonly ResolvedStatement[], clockOffsetMs = 0): LocalPrincipal {
    const credentials: LocalCredentials = {
      // AWS's shape: 20 characters, upper case, a prefix telling what it is.
      accessKeyId: `LOCAL${randomBytes(10).toString('hex').toUpperCase().slice(0, 15)}`,
      secretAccessKey: randomBytes(30).toString('base64'),
    };
    const arn =
      kind === 'operator'
        ? `arn:aws:iam::${this.options.accountId}:user/local-operator`
        : `arn:aws:sts::${this.options.accountId}:assumed-role/${name}/${name}`;
    const principal: LocalPrincipal = { name, kind, arn, credentials, statements };
    this.byAccessKey.set(credentials.accessKeyId, { principal, clockOffsetMs });
    return principal;
  }

  /** The secret and clock of an access key the runtime issued (for signature checks). */
  keyOf(accessKeyId: string): IssuedKey | undefined {
    const entry = this.byAccessKey.get(accessKeyId);
    if (!entry) return undefined;
    return { secretAccessKey: entry.principal.credentials.secretAccessKey, now: () => Date.now() + entry.clockOffsetMs };
  }

  principalOf(accessKeyId: string): LocalPrincipal | undefined {
    return this.byAccessKey.get(accessKeyId)?.principal;
  }

  /**
   * Whether `principal` may perform `action` (e.g. `dynamodb:PutItem`) on `resource` (an ARN); a refusal
   * carries AWS's message and is logged naming the principal, the action and the resource.
   */
  authorize(principal: LocalPrincipal, action: string, resource: string): Authorization {
    if (principal.statements.some((statement) => statementAllows(statement, action, resource))) return { allowed: true };
    this.options.logger.error('iam.access_denied', { principal: principal.name, kind: principal.kind, action, resource });
    return {
      allowed: false,
      message:
        `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${resource} ` +
        `because no identity-based policy allows the ${action} action`,
    };
  }
}

/** IAM's matching of one Allow statement: actions case-insensitively, resources case-sensitively, `*` and `?` wildcards. */
export function statementAllows(statement: ResolvedStatement, action: string, resource: string): boolean {
  return (
    statement.actions.some((pattern) => wildcard(pattern, 'i').test(action)) &&
    statement.resources.some((pattern) => wildcard(pattern, '').test(resource))
  );
}

function wildcard(pattern: string, flags: string): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, flags);
}
