/**
 * The API Gateway v2 WebSocket API: one AWS_PROXY integration per function, the routes of
 * lib/schema.ts ROUTES (two-way ones with a `$default` route response, so a handler's return body goes
 * back to the caller), the routes API Gateway answers itself (MOCK integrations: the keepalive), the
 * Lambda REQUEST authorizer on `$connect` only, an explicit deployment that is replaced whenever the API,
 * any route, integration, integration or route response or the authorizer changes, the stage (access log,
 * throttling) pointing at it, and the optional custom domain.
 */
import { Construct } from 'constructs';
import { Fn, Token, type TerraformResource } from 'cdktf';
import { ApiGatewayAccount } from '@cdktf/provider-aws/lib/api-gateway-account';
import { Apigatewayv2Api } from '@cdktf/provider-aws/lib/apigatewayv2-api';
import { Apigatewayv2ApiMapping } from '@cdktf/provider-aws/lib/apigatewayv2-api-mapping';
import { Apigatewayv2Authorizer } from '@cdktf/provider-aws/lib/apigatewayv2-authorizer';
import { Apigatewayv2Deployment } from '@cdktf/provider-aws/lib/apigatewayv2-deployment';
import { Apigatewayv2DomainName } from '@cdktf/provider-aws/lib/apigatewayv2-domain-name';
import { Apigatewayv2Integration } from '@cdktf/provider-aws/lib/apigatewayv2-integration';
import { Apigatewayv2IntegrationResponse } from '@cdktf/provider-aws/lib/apigatewayv2-integration-response';
import { Apigatewayv2Route } from '@cdktf/provider-aws/lib/apigatewayv2-route';
import { Apigatewayv2RouteResponse } from '@cdktf/provider-aws/lib/apigatewayv2-route-response';
import { Apigatewayv2Stage } from '@cdktf/provider-aws/lib/apigatewayv2-stage';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import type { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { skipCheckovCheck } from './checkov';
import type { ChatServerDomainProps } from './chat-server-props';
import { serviceTrustPolicy } from './iam';
import type { MockRouteModel, RouteModel } from './deployment-model';
import { allOn, choose, given, switchOf, switchResource, type Switch } from './switch';
import type { HandlerId } from './schema';

/** One JSON line per frame/connect in the stage's access log (no message content). */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  requestTime: '$context.requestTimeEpoch',
  eventType: '$context.eventType',
  routeKey: '$context.routeKey',
  connectionId: '$context.connectionId',
  status: '$context.status',
  error: '$context.error.message',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  sourceIp: '$context.identity.sourceIp',
});

/** The WebSocket API itself: created first, because the functions' environment and policies name it. */
export function createWebSocketApi(scope: Construct, id: string, name: string): Apigatewayv2Api {
  return new Apigatewayv2Api(scope, id, {
    name,
    description: `Chat server ${name}: WebSocket API`,
    protocolType: 'WEBSOCKET',
    routeSelectionExpression: '$request.body.action',
  });
}

/** `https://` endpoint of the stage's `@connections` management API (handlers post frames there). */
export function connectionsEndpointOf(api: Apigatewayv2Api, stageName: string): string {
  return `${Fn.replace(api.apiEndpoint, 'wss://', 'https://')}/${stageName}`;
}

/** `execute-api:ManageConnections` resource for posting frames: `<execution-arn>/<stage>/POST/@connections/*`. */
export function postToConnectionsArnOf(api: Apigatewayv2Api, stageName: string): string {
  return `${api.executionArn}/${stageName}/POST/@connections/*`;
}

export interface ChatWebSocketApiProps {
  readonly name: string;
  readonly api: Apigatewayv2Api;
  readonly stageName: string;
  /** The routes (deployment model), each with its function below. */
  readonly routes: readonly RouteModel[];
  /** Routes API Gateway answers itself, each a MOCK integration with its fixed reply (deployment model). */
  readonly mockRoutes: readonly MockRouteModel[];
  /** The function of every handler a route uses. */
  readonly functions: Readonly<Partial<Record<HandlerId, LambdaFunction>>>;
  /** The JWT authorizer function; undefined in auth mode none. */
  readonly authorizerFunction?: LambdaFunction;
  /**
   * Whether connections are authenticated (the authorizer's resources exist), maybe decided at plan time.
   * @default whether there is an authorizer function
   */
  readonly authentication?: Switch;
  readonly throttling: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetentionDays: number;
  readonly kmsKeyArn?: string;
  readonly domain?: ChatServerDomainProps;
  /** A boolean, or a boolean token (the module's variable). */
  readonly configureApiGatewayAccountLogging: boolean;
}

