/**
 * ChatInfraStack: a Terraform stack holding one ChatServer, with the AWS provider (default tags),
 * the archive provider (function zips) and the state backend: S3 with S3-native locking when a
 * bucket is configured, otherwise a local state file (announced once on stderr).
 */
import * as path from 'node:path';
import type { Construct } from 'constructs';
import { App, LocalBackend, S3Backend, TerraformStack, Token } from 'cdktf';
import { ArchiveProvider } from '@cdktf/provider-archive/lib/provider';
import type { Apigatewayv2Api } from '@cdktf/provider-aws/lib/apigatewayv2-api';
import type { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { ChatServer } from './chat-server';
import { AWS_PROVIDER_VERSION_RANGE } from './chat-server-defaults';
import { ChatServerPropsError, resolveTags, type ChatServerProps } from './chat-server-props';
import { addChatServerOutputs } from './outputs';
import type { ResponderTopic } from './responder-topic';

// Declared without cdktf (the Terraform module's versions.tf reads it too); re-exported for existing importers.
export { AWS_PROVIDER_VERSION_RANGE };
/** Archive provider versions with `output_file_mode` (deterministic zips). */
export const ARCHIVE_PROVIDER_VERSION_RANGE = '>= 2.4.0, < 3.0.0';
export const DEFAULT_REGION = 'us-east-1';

/** Remote state in S3, locked with S3 conditional writes (`use_lockfile`, Terraform >= 1.10). */
export interface ChatStateBackendProps {
  /** Bucket holding the state (create it once, with versioning). */
  readonly bucket: string;
  /**
   * Object key of the state: not starting or ending with `/`, no `//` (Terraform's S3 backend rules),
   * at most 1017 bytes (S3's 1024 minus the `.tflock` suffix of the lock object).
   * @default `chat-server/<stack id>.tfstate`
   */
  readonly key?: string;
  /**
   * Region of the bucket.
   * @default the stack's region
   */
  readonly region?: string;
  /**
   * KMS key encrypting the state object, in the bucket's region: a key ARN, an alias ARN, a key id or
   * `alias/<name>` (what Terraform's S3 backend accepts).
   * @default SSE-S3
   */
  readonly kmsKeyId?: string;
}

export interface ChatInfraStackProps extends ChatServerProps {
  /**
   * AWS region of every resource.
   * @default 'us-east-1'
   */
  readonly region?: string;
  /**
   * Where Terraform keeps the state.
   * @default a local file `terraform.<stack id>.tfstate` in the directory synth runs from (with a notice)
   */
  readonly stateBackend?: ChatStateBackendProps;
}

const REGION_PATTERN = /^[a-z]{2}(?:-gov)?-[a-z]+-\d$/;
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** S3's key limit minus the `.tflock` suffix Terraform appends for the lock object. */
const STATE_KEY_MAX_BYTES = 1024 - '.tflock'.length;
const KMS_KEY_ID = '(?:[a-f0-9]{8}-[a-f0-9]{4}-[1-5][a-f0-9]{3}-[ab89][a-f0-9]{3}-[a-f0-9]{12}|mrk-[a-f0-9]{32})';
const KMS_ALIAS = 'alias/[A-Za-z0-9/_-]+';
/** Terraform's S3 backend `kms_key_id`: key or alias ARN, key id (UUID or multi-Region `mrk-`), or alias name. */
const STATE_KMS_KEY_PATTERN = new RegExp(
  `^(?:arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:(?:key/${KMS_KEY_ID}|${KMS_ALIAS})|${KMS_KEY_ID}|${KMS_ALIAS})$`,
);

/** Problem with a state object key, by Terraform's S3 backend rules and S3's limit; undefined when fine. */
function stateKeyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string' || key.trim() === '') return 'must be a non-empty S3 object key';
  if (Token.isUnresolved(key)) return 'must be a literal string (backend settings cannot reference resources)';
  if (key !== key.trim() || /[\u0000-\u001f\u007f]/.test(key)) {
    return 'must not have leading or trailing spaces or control characters';
  }
  if (key.startsWith('/') || key.endsWith('/')) return 'must not start or end with "/" (Terraform\'s S3 backend refuses it)';
  if (key.includes('//')) return 'must not contain "//" (Terraform\'s S3 backend refuses it)';
  if (Buffer.byteLength(key, 'utf8') > STATE_KEY_MAX_BYTES) {
    return `must be at most ${STATE_KEY_MAX_BYTES} bytes (S3 keys are 1024 bytes; the lock object adds ".tflock")`;
  }
  return undefined;
}

let localStateNoticeShown = false;

/** Region of a literal `arn:<partition>:<service>:<region>:...` (undefined for tokens and anything else). */
function regionOfArn(value: unknown): string | undefined {
  if (typeof value !== 'string' || Token.isUnresolved(value)) return undefined;
  return /^arn:aws[a-z-]*:[a-z0-9-]+:([a-z]{2}(?:-gov)?-[a-z]+-\d):/.exec(value)?.[1];
}

/**
 * A literal ARN of a regional resource the stack uses must be in the stack's region. Malformed ARNs are
 * left to the ChatServer prop validation, which names the format.
 */
function checkSameRegion(
  expected: string,
  prop: string,
  arn: unknown,
  why: string,
  whereExpected = 'the stack deploys to',
): void {
  const region = regionOfArn(arn);
  if (region !== undefined && !Token.isUnresolved(expected) && region !== expected) {
    throw new ChatServerPropsError(prop, `is in region ${region}, but ${whereExpected} ${expected}: ${why}`);
  }
}

