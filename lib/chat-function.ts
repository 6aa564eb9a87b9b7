/**
 * One Lambda function of the chat server: its bundle (TerraformAsset directory zipped by the
 * `archive_file` data source), its own log group (created first, with retention), its own role and
 * inline policy (log writes to its log group plus the exact statements it is given).
 */
import { Construct } from 'constructs';
import { AssetType, Fn, TerraformAsset, Token, type TerraformResource } from 'cdktf';
import { DataArchiveFile } from '@cdktf/provider-archive/lib/data-archive-file';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { BUNDLE_HANDLER, type HandlerBundle } from './bundling';
import { LAMBDA_RUNTIME } from './chat-server-defaults';
import { skipCheckovCheck } from './checkov';
import type { FunctionModel, ResourceRef } from './deployment-model';
import { ARCHIVE_FILE_MODE } from './deterministic-zip';
import { policyDocument, serviceTrustPolicy, type PolicyStatement } from './iam';
import { allOn, given, isPlanTime, switchResource, type Switch } from './switch';

/** A prebuilt zip of the function's bundle (the Terraform module ships them): its path and its hash, as Terraform expressions. */
export interface FunctionZip {
  readonly filename: string;
  readonly sourceCodeHash: string;
}

export { LAMBDA_RUNTIME };

/** Fixed file mode inside the zip, so the archive (and its hash) is the same on every machine. */
export { ARCHIVE_FILE_MODE };

export interface ChatFunctionProps {
  /** The function in the deployment model: name, settings, statements. */
  readonly model: FunctionModel;
  /** The code: the bundle (zipped by Terraform's `archive_file`), or a prebuilt zip. */
  readonly code: HandlerBundle | FunctionZip;
  /**
   * Whether the function exists (a plan-time switch makes every resource of it conditional).
   * @default true
   */
  readonly enabled?: Switch;
  /** The model's environment with every reference resolved. */
  readonly environment: Readonly<Record<string, string>>;
  /** Resolves the references of the model's statements (its own log streams excepted: this construct creates them). */
  readonly resolve: (ref: ResourceRef) => string;
  readonly logRetentionDays: number;
  readonly kmsKeyArn?: string;
  /**
   * The id of the account the function runs in (an expression known at apply): only Lambda acting for this
   * account may assume the role (`aws:SourceAccount` in its trust policy). It must not come from anything
   * that depends on the role.
   */
  readonly accountId: string;
  /**
   * How the function is invoked. With `deadLetterQueueArn` (it may be invoked asynchronously), failed
   * asynchronous invocations go to that queue after Lambda's retries (the model grants the role
   * `sqs:SendMessage` there); otherwise `synchronousOnly` says what invokes it, synchronously (the reason a
   * function DLQ would stay empty). `concurrencyBound` says what bounds its concurrency (why none is reserved).
   */
  readonly invocation:
    | { readonly deadLetterQueueArn: string; readonly concurrencyBound: string }
    | { readonly synchronousOnly: string; readonly concurrencyBound: string };
  /**
   * X-Ray tracing mode (`tracing_config`); a token is decided at plan time (the module's variable).
   * @default 'Active'
   */
  readonly tracing?: 'Active' | 'PassThrough';
}

/** Why no function reserves concurrency, whatever bounds it. */
const RESERVED_CONCURRENCY_REASON =
  'Reserved concurrency is carved out of the account quota: it fails in accounts with the default low ' +
  'concurrency quota and throttles the function at a value this module cannot know; set ' +
  'reserved_concurrent_executions on the function where a cap is wanted.';

