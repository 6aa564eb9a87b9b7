/**
 * ChatServer: the whole chat backend as one construct. Tables from lib/schema.ts, one function per
 * handler with its own least-privilege role, the WebSocket API with its routes and authorizer, the
 * outbox (messages stream → responder topic) and the bot-reply invoke policy.
 */
import { Construct } from 'constructs';
import { Annotations, App, TerraformStack } from 'cdktf';
import type { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import type { Apigatewayv2Api } from '@cdktf/provider-aws/lib/apigatewayv2-api';
import type { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import type { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { bundleHandlers } from './bundling';
import { ChatFunction, type ChatFunctionProps } from './chat-function';
import {
  ChatServerPropsError,
  resolveChatServerProps,
  type ChatServerProps,
  type ResolvedAuth,
  type ResolvedChatServerProps,
} from './chat-server-props';
import { ChatUserPool } from './cognito-user-pool';
import { createDeadLetterQueue } from './dead-letter-queue';
import { HANDLER_WIRING, type TableAccess } from './handler-wiring';
import type { PolicyStatement } from './iam';
import { policyDocument } from './iam';
import { Outbox } from './outbox';
import { ResponderTopic, type BotFunction, type BotSubscription, type SubscribeBotOptions } from './responder-topic';
import { ENV, HANDLERS, ROUTES, TABLES, type HandlerId, type TableId } from './schema';
import { createTables } from './tables';
import { tagResources } from './tags';
import { ChatWebSocketApi, connectionsEndpointOf, createWebSocketApi, postToConnectionsArnOf } from './websocket-api';

export const INSECURE_AUTH_WARNING =
  "ChatServer: auth is { mode: 'none' }: INSECURE. Clients name themselves with ?userId=&threadId=, so anyone " +
  'can connect as any user, read any thread and send as anyone. Use it only for experiments; configure a JWT ' +
  'issuer or Cognito for anything else.';

/** The JWT settings the authorizer ends up with (tokens when the pool is created in this stack). */
export interface ChatServerAuthSettings {
  readonly mode: 'jwt' | 'none';
  readonly jwksUrl?: string;
  readonly issuer?: string;
  readonly audience?: string;
}

/** Function name suffix of a handler: its entry file name (`handlers/message-send.ts` → `message-send`). */
export function functionSuffix(handlerId: HandlerId): string {
  return HANDLERS[handlerId].replace(/^.*\//, '').replace(/\.ts$/, '');
}

function pascal(value: string): string {
  return value.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase());
}

export class ChatServer extends Construct {
  /** The props with every default applied. */
  readonly config: ResolvedChatServerProps;
  readonly tables: Readonly<Record<TableId, DynamodbTable>>;
  readonly messagesTable: DynamodbTable;
  readonly connectionsTable: DynamodbTable;
  readonly threadsTable: DynamodbTable;
  readonly idempotencyTable: DynamodbTable;
  readonly responderTopic: ResponderTopic;
  readonly webSocketApi: Apigatewayv2Api;
  readonly webSocket: ChatWebSocketApi;
  readonly functions: Readonly<Record<HandlerId, ChatFunction>>;
  /** The function bots invoke to reply (`{userId?, threadId, message}`). */
  readonly botReplyFunction: LambdaFunction;
  /** Attach to a bot's role: allows `lambda:InvokeFunction` on the bot-reply function only. */
  readonly botReplyInvokePolicy: IamPolicy;
  /**
   * `<name>-bot-reply-dlq`: bot-reply invocations made asynchronously (`InvocationType: Event`) that still
   * fail after Lambda's retries. Bots normally invoke synchronously to get the result; alarm on it anyway.
   */
  readonly botReplyDeadLetterQueue: SqsQueue;
  readonly outbox: Outbox;
  /** Created when auth is `{ createCognitoUserPool: true }`. */
  readonly userPool?: ChatUserPool;
  readonly auth: ChatServerAuthSettings;

  constructor(scope: Construct, id: string, props: ChatServerProps) {
    super(scope, id);
    const config = resolveChatServerProps(props);
    this.config = config;
    const { name } = config;
    if (config.auth.mode === 'none') {
      process.stderr.write(`WARNING: ${INSECURE_AUTH_WARNING}\n`);
      Annotations.of(this).addWarning(INSECURE_AUTH_WARNING);
    }
    this.checkAccountWideNames();

    this.tables = createTables(this, {
      name,
      kmsKeyArn: config.kmsKeyArn,
      deletionProtection: config.deletionProtection,
    });
    this.messagesTable = this.tables.messages;
    this.connectionsTable = this.tables.connections;
    this.threadsTable = this.tables.threads;
    this.idempotencyTable = this.tables.idempotency;

    this.responderTopic = new ResponderTopic(this, 'responder-topic', {
      topicName: config.snsTopicName,
      kmsKeyArn: config.kmsKeyArn,
    });
    this.outbox = new Outbox(this, 'outbox', {
      queueName: `${name}-outbox-failures`,
      kmsKeyArn: config.kmsKeyArn,
    });

    this.botReplyDeadLetterQueue = createDeadLetterQueue(this, 'bot-reply-dlq', {
      name: `${name}-bot-reply-dlq`,
      kmsKeyArn: config.kmsKeyArn,
    });

    this.webSocketApi = createWebSocketApi(this, 'websocket-api', name);
    const connectionsEndpoint = connectionsEndpointOf(this.webSocketApi, config.stageName);
    const postToConnectionsArn = postToConnectionsArnOf(this.webSocketApi, config.stageName);

    let jwt: { jwksUrl: string; issuer: string; audience: string } | undefined;
    if (config.auth.mode === 'create-cognito-user-pool') {
      this.userPool = new ChatUserPool(this, 'user-pool', {
        name,
        agentGroupName: config.auth.agentRole,
        selfSignUp: config.auth.selfSignUp,
        deletionProtection: config.deletionProtection,
      });
      jwt = { jwksUrl: this.userPool.jwksUrl, issuer: this.userPool.issuer, audience: this.userPool.client.id };
    } else if (config.auth.mode === 'jwt') {
      jwt = { jwksUrl: config.auth.jwksUrl, issuer: config.auth.issuer, audience: config.auth.audience };
    }
    this.auth = jwt ? { mode: 'jwt', ...jwt } : { mode: 'none' };

    const bundles = bundleHandlers(config.handlerSourceRoot);
    const functions = {} as Record<HandlerId, ChatFunction>;
    for (const handlerId of Object.keys(HANDLERS) as HandlerId[]) {
      // No authorizer without authentication.
      if (handlerId === 'authorizer' && !jwt) continue;
      const wiring = HANDLER_WIRING[handlerId];
      const statements: PolicyStatement[] = wiring.tables.flatMap((access) => this.tableStatements(access));
      if (wiring.postsToConnections) {
        statements.push({
          sid: 'PostToConnections',
          actions: ['execute-api:ManageConnections'],
          resources: [postToConnectionsArn],
        });
      }
      if (wiring.publishesFromStream) statements.push(...this.outboxStatements());
      const touchesData = statements.length > 0;
      if (config.kmsKeyArn && touchesData) {
        // Writes to a KMS-encrypted topic or queue need GenerateDataKey (with Decrypt, granted to every
        // function below). kms:Encrypt is what aws-cdk's DynamoDB write grants add for a customer key:
        // kept, so that the first apply against a key policy that delegates to IAM cannot fail on it.
        statements.push({
          sid: 'EncryptWithChatKey',
          actions: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
          resources: [config.kmsKeyArn],
        });
      }

      const environment: Record<string, string> = {};
      if (wiring.verifiesTokens) {
        if (!jwt || config.auth.mode === 'none') throw new Error('unreachable: authorizer without JWT settings');
        Object.assign(environment, this.tokenEnvironment(jwt, config.auth));
      } else {
        Object.assign(environment, {
          [ENV.authMode]: jwt ? 'jwt' : 'none',
          [ENV.messageRetentionDays]: String(config.messageRetentionDays),
          [ENV.rateLimitMessages]: String(config.rateLimit.messages),
          [ENV.rateLimitWindowSeconds]: String(config.rateLimit.windowSeconds),
        });
      }
      for (const table of new Set(wiring.tables.map((access) => access.table))) {
        environment[TABLE_ENV[table]] = this.tables[table].name;
      }
      if (wiring.postsToConnections) environment[ENV.connectionsEndpoint] = connectionsEndpoint;
      if (wiring.publishesFromStream) environment[ENV.responderTopicArn] = this.responderTopic.topicArn;

      functions[handlerId] = new ChatFunction(this, `fn-${functionSuffix(handlerId)}`, {
        functionName: `${name}-${functionSuffix(handlerId)}`,
        description: `${name}: ${wiring.description}`,
        bundle: bundles[handlerId],
        environment,
        statements,
        architecture: config.lambda.architecture,
        memorySize: config.lambda.memorySize,
        timeout: config.lambda.timeout,
        logRetentionDays: config.logRetentionDays,
        kmsKeyArn: config.kmsKeyArn,
        invocation: this.invocationOf(handlerId),
      });
    }
    this.functions = functions;

    this.webSocket = new ChatWebSocketApi(this, 'websocket', {
      name,
      api: this.webSocketApi,
      stageName: config.stageName,
      functions: Object.fromEntries(Object.entries(functions).map(([id, fn]) => [id, fn.function])),
      authorizerFunction: functions.authorizer?.function,
      throttling: config.throttling,
      logRetentionDays: config.logRetentionDays,
      kmsKeyArn: config.kmsKeyArn,
      domain: config.domain,
      configureApiGatewayAccountLogging: config.configureApiGatewayAccountLogging,
    });

    this.outbox.connect({
      streamArn: this.messagesTable.streamArn,
      outboxFunction: functions.outbox.function,
      // The mapping checks at creation that the role can read the stream.
      rolePolicy: functions.outbox.policy,
    });

    this.botReplyFunction = functions.botReply.function;
    this.botReplyInvokePolicy = new IamPolicy(this, 'bot-reply-invoke-policy', {
      name: `${name}-bot-reply-invoke`,
      description: `Lets a bot reply in chat ${name}: invoke ${name}-${functionSuffix('botReply')} only`,
      policy: policyDocument([
        { sid: 'InvokeBotReply', actions: ['lambda:InvokeFunction'], resources: [this.botReplyFunction.arn] },
      ]),
    });

    tagResources(this, config.tags);
  }

  /** wss:// URL of the stage (always; the custom domain URL is `customDomainUrl`). */
  get webSocketUrl(): string {
    return this.webSocket.webSocketUrl;
  }

  /** `wss://<domain>` when a custom domain is configured. */
  get customDomainUrl(): string | undefined {
    return this.webSocket.customDomainUrl;
  }

  /** https:// endpoint of the `@connections` management API. */
  get connectionsEndpoint(): string {
    return this.webSocket.connectionsEndpoint;
  }

  /** Subscribes a bot's Lambda function to the responder topic (filter policy, SQS dead-letter queue). */
  subscribeBot(bot: BotFunction, options: SubscribeBotOptions): BotSubscription {
    return this.responderTopic.subscribeBot(bot, options);
  }

  /**
   * Names and settings that are one per account: two instances in one stack (one account and region)
   * must not share a name or both manage the API Gateway account setting; the same name in another
   * stack of the app gets a warning, since IAM names are global per account whatever the region.
   */
  private checkAccountWideNames(): void {
    const { name } = this.config;
    const stack = TerraformStack.of(this);
    const inStack = chatServersByStack.get(stack) ?? [];
    for (const other of inStack) {
      if (other.config.name === name) {
        throw new ChatServerPropsError(
          'name',
          `"${name}" is already the name of ChatServer "${other.node.path}" in this stack: every physical name ` +
            '(tables, functions, IAM roles and policies) would collide; give each instance its own name',
        );
      }
      if (other.config.configureApiGatewayAccountLogging && this.config.configureApiGatewayAccountLogging) {
        throw new ChatServerPropsError(
          'configureApiGatewayAccountLogging',
          `is on for ChatServer "${other.node.path}" and "${this.node.path}" in the same stack: the API Gateway ` +
            'CloudWatch Logs role is one setting per account and region, so only one instance may manage it; ' +
            `set configureApiGatewayAccountLogging: false on "${this.node.path}"`,
        );
      }
    }
    chatServersByStack.set(stack, [...inStack, this]);

    const app = App.of(this);
    const inApp = chatServersByApp.get(app) ?? [];
    const namesake = inApp.find((other) => other.config.name === name && TerraformStack.of(other) !== stack);
    if (namesake) {
      const warning =
        `ChatServer name "${name}" is used in stacks "${TerraformStack.of(namesake).node.id}" and "${stack.node.id}": ` +
        `IAM role and policy names (${name}-connect, ${name}-bot-reply-invoke, ...) are global per AWS account, so ` +
        'the two cannot be deployed to the same account, even in different regions. Include the region or ' +
        `environment in name (e.g. "${name}-eu-west-1") unless they deploy to different accounts.`;
      process.stderr.write(`WARNING: ${warning}\n`);
      Annotations.of(this).addWarning(warning);
    }
    const otherManager = inApp.find(
      (other) => other.config.configureApiGatewayAccountLogging && TerraformStack.of(other) !== stack,
    );
    if (otherManager && this.config.configureApiGatewayAccountLogging) {
      const warning =
        `ChatServers in stacks "${TerraformStack.of(otherManager).node.id}" and "${stack.node.id}" both manage the API ` +
        "Gateway account's CloudWatch Logs role (configureApiGatewayAccountLogging): it is one setting per account " +
        'and region, so if both stacks deploy to the same account and region, set it false on one of them.';
      process.stderr.write(`WARNING: ${warning}\n`);
      Annotations.of(this).addWarning(warning);
    }
    chatServersByApp.set(app, [...inApp, this]);
  }

  /** Who invokes a handler's function and how: its dead-letter queue, or why it needs none. */
  private invocationOf(handlerId: HandlerId): ChatFunctionProps['invocation'] {
    const { name } = this.config;
    const throttled = 'API Gateway is its only invoker, so the stage throttling (throttling prop) bounds its concurrency.';
    const routes = Object.keys(ROUTES).filter((routeKey) => ROUTES[routeKey] === handlerId);
    if (handlerId === 'botReply') {
      return {
        deadLetterQueueArn: this.botReplyDeadLetterQueue.arn,
        concurrencyBound:
          `Bots holding the ${name}-bot-reply-invoke policy invoke it directly, so the stage throttling does not ` +
          "bound it: the bots' own invocation rate and the account's concurrency limit do.",
      };
    }
    if (handlerId === 'outbox') {
      return {
        synchronousOnly:
          `its DynamoDB stream event source mapping (records that still fail after its retries go to the ` +
          `mapping's on-failure queue ${name}-outbox-failures)`,
        concurrencyBound:
          'Its stream mapping processes one batch per messages-table shard at a time (parallelization factor 1), ' +
          'so the shard count bounds its concurrency.',
      };
    }
    if (handlerId === 'authorizer') {
      return { synchronousOnly: 'API Gateway (the $connect authorizer, by its source_arn)', concurrencyBound: throttled };
    }
    if (routes.length === 0) throw new Error(`ChatServer: no route and no invoker known for handler ${handlerId}`);
    return { synchronousOnly: `API Gateway (route ${routes.join(', ')}, by its source_arn)`, concurrencyBound: throttled };
  }

  private tableStatements(access: TableAccess): PolicyStatement[] {
    const table = this.tables[access.table];
    const label = pascal(access.table);
    const statements: PolicyStatement[] = [];
    if (access.actions.length > 0) {
      statements.push({ sid: `${label}Table`, actions: [...access.actions], resources: [table.arn] });
    }
    for (const indexName of access.indexQueries ?? []) {
      if (!TABLES[access.table].globalIndexes.some((index) => index.indexName === indexName)) {
        throw new Error(`HANDLER_WIRING: table ${access.table} has no index ${indexName}`);
      }
      statements.push({
        sid: `${label}${pascal(indexName)}Index`,
        actions: ['dynamodb:Query'],
        resources: [`${table.arn}/index/${indexName}`],
      });
    }
    return statements;
  }

  private outboxStatements(): PolicyStatement[] {
    return [
      {
        sid: 'ReadMessagesStream',
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        resources: [this.messagesTable.streamArn],
      },
      {
        // ListStreams has no resource-level permissions (Service Authorization Reference: no resource type),
        // so "*" is the only Resource IAM honours for it; the event source mapping calls it. It lists stream
        // ARNs only: reading a stream needs the statement above, which names exactly one.
        sid: 'ListStreams',
        actions: ['dynamodb:ListStreams'],
        resources: ['*'],
      },
      { sid: 'PublishToResponderTopic', actions: ['sns:Publish'], resources: [this.responderTopic.topicArn] },
      { sid: 'SendOutboxFailures', actions: ['sqs:SendMessage'], resources: [this.outbox.failureQueue.arn] },
    ];
  }

  private tokenEnvironment(
    jwt: { jwksUrl: string; issuer: string; audience: string },
    auth: Exclude<ResolvedAuth, { mode: 'none' }>,
  ): Record<string, string> {
    return {
      [ENV.jwksUrl]: jwt.jwksUrl,
      [ENV.issuer]: jwt.issuer,
      [ENV.audience]: jwt.audience,
      [ENV.userIdClaim]: auth.userIdClaim,
      [ENV.rolesClaim]: auth.rolesClaim,
      [ENV.agentRole]: auth.agentRole,
    };
  }
}

/** The ChatServers constructed so far, by stack and by app (for checkAccountWideNames). */
const chatServersByStack = new WeakMap<TerraformStack, ChatServer[]>();
const chatServersByApp = new WeakMap<App, ChatServer[]>();

const TABLE_ENV: Readonly<Record<TableId, string>> = {
  messages: ENV.messagesTable,
  connections: ENV.connectionsTable,
  threads: ENV.threadsTable,
  idempotency: ENV.idempotencyTable,
};