/** The status a MOCK integration answers with, and the key of its request and response templates. */
const MOCK_TEMPLATE_KEY = '200';

/** `message.send` → `message-send`, `$connect` → `connect`: construct ids. */
function routeSlug(routeKey: string): string {
  return routeKey.replace(/^\$/, '').replace(/[^A-Za-z0-9]+/g, '-');
}

export class ChatWebSocketApi extends Construct {
  readonly api: Apigatewayv2Api;
  readonly stage: Apigatewayv2Stage;
  readonly deployment: Apigatewayv2Deployment;
  readonly routes: Readonly<Record<string, Apigatewayv2Route>>;
  readonly integrations: Readonly<Partial<Record<HandlerId, Apigatewayv2Integration>>>;
  readonly routeResponses: Readonly<Record<string, Apigatewayv2RouteResponse>>;
  /** The MOCK integrations of the mock routes, by route key. */
  readonly mockIntegrations: Readonly<Record<string, Apigatewayv2Integration>>;
  readonly authorizer?: Apigatewayv2Authorizer;
  readonly accessLogGroup: CloudwatchLogGroup;
  readonly domainName?: Apigatewayv2DomainName;
  /** `wss://` URL of the stage (`wss://<api>.execute-api.<region>.amazonaws.com/<stage>`), custom domain or not. */
  readonly webSocketUrl: string;
  /** `wss://<domainName>` when a custom domain is set (mapped to the stage at its root). */
  readonly customDomainUrl?: string;
  /** `https://` endpoint of the `@connections` management API of the stage. */
  readonly connectionsEndpoint: string;
  private readonly name: string;