export class ChatFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly policy: IamRolePolicy;
  readonly logGroup: CloudwatchLogGroup;
  /** What the customer key adds to the role (present exactly when a key is configured). */
  readonly keyPolicy?: IamRolePolicy;
  /** The `archive_file` zipping the bundle (absent with a prebuilt zip). */
  readonly archive?: DataArchiveFile;

  constructor(scope: Construct, id: string, props: ChatFunctionProps) {
    super(scope, id);
    const { model, kmsKeyArn, invocation } = props;
    const functionName = model.name;
    const enabled = props.enabled ?? true;
    const on = <T extends TerraformResource>(resource: T): T => switchResource(resource, enabled);
    const deadLetterQueueArn = 'deadLetterQueueArn' in invocation ? invocation.deadLetterQueueArn : undefined;
    const keyGiven = given(kmsKeyArn);

    let code: FunctionZip;
    if ('directory' in props.code) {
      const asset = new TerraformAsset(this, 'bundle', {
        path: props.code.directory,
        type: AssetType.DIRECTORY,
        // Content hash of the bundle: the asset path changes exactly when the code does.
        assetHash: props.code.sha256,
      });
      this.archive = new DataArchiveFile(this, 'archive', {
        type: 'zip',
        sourceDir: `\${path.module}/${asset.path}`,
        outputPath: `\${path.module}/build/${functionName}.zip`,
        outputFileMode: ARCHIVE_FILE_MODE,
      });
      if (isPlanTime(enabled)) {
        this.archive.count = Token.asNumber(Fn.conditional(enabled, 1, 0));
      }
      code = { filename: this.archive.outputPath, sourceCodeHash: this.archive.outputBase64Sha256 };
    } else {
      code = props.code;
    }

    this.logGroup = on(
      new CloudwatchLogGroup(this, 'logs', {
        name: `/aws/lambda/${functionName}`,
        retentionInDays: props.logRetentionDays,
        kmsKeyId: kmsKeyArn,
      }),
    );
    if (keyGiven !== true) {
      skipCheckovCheck(
        this.logGroup,
        'CKV_AWS_158',
        'Encrypted by CloudWatch Logs with its service key; set kmsKeyArn to use a customer-managed key.',
      );
    }

    this.role = on(
      new IamRole(this, 'role', {
        name: functionName,
        description: `Execution role of ${functionName}`,
        assumeRolePolicy: serviceTrustPolicy('lambda.amazonaws.com', props.accountId),
      }),
    );
    const resolve = (statements: FunctionModel['statements']): PolicyStatement[] =>
      statements.map((statement) => ({
        ...statement,
        resources: statement.resources.map((ref) =>
          ref.kind === 'logStreams' && ref.fn === model.id ? `${this.logGroup.arn}:*` : props.resolve(ref),
        ),
      }));
    this.policy = on(
      new IamRolePolicy(this, 'policy', {
        name: functionName,
        role: this.role.id,
        policy: policyDocument(resolve(model.statements)),
      }),
    );
    if (model.keyStatements.length > 0 && keyGiven !== false) {
      this.keyPolicy = switchResource(
        new IamRolePolicy(this, 'key-policy', {
          name: `${functionName}-kms`,
          role: this.role.id,
          policy: policyDocument(resolve(model.keyStatements)),
        }),
        allOn(enabled, keyGiven),
      );
    }

    this.function = on(new LambdaFunction(this, 'function', {
      functionName,
      description: model.description,
      role: this.role.arn,
      runtime: LAMBDA_RUNTIME,
      architectures: [model.architecture],
      handler: BUNDLE_HANDLER,
      filename: code.filename,
      sourceCodeHash: code.sourceCodeHash,
      memorySize: model.memorySize,
      timeout: model.timeout,
      environment: { variables: { ...props.environment } },
      kmsKeyArn,
      deadLetterConfig: deadLetterQueueArn ? { targetArn: deadLetterQueueArn } : undefined,
      // The handlers write one JSON object per line themselves; Text keeps those lines as they are.
      loggingConfig: { logFormat: 'Text', logGroup: this.logGroup.name },
      // The role may write traces in either mode (the model's WriteTraces statement).
      tracingConfig: { mode: props.tracing ?? 'Active' },
      // The log group exists (with its retention) before the first invocation could create it without
      // one, and the policies are in place before the function can run.
      dependsOn: [this.logGroup, this.policy, ...(this.keyPolicy ? [this.keyPolicy] : [])],
    }));
    skipCheckovCheck(
      this.function,
      'CKV_AWS_117',
      'No VPC: the function only calls AWS public endpoints (DynamoDB, SNS, API Gateway) over TLS with IAM; ' +
        'a VPC would add NAT cost and cold-start latency without narrowing access.',
    );
    if (!('deadLetterQueueArn' in invocation)) {
      skipCheckovCheck(
        this.function,
        'CKV_AWS_116',
        `Only ${invocation.synchronousOnly} invokes it, synchronously; a function dead-letter queue receives failed ` +
          'asynchronous invocations only, so it would stay empty.',
      );
    }
    skipCheckovCheck(this.function, 'CKV_AWS_115', `${invocation.concurrencyBound} ${RESERVED_CONCURRENCY_REASON}`);
    skipCheckovCheck(
      this.function,
      'CKV_AWS_272',
      'Code integrity comes from the synth: the zip is built from the bundled sources and pinned by ' +
        'source_code_hash; AWS Signer profiles are outside the scope of this module.',
    );
    if (props.tracing === 'PassThrough') {
      skipCheckovCheck(
        this.function,
        'CKV_AWS_50',
        "Tracing is PassThrough by the tracing prop's choice: only requests sampled upstream are traced; every function " +
          'logs one structured line per event with the request, connection and message ids, which correlates a message across functions.',
      );
    }
    if (keyGiven !== true) {
      skipCheckovCheck(
        this.function,
        'CKV_AWS_173',
        'Environment variables hold only resource names, ARNs and settings (no secrets) and are encrypted ' +
          'with the Lambda service key; set kmsKeyArn to use a customer-managed key.',
      );
    }
  }
}