export class ChatInfraStack extends TerraformStack {
  readonly chatServer: ChatServer;
  readonly webSocketApi: Apigatewayv2Api;
  readonly responderTopic: ResponderTopic;
  readonly messagesTable: DynamodbTable;
  readonly connectionsTable: DynamodbTable;
  readonly region: string;

  constructor(scope: Construct, id: string, props: ChatInfraStackProps) {
    super(scope, id);
    const { region: regionProp, stateBackend, tags, ...chatProps } = props;
    this.region = regionProp ?? DEFAULT_REGION;
    if (!REGION_PATTERN.test(this.region)) {
      throw new ChatServerPropsError('region', `must be an AWS region like "eu-west-1", got ${JSON.stringify(regionProp)}`);
    }

    checkSameRegion(
      this.region,
      'domain.certificateArn',
      props.domain?.certificateArn,
      "a REGIONAL API Gateway custom domain needs an ACM certificate in the stack's region (request or import it there)",
    );
    checkSameRegion(
      this.region,
      'kmsKeyArn',
      props.kmsKeyArn,
      'DynamoDB, SNS, SQS, Lambda and CloudWatch Logs only use a key of their own region (create one, or a ' +
        'multi-Region replica key, there)',
    );

    new AwsProvider(this, 'aws', {
      region: this.region,
      defaultTags: [{ tags: { 'chat-server': props.name, ...resolveTags(tags) } }],
    });
    new ArchiveProvider(this, 'archive');
    this.addOverride('terraform.required_providers.aws', { source: 'hashicorp/aws', version: AWS_PROVIDER_VERSION_RANGE });
    this.addOverride('terraform.required_providers.archive', { source: 'hashicorp/archive', version: ARCHIVE_PROVIDER_VERSION_RANGE });
    this.configureBackend(id, stateBackend);

    // Tags go on every resource through the provider's default_tags.
    this.chatServer = new ChatServer(this, 'chat', { ...chatProps, tags: {} });
    this.webSocketApi = this.chatServer.webSocketApi;
    this.responderTopic = this.chatServer.responderTopic;
    this.messagesTable = this.chatServer.messagesTable;
    this.connectionsTable = this.chatServer.connectionsTable;
    addChatServerOutputs(this, this.chatServer);
  }

  private configureBackend(id: string, backend: ChatStateBackendProps | undefined): void {
    if (backend) {
      if (typeof backend.bucket !== 'string' || !BUCKET_PATTERN.test(backend.bucket)) {
        throw new ChatServerPropsError('stateBackend.bucket', `must be an S3 bucket name, got ${JSON.stringify(backend.bucket)}`);
      }
      if (backend.region !== undefined && !REGION_PATTERN.test(backend.region)) {
        throw new ChatServerPropsError('stateBackend.region', `must be an AWS region, got ${JSON.stringify(backend.region)}`);
      }
      const key = backend.key ?? `chat-server/${id}.tfstate`;
      const keyProblem = stateKeyProblem(key);
      if (keyProblem) throw new ChatServerPropsError('stateBackend.key', `${keyProblem}, got ${JSON.stringify(backend.key)}`);
      const bucketRegion = backend.region ?? this.region;
      if (backend.kmsKeyId !== undefined) {
        if (typeof backend.kmsKeyId !== 'string' || !STATE_KMS_KEY_PATTERN.test(backend.kmsKeyId)) {
          throw new ChatServerPropsError(
            'stateBackend.kmsKeyId',
            'must be a KMS key ARN, alias ARN, key id or "alias/<name>" (what Terraform\'s S3 backend accepts), ' +
              `got ${JSON.stringify(backend.kmsKeyId)}`,
          );
        }
        checkSameRegion(
          bucketRegion,
          'stateBackend.kmsKeyId',
          backend.kmsKeyId,
          'S3 encrypts the state object with a key of its own region',
          'the state bucket is in',
        );
      }
      new S3Backend(this, {
        bucket: backend.bucket,
        key,
        region: bucketRegion,
        encrypt: true,
        kmsKeyId: backend.kmsKeyId,
      });
      // S3-native state locking (Terraform >= 1.10); cdktf 0.21's S3Backend type predates the option.
      this.addOverride('terraform.backend.s3.use_lockfile', true);
      return;
    }
    // Relative to the stack's output directory (where terraform runs), pointing at the directory synth
    // ran from: the state survives `rm -rf cdktf.out` and the path is the same on every machine.
    const stackDir = path.resolve(App.of(this).outdir, 'stacks', id);
    const statePath = path.relative(stackDir, path.resolve(`terraform.${id}.tfstate`)).split(path.sep).join('/');
    new LocalBackend(this, { path: statePath });
    if (!localStateNoticeShown) {
      localStateNoticeShown = true;
      process.stderr.write(
        `NOTICE: no state bucket configured (CHAT_STATE_BUCKET): stack "${id}" keeps its Terraform state in the ` +
          `local file ${path.resolve(`terraform.${id}.tfstate`)}. Configure an S3 bucket for shared or CI deployments.\n`,
      );
    }
  }
}

/** The seed's entry point: a ChatInfraStack in `app`. */
export function createChatInfraStack(app: Construct, id: string, props: ChatInfraStackProps): ChatInfraStack {
  return new ChatInfraStack(app, id, props);
}
