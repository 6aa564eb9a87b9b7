/**
 * ChatServer: the whole chat backend as one construct. Tables from lib/schema.ts, one function per
 * handler with its own least-privilege role, the WebSocket API with its routes and authorizer, the
 * outbox (messages stream → responder topic) and the bot-reply invoke policy.
 */
import { Construct } from 'constructs';
import { Annotations, App, Fn, Op, TerraformStack } from 'cdktf';
import type { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import type { Apigatewayv2Api } from '@cdktf/provider-aws/lib/apigatewayv2-api';
import type { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import type { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { ChatAlarms } from './alarms';
import { bundleHandlers } from './bundling';
import { ChatFunction, type ChatFunctionProps, type FunctionZip } from './chat-function';
import {
  ChatServerPropsError,
  resolveChatServerProps,
  type ChatServerProps,
  type ResolvedChatServerProps,
} from './chat-server-props';
import { ChatUserPool } from './cognito-user-pool';
import { ChatDashboard } from './dashboard';
import { createDeadLetterQueue } from './dead-letter-queue';
import {
  deploymentModel,
  functionOf,
  functionsOf,
  resolvedEnvironment,
  streamMappingOf,
  type DeploymentModel,
  type EnvValue,
  type FunctionModel,
  type ModelStatement,
  type ResourceRef,
} from './deployment-model';
import { policyDocument, type PolicyStatement } from './iam';
import { Outbox } from './outbox';
import { ResponderTopic, type BotFunction, type BotSubscription, type SubscribeBotOptions } from './responder-topic';
import { functionSuffix, type HandlerId, type TableId } from './schema';
import { createTables } from './tables';
import { switchOf, type Switch } from './switch';
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

/** How the construct renders its functions' code; the Terraform module build is the one that changes it. */
export interface ChatServerRenderingOptions {
  /**
   * The prebuilt zip of each function (the Terraform module ships them) instead of bundling the handlers at
   * synth and zipping them with `archive_file`.
   * @default bundle from handlerSourceRoot, zip with archive_file
   */
  readonly functionZips?: (fn: FunctionModel) => FunctionZip;
}

export class ChatServer extends Construct {
  /** The props with every default applied. */
  readonly config: ResolvedChatServerProps;
  /** The deployment this construct renders: functions, statements, environments, routes, names. */
  readonly model: DeploymentModel;
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
  /** Created when auth is `{ createCognitoUserPool: true }` (or may be, with the kind of auth chosen at plan time). */
  readonly userPool?: ChatUserPool;
  readonly auth: ChatServerAuthSettings;
  /** Whether connections are authenticated: the authorizer exists (a plan-time switch with `planTimeMode` auth). */
  readonly authentication: Switch;
  /** The CloudWatch alarms and their topic (absent with `alarms: false`). */
  readonly alarms?: ChatAlarms;
  /** The CloudWatch dashboard `<name>-chat` (absent with `dashboard: false`). */
  readonly dashboard?: ChatDashboard;
  /** The dead-letter and failure queues, by name (the dashboard shows them all, bots subscribed later included). */
  private readonly queueNames: string[] = [];

  constructor(scope: Construct, id: string, props: ChatServerProps, options: ChatServerRenderingOptions = {}) {
    super(scope, id);
    const config = resolveChatServerProps(props);
    this.config = config;
    const { name } = config;
    if (config.auth.mode === 'none') {
      process.stderr.write(`WARNING: ${INSECURE_AUTH_WARNING}\n`);
      Annotations.of(this).addWarning(INSECURE_AUTH_WARNING);
    }
    this.checkAccountWideNames();
    const model = deploymentModel(config);
    this.model = model;

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
      topicName: model.topic.name,
      kmsKeyArn: config.kmsKeyArn,
    });
    this.outbox = new Outbox(this, 'outbox', {
      queueName: model.queues.outboxFailures.name,
      kmsKeyArn: config.kmsKeyArn,
    });

    this.botReplyDeadLetterQueue = createDeadLetterQueue(this, 'bot-reply-dlq', {
      name: model.queues.botReplyDeadLetters.name,
      kmsKeyArn: config.kmsKeyArn,
    });

    this.webSocketApi = createWebSocketApi(this, 'websocket-api', name);

    const { auth } = config;
    this.authentication = auth.mode === 'plan-time' ? Op.neq(auth.planTimeMode, 'none') : auth.mode !== 'none';
    const createUserPool: Switch =
      auth.mode === 'plan-time' ? Op.eq(auth.planTimeMode, 'cognito_user_pool') : auth.mode === 'create-cognito-user-pool';
    if (createUserPool !== false && auth.mode !== 'none' && auth.mode !== 'jwt') {
      this.userPool = new ChatUserPool(this, 'user-pool', {
        name,
        agentGroupName: auth.agentRole,
        selfSignUp: auth.selfSignUp,
        deletionProtection: config.deletionProtection,
        enabled: createUserPool,
      });
    }
    this.auth =
      this.authentication === false
        ? { mode: 'none' }
        : {
            mode: 'jwt',
            jwksUrl: this.authSetting('jwksUrl'),
            issuer: this.authSetting('issuer'),
            audience: this.authSetting('audience'),
          };

    // A bundle from the sources (zipped by archive_file), or a prebuilt zip (the Terraform module).
    const bundles = options.functionZips ? undefined : bundleHandlers(config.handlerSourceRoot);
    const functions = {} as Record<HandlerId, ChatFunction>;
    for (const fn of functionsOf(model)) {
      functions[fn.id] = new ChatFunction(this, `fn-${functionSuffix(fn.id)}`, {
        model: fn,
        code: bundles ? bundles[fn.id] : options.functionZips!(fn),
        enabled: fn.enabledWhen === 'authentication' ? this.authentication : true,
        environment: resolvedEnvironment(fn, (value) => this.resolveEnv(value)),
        resolve: (ref) => this.resolve(ref),
        logRetentionDays: config.logRetentionDays,
        kmsKeyArn: config.kmsKeyArn,
        // The topic's owner is this account, read without a data source (no STS call at plan time); the
        // topic depends on no role, so the roles can depend on it.
        accountId: this.responderTopic.topic.owner,
        invocation: this.invocationOf(fn),
        tracing: config.tracing,
      });
    }
    this.functions = functions;

    this.webSocket = new ChatWebSocketApi(this, 'websocket', {
      name,
      api: this.webSocketApi,
      stageName: config.stageName,
      routes: model.routes,
      mockRoutes: model.mockRoutes,
      functions: Object.fromEntries(Object.entries(functions).map(([id, fn]) => [id, fn.function])),
      authorizerFunction: functions.authorizer?.function,
      authentication: this.authentication,
      throttling: config.throttling,
      logRetentionDays: config.logRetentionDays,
      kmsKeyArn: config.kmsKeyArn,
      domain: config.domain,
      configureApiGatewayAccountLogging: config.configureApiGatewayAccountLogging,
    });

    const outboxMapping = streamMappingOf(functionOf(model, 'outbox'));
    if (!outboxMapping) throw new Error('ChatServer: the outbox function has no stream mapping in the model');
    this.outbox.connect({
      streamArn: this.resolve({ kind: 'tableStream', table: outboxMapping.table }),
      settings: outboxMapping,
      outboxFunction: functions.outbox.function,
      // The mapping checks at creation that the role can read the stream.
      rolePolicy: functions.outbox.policy,
    });

    this.botReplyFunction = functions.botReply.function;
    const invokePolicy = this.model.policies.botReplyInvoke;
    this.botReplyInvokePolicy = new IamPolicy(this, 'bot-reply-invoke-policy', {
      name: invokePolicy.name,
      description: invokePolicy.description,
      policy: policyDocument(this.resolveStatements(invokePolicy.statements)),
    });

    // The account's partition and region, read from the topic's ARN (no data source, no STS call at plan time).
    const arnPart = (index: number): string => Fn.element(Fn.split(':', this.responderTopic.topicArn), index) as string;
    const alarmsOn = switchOf(config.alarms.enabled);
    this.queueNames.push(this.outbox.failureQueue.name, this.botReplyDeadLetterQueue.name);
    if (alarmsOn !== false) {
      this.alarms = new ChatAlarms(this, 'alarms', {
        name,
        enabled: alarmsOn,
        thresholds: config.alarms,
        topicArn: config.alarmTopicArn,
        emails: config.alarmEmails,
        kmsKeyArn: config.kmsKeyArn,
        accountId: this.responderTopic.topic.owner,
        partition: arnPart(1),
        functions: functionsOf(model).map((fn) => ({
          id: fn.id,
          name: fn.name,
          functionName: functions[fn.id].function.functionName,
          timeout: fn.timeout,
          enabled: fn.enabledWhen === 'authentication' ? this.authentication : true,
        })),
        outboxFunctionName: functions.outbox.function.functionName,
        queues: [
          {
            id: 'outbox-failures',
            queueName: this.outbox.failureQueue.name,
            kind: 'outboxFailures',
            meaning: 'stream records of user messages the outbox could not publish to the responder topic after its retries (bots never saw them)',
          },
          {
            id: 'bot-reply-dlq',
            queueName: this.botReplyDeadLetterQueue.name,
            kind: 'botReplyDeadLetters',
            meaning: 'asynchronous bot-reply invocations that failed every attempt (the replies were not stored)',
          },
        ],
        apiId: this.webSocketApi.id,
        stageName: config.stageName,
        tableNames: Object.fromEntries(Object.entries(this.tables).map(([id, table]) => [id, table.name])) as Record<TableId, string>,
        authentication: this.authentication,
      });
    }
    const dashboardOn = switchOf(config.dashboard);
    if (dashboardOn !== false) {
      this.dashboard = new ChatDashboard(this, 'dashboard', {
        name,
        enabled: dashboardOn,
        region: arnPart(3),
        apiId: this.webSocketApi.id,
        stageName: config.stageName,
        functionNames: functionsOf(model).map((fn) => fn.name),
        outboxFunctionName: functions.outbox.function.functionName,
        queueNames: () => this.queueNames,
      });
    }

    if (typeof config.bots === 'string') {
      const subscription = this.responderTopic.subscribeBots(config.bots);
      this.alarms?.addQueueAlarm({
        id: 'bot',
        queueName: subscription.deadLetterQueue.name,
        kind: 'botDeadLetters',
        meaning: "messages SNS could not deliver to the bot's function",
        forEachMap: config.bots,
      });
    } else {
      for (const [botName, bot] of Object.entries(config.bots)) {
        this.subscribeBot(
          { arn: bot.functionArn, functionName: bot.functionName },
          { name: botName, filterPolicy: bot.filterPolicy, deadLetterQueueName: bot.deadLetterQueueName },
        );
      }
    }

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

  /**
   * Subscribes a bot's Lambda function to the responder topic (filter policy, SQS dead-letter queue); with the
   * alarms on, its dead-letter queue gets a depth alarm, and the dashboard shows it.
   */
  subscribeBot(bot: BotFunction, options: SubscribeBotOptions): BotSubscription {
    const subscription = this.responderTopic.subscribeBot(bot, options);
    const queueName = subscription.deadLetterQueue.name;
    this.queueNames.push(queueName);
    this.alarms?.addQueueAlarm({
      id: `bot-${options.name}-dlq`,
      queueName,
      kind: 'botDeadLetters',
      meaning: `messages SNS could not deliver to the bot ${options.name} (${bot.functionName})`,
    });
    return subscription;
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

  /** Who invokes a function and how: its dead-letter queue, or why it needs none (checkov skip reasons). */
  private invocationOf(fn: FunctionModel): ChatFunctionProps['invocation'] {
    const throttled = 'API Gateway is its only invoker, so the stage throttling (throttling prop) bounds its concurrency.';
    const invoker = fn.invokers[0];
    switch (invoker.kind) {
      case 'policyHolders': {
        if (!fn.deadLetterQueue) throw new Error(`ChatServer: ${fn.name} may be invoked asynchronously but has no dead-letter queue`);
        return {
          deadLetterQueueArn: this.resolve({ kind: 'queue', queue: fn.deadLetterQueue }),
          concurrencyBound:
            `Bots holding the ${this.model.policies.botReplyInvoke.name} policy invoke it directly, so the stage throttling ` +
            "does not bound it: the bots' own invocation rate and the account's concurrency limit do.",
        };
      }
      case 'streamMapping':
        return {
          synchronousOnly:
            `its DynamoDB stream event source mapping (records that still fail after its retries go to the ` +
            `mapping's on-failure queue ${this.model.queues[invoker.onFailure].name})`,
          concurrencyBound:
            'Its stream mapping processes one batch per messages-table shard at a time (parallelization factor 1), ' +
            'so the shard count bounds its concurrency.',
        };
      case 'authorizer':
        return { synchronousOnly: 'API Gateway (the $connect authorizer, by its source_arn)', concurrencyBound: throttled };
      case 'route': {
        const routes = fn.invokers.flatMap((each) => (each.kind === 'route' ? [each.routeKey] : []));
        return { synchronousOnly: `API Gateway (route ${routes.join(', ')}, by its source_arn)`, concurrencyBound: throttled };
      }
    }
  }

  /** The Terraform expression of a model reference. */
  private resolve(ref: ResourceRef): string {
    switch (ref.kind) {
      case 'table':
        return this.tables[ref.table].arn;
      case 'tableIndex':
        return `${this.tables[ref.table].arn}/index/${ref.index}`;
      case 'tableStream':
        return this.tables[ref.table].streamArn;
      case 'topic':
        return this.responderTopic.topicArn;
      case 'queue':
        return ref.queue === 'outboxFailures' ? this.outbox.failureQueue.arn : this.botReplyDeadLetterQueue.arn;
      case 'postToConnections':
        return postToConnectionsArnOf(this.webSocketApi, this.config.stageName);
      case 'function':
        return this.functions[ref.fn].function.arn;
      case 'logStreams':
        return `${this.functions[ref.fn].logGroup.arn}:*`;
      case 'kmsKey':
        if (!this.config.kmsKeyArn) throw new Error('ChatServer: a statement names the KMS key, but kmsKeyArn is not set');
        return this.config.kmsKeyArn;
      case 'anyResource':
        return '*';
    }
  }

  private resolveStatements(statements: readonly ModelStatement[]): PolicyStatement[] {
    return statements.map((statement) => ({ ...statement, resources: statement.resources.map((ref) => this.resolve(ref)) }));
  }

  private resolveEnv(value: Exclude<EnvValue, string>): string {
    switch (value.kind) {
      case 'tableName':
        return this.tables[value.table].name;
      case 'topicArn':
        return this.responderTopic.topicArn;
      case 'connectionsEndpoint':
        return connectionsEndpointOf(this.webSocketApi, this.config.stageName);
      case 'userPool':
        return this.userPoolAttribute(value.attribute);
      case 'planTimeAuth':
        if (value.setting === 'mode') {
          const { auth } = this.config;
          if (auth.mode !== 'plan-time') throw new Error('ChatServer: a plan-time auth setting without plan-time auth');
          return Fn.conditional(Op.eq(auth.planTimeMode, 'none'), 'none', 'jwt') as string;
        }
        return this.authSetting(value.setting);
    }
  }

  private userPoolAttribute(attribute: 'issuer' | 'jwksUrl' | 'clientId'): string {
    if (!this.userPool) throw new Error('ChatServer: an environment variable names the user pool, but none is created');
    const { issuer, jwksUrl, client } = this.userPool;
    return attribute === 'issuer' ? issuer : attribute === 'jwksUrl' ? jwksUrl : client.id;
  }

  /**
   * A token setting of the authorizer: the configured issuer's, the created pool's, or (auth chosen at plan
   * time) a Terraform conditional over the kinds.
   */
  private authSetting(setting: 'jwksUrl' | 'issuer' | 'audience'): string {
    const { auth } = this.config;
    const poolAttribute = ({ jwksUrl: 'jwksUrl', issuer: 'issuer', audience: 'clientId' } as const)[setting];
    switch (auth.mode) {
      case 'none':
        throw new Error('ChatServer: no auth settings without authentication');
      case 'create-cognito-user-pool':
        return this.userPoolAttribute(poolAttribute);
      case 'jwt':
        return auth[setting];
      case 'plan-time': {
        // An existing pool: issuer and keys derived from its id (`<region>_<id>`), as resolveChatServerProps does.
        const poolId = Fn.coalesce([auth.cognitoUserPoolId, '_']) as string;
        const existingIssuer = `https://cognito-idp.${Fn.element(Fn.split('_', poolId), 0)}.amazonaws.com/${poolId}`;
        const existing = { jwksUrl: `${existingIssuer}/.well-known/jwks.json`, issuer: existingIssuer, audience: auth.cognitoClientId }[setting];
        return Fn.conditional(
          Op.eq(auth.planTimeMode, 'cognito_user_pool'),
          this.userPoolAttribute(poolAttribute),
          Fn.conditional(Op.eq(auth.planTimeMode, 'existing_cognito_user_pool'), existing, auth[setting]),
        ) as string;
      }
    }
  }
}

/** The ChatServers constructed so far, by stack and by app (for checkAccountWideNames). */
const chatServersByStack = new WeakMap<TerraformStack, ChatServer[]>();
const chatServersByApp = new WeakMap<App, ChatServer[]>();
