/**
 * The ChatServer construct rendered as the resources of a Terraform module: a stack without provider or
 * backend whose ChatServer props are the module's variables (lib/settings.ts names them), so every choice a
 * module user makes is decided by Terraform at plan time: optional parts get `count`, bots `for_each`
 * (lib/switch.ts), and each function's code is its prebuilt zip inside the module. The variable blocks
 * themselves are written as HCL (variables.tf) by the build; this stack only refers to them.
 */
import { Fn, Lazy, Op, TerraformStack, TerraformVariable, Token } from 'cdktf';
import type { Construct } from 'constructs';
import { ChatServer } from '../chat-server';
import { ALARM_THRESHOLDS, type ChatServerLogLevel, type ChatServerProps, type ChatServerTracingMode } from '../chat-server-props';
import { addChatServerOutputs } from '../outputs';
import { functionSuffix, type HandlerId } from '../schema';
import { SETTINGS, type SettingKey } from '../settings';

/** Where the module keeps a function's zip (relative to the module). */
export function functionZipPath(handlerId: HandlerId): string {
  return `functions/${functionSuffix(handlerId)}.zip`;
}

export class ChatServerModuleStack extends TerraformStack {
  readonly chatServer: ChatServer;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const variables = new Map<SettingKey, TerraformVariable>();
    const variable = (key: SettingKey): TerraformVariable => {
      let found = variables.get(key);
      if (!found) {
        // Declared here so the JSON refers to it; the build writes the declaration (with its rules) as HCL.
        found = new TerraformVariable(this, `variable-${SETTINGS[key].variable}`, { type: SETTINGS[key].type });
        found.overrideLogicalId(SETTINGS[key].variable);
        variables.set(key, found);
      }
      return found;
    };
    const text = (key: SettingKey): string => variable(key).stringValue;
    const number = (key: SettingKey): number => variable(key).numberValue;
    const bool = (key: SettingKey): boolean => variable(key).booleanValue as unknown as boolean;
    const audience = variable('jwtAudience');
    variable('tags'); // referred to by the tags expression below

    const props: ChatServerProps = {
      name: text('name'),
      auth: {
        planTimeMode: text('authMode'),
        jwksUrl: text('jwtJwksUrl'),
        issuer: text('jwtIssuer'),
        audience: Fn.conditional(Op.eq(audience.listValue, Token.nullValue()), '', Fn.join(',', audience.listValue)) as string,
        cognitoUserPoolId: text('cognitoUserPoolId'),
        cognitoClientId: text('cognitoClientId'),
        userIdClaim: text('userIdClaim'),
        rolesClaim: text('rolesClaim'),
        agentRole: text('agentRole'),
        selfSignUp: bool('selfSignUp'),
        maxTokenAgeSeconds: number('maxTokenAgeSeconds'),
      },
      domain: { domainName: text('domainName'), certificateArn: text('certificateArn'), hostedZoneId: text('hostedZoneId') },
      // The topic's default name needs the name, so the module writes it as Terraform does: null means default.
      snsTopicName: Fn.coalesce([text('snsTopicName'), Fn.join('-', [text('name'), 'responder'])]) as string,
      messageRetentionDays: number('messageRetentionDays'),
      stageName: text('stageName'),
      throttling: { rateLimit: number('throttlingRateLimit'), burstLimit: number('throttlingBurstLimit') },
      rateLimit: { messages: number('rateLimitMessages'), windowSeconds: number('rateLimitWindowSeconds') },
      lambda: {
        architecture: text('lambdaArchitecture') as 'arm64',
        memorySize: number('lambdaMemorySize'),
        timeout: number('lambdaTimeout'),
      },
      logRetentionDays: number('logRetentionDays'),
      kmsKeyArn: text('kmsKeyArn'),
      deletionProtection: bool('deletionProtection'),
      // Like the stack's provider default_tags: every resource says which chat it belongs to.
      // Written as terraform fmt would (cdktf renders a literal map in an expression without its spaces).
      tags: Lazy.stringValue({
        produce: () => `\${merge({ "chat-server" = var.${SETTINGS.name.variable} }, var.${SETTINGS.tags.variable})}`,
      }) as unknown as Record<string, string>,
      configureApiGatewayAccountLogging: bool('configureApiGatewayAccountLogging'),
      bots: Token.asString(variable('bots').value) as never,
      logLevel: text('logLevel') as ChatServerLogLevel,
      tracing: text('tracing') as ChatServerTracingMode,
      dashboard: bool('dashboard'),
      // Every alarm, its topic and its subscriptions are switched at plan time by alarms_enabled (count, for_each).
      alarms: {
        enabled: bool('alarmsEnabled'),
        ...Object.fromEntries(Object.entries(ALARM_THRESHOLDS).map(([prop, key]) => [prop, number(key)])),
      },
      alarmTopicArn: text('alarmTopicArn'),
      alarmEmails: variable('alarmEmails').listValue,
    };
    this.chatServer = new ChatServer(this, 'chat', props, {
      functionZips: (fn) => ({
        filename: `\${path.module}/${functionZipPath(fn.id)}`,
        sourceCodeHash: `\${filebase64sha256("\${path.module}/${functionZipPath(fn.id)}")}`,
      }),
    });
    addChatServerOutputs(this, this.chatServer);
  }
}