  constructor(scope: Construct, id: string, props: ChatWebSocketApiProps) {
    super(scope, id);
    this.name = props.name;

    this.api = props.api;
    this.connectionsEndpoint = connectionsEndpointOf(this.api, props.stageName);

    // One integration per function, shared by its routes (thread.takeover and thread.release).
    const integrations: Partial<Record<HandlerId, Apigatewayv2Integration>> = {};
    for (const handlerId of [...new Set(props.routes.map((route) => route.fn))]) {
      const fn = props.functions[handlerId];
      if (!fn) throw new Error(`ChatWebSocketApi: no function for handler ${handlerId}`);
      integrations[handlerId] = new Apigatewayv2Integration(this, `integration-${handlerId}`, {
        apiId: this.api.id,
        integrationType: 'AWS_PROXY',
        integrationMethod: 'POST',
        integrationUri: fn.invokeArn,
        description: `Invokes ${handlerId}`,
      });
    }
    this.integrations = integrations;

    const authentication = props.authentication ?? props.authorizerFunction !== undefined;
    const on = <T extends TerraformResource>(resource: T, when: Switch): T => switchResource(resource, when);
    if (props.authorizerFunction && authentication !== false) {
      this.authorizer = on(new Apigatewayv2Authorizer(this, 'authorizer', {
        apiId: this.api.id,
        name: `${props.name}-jwt`,
        authorizerType: 'REQUEST',
        authorizerUri: props.authorizerFunction.invokeArn,
        // No identity sources on purpose: API Gateway answers 401 without calling the authorizer when a
        // listed source is missing, and the token may come in either the Sec-WebSocket-Protocol header
        // or the `token` query parameter. The authorizer itself refuses a request without a token.
      }), authentication);
      on(new LambdaPermission(this, 'authorizer-permission', {
        action: 'lambda:InvokeFunction',
        functionName: props.authorizerFunction.functionName,
        principal: 'apigateway.amazonaws.com',
        sourceArn: `${this.api.executionArn}/authorizers/${this.authorizer.id}`,
      }), authentication);
    }

    const routes: Record<string, Apigatewayv2Route> = {};
    const routeResponses: Record<string, Apigatewayv2RouteResponse> = {};
    for (const { routeKey, fn: handlerId, twoWay, authorized: authorizedWhen } of props.routes) {
      const slug = routeSlug(routeKey);
      const authorized: Switch = authorizedWhen === 'authentication' ? authentication : authorizedWhen;
      if (authorized !== false && !this.authorizer) throw new Error(`ChatWebSocketApi: route ${routeKey} is authorized, but there is no authorizer`);
      const route = new Apigatewayv2Route(this, `route-${slug}`, {
        apiId: this.api.id,
        routeKey,
        target: `integrations/${integrations[handlerId]!.id}`,
        authorizationType: choose(authorized, 'CUSTOM', 'NONE'),
        // null when the (plan-time) authorizer is off.
        authorizerId: authorized !== false ? this.authorizer?.id : undefined,
        routeResponseSelectionExpression: twoWay ? '$default' : undefined,
      });
      if (authorized !== true) {
        skipCheckovCheck(
          route,
          'CKV_AWS_309',
          routeKey === '$connect'
            ? "Authentication is on unless explicitly disabled (auth: { mode: 'none' }, auth_mode = \"none\"): insecure by the operator's choice."
            : 'WebSocket APIs authorize only at $connect; the identity verified there reaches this route in the ' +
                'authorizer context and the handler checks it.',
        );
      }
      routes[routeKey] = route;
      if (twoWay) {
        routeResponses[routeKey] = new Apigatewayv2RouteResponse(this, `route-response-${slug}`, {
          apiId: this.api.id,
          routeId: route.id,
          routeResponseKey: '$default',
        });
      }
      new LambdaPermission(this, `permission-${slug}`, {
        action: 'lambda:InvokeFunction',
        functionName: props.functions[handlerId]!.functionName,
        principal: 'apigateway.amazonaws.com',
        sourceArn: `${this.api.executionArn}/${props.stageName}/${routeKey}`,
      });
    }
    const mockIntegrations: Record<string, Apigatewayv2Integration> = {};
    const mockIntegrationResponses: Apigatewayv2IntegrationResponse[] = [];
    for (const { routeKey, reply } of props.mockRoutes) {
      const slug = routeSlug(routeKey);
      // A static template selection: every request gets status 200 from the mock, and 200 gets `reply`.
      const integration = new Apigatewayv2Integration(this, `integration-${slug}`, {
        apiId: this.api.id,
        integrationType: 'MOCK',
        description: `Answers ${routeKey} without a function`,
        templateSelectionExpression: MOCK_TEMPLATE_KEY,
        requestTemplates: { [MOCK_TEMPLATE_KEY]: JSON.stringify({ statusCode: 200 }) },
      });
      mockIntegrations[routeKey] = integration;
      mockIntegrationResponses.push(new Apigatewayv2IntegrationResponse(this, `integration-response-${slug}`, {
        apiId: this.api.id,
        integrationId: integration.id,
        integrationResponseKey: `/${MOCK_TEMPLATE_KEY}/`,
        templateSelectionExpression: MOCK_TEMPLATE_KEY,
        responseTemplates: { [MOCK_TEMPLATE_KEY]: reply },
      }));
      const route = new Apigatewayv2Route(this, `route-${slug}`, {
        apiId: this.api.id,
        routeKey,
        target: `integrations/${integration.id}`,
        authorizationType: 'NONE',
        routeResponseSelectionExpression: '$default',
      });
      skipCheckovCheck(route, 'CKV_AWS_309', 'WebSocket APIs authorize only at $connect; this route answers a fixed frame and reads or changes nothing.');
      routes[routeKey] = route;
      routeResponses[routeKey] = new Apigatewayv2RouteResponse(this, `route-response-${slug}`, {
        apiId: this.api.id,
        routeId: route.id,
        routeResponseKey: '$default',
      });
    }
    this.routes = routes;
    this.routeResponses = routeResponses;
    this.mockIntegrations = mockIntegrations;

    // Whole resource objects in the trigger: any change to any of them (an in-place route target
    // update included) yields a new deployment, created before the old one is destroyed. The API itself
    // is in it too: its route_selection_expression (and the rest of its settings) shape every deployment.
    const definitions = [
      this.api,
      ...Object.values(routes),
      ...Object.values(routeResponses),
      ...Object.values(integrations),
      ...Object.values(mockIntegrations),
      ...mockIntegrationResponses,
      ...(this.authorizer ? [this.authorizer] : []),
    ].map((resource) => `${resource.terraformResourceType}.${resource.friendlyUniqueId}`);
    this.deployment = new Apigatewayv2Deployment(this, 'deployment', {
      apiId: this.api.id,
      description: `Chat server ${props.name}`,
      triggers: { redeployment: `\${sha1(jsonencode([${definitions.join(', ')}]))}` },
      lifecycle: { createBeforeDestroy: true },
    });

    this.accessLogGroup = new CloudwatchLogGroup(this, 'access-logs', {
      name: `/aws/apigateway/${props.name}-${props.stageName}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    if (given(props.kmsKeyArn) !== true) {
      skipCheckovCheck(
        this.accessLogGroup,
        'CKV_AWS_158',
        'Encrypted by CloudWatch Logs with its service key; set kmsKeyArn to use a customer-managed key.',
      );
    }
    const accountLoggingOn = switchOf(props.configureApiGatewayAccountLogging);
    const accountLogging = accountLoggingOn !== false ? this.accountLoggingRole(accountLoggingOn) : undefined;

    this.stage = new Apigatewayv2Stage(this, 'stage', {
      apiId: this.api.id,
      name: props.stageName,
      description: `Chat server ${props.name}`,
      deploymentId: this.deployment.id,
      accessLogSettings: { destinationArn: this.accessLogGroup.arn, format: ACCESS_LOG_FORMAT },
      defaultRouteSettings: {
        throttlingRateLimit: props.throttling.rateLimit,
        throttlingBurstLimit: props.throttling.burstLimit,
        dataTraceEnabled: false,
        detailedMetricsEnabled: false,
      },
      dependsOn: accountLogging ? [accountLogging] : undefined,
    });
    skipCheckovCheck(
      this.stage,
      'CKV2_AWS_51',
      'A stage client certificate authenticates API Gateway to HTTP backends; every integration here is a Lambda ' +
        'proxy invoked through IAM, so there is no backend to present it to. Clients authenticate with JWTs at $connect.',
    );

    const domainOn = given(props.domain?.domainName);
    if (props.domain && domainOn !== false) {
      this.domainName = on(new Apigatewayv2DomainName(this, 'domain', {
        domainName: props.domain.domainName,
        domainNameConfiguration: {
          certificateArn: props.domain.certificateArn,
          endpointType: 'REGIONAL',
          securityPolicy: 'TLS_1_2',
          // IPv4 and IPv6 clients (the AAAA alias below needs a dual-stack target to resolve).
          ipAddressType: 'dualstack',
        },
      }), domainOn);
      on(new Apigatewayv2ApiMapping(this, 'api-mapping', {
        apiId: this.api.id,
        domainName: this.domainName.id,
        stage: this.stage.id,
      }), domainOn);
      const recordsOn = allOn(domainOn, given(props.domain.hostedZoneId));
      if (recordsOn !== false) {
        const target = this.domainName.domainNameConfiguration;
        // A and AAAA: the domain is dual-stack, so IPv6-only clients resolve it too.
        for (const type of ['A', 'AAAA'] as const) {
          on(new Route53Record(this, type === 'A' ? 'domain-record' : 'domain-record-aaaa', {
            zoneId: props.domain.hostedZoneId!,
            name: props.domain.domainName,
            type,
            alias: { name: target.targetDomainName, zoneId: target.hostedZoneId, evaluateTargetHealth: false },
          }), recordsOn);
        }
      }
      this.customDomainUrl = choose(domainOn, `wss://${props.domain.domainName}`, Token.asString(Token.nullValue()));
    }
    this.webSocketUrl = `${this.api.apiEndpoint}/${props.stageName}`;
  }

  /**
   * API Gateway writes access logs through a per-region, per-account role setting; without it the
   * stage cannot be created with access logging. This role carries only AWS's managed policy for it.
   */
  private accountLoggingRole(on: Switch): ApiGatewayAccount {
    const partition = new DataAwsPartition(this, 'partition');
    const role = switchResource(
      new IamRole(this, 'cloudwatch-role', {
        name: `${this.name}-apigw-logs`,
        description: 'Lets API Gateway write access logs to CloudWatch Logs (account-level setting)',
        assumeRolePolicy: serviceTrustPolicy('apigateway.amazonaws.com'),
      }),
      on,
    );
    const attachment = switchResource(
      new IamRolePolicyAttachment(this, 'cloudwatch-role-policy', {
        role: role.name,
        policyArn: `arn:${partition.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs`,
      }),
      on,
    );
    return switchResource(new ApiGatewayAccount(this, 'account', { cloudwatchRoleArn: role.arn, dependsOn: [attachment] }), on);
  }
}
