/**
 * Terraform outputs of a ChatServer: what clients, bots and operators need after `terraform apply`.
 * Names are stable (`websocket_url`, ...) with an optional prefix for several instances in one stack.
 */
import type { Construct } from 'constructs';
import { TerraformOutput } from 'cdktf';
import type { ChatServer } from './chat-server';
import { TABLES, type TableId } from './schema';

function output(scope: Construct, name: string, value: string, description: string): TerraformOutput {
  const out = new TerraformOutput(scope, name, { value, description });
  out.overrideLogicalId(name);
  return out;
}

/** Adds the outputs of `chat` to its stack; `prefix` (e.g. `support_`) keeps several instances apart. */
export function addChatServerOutputs(scope: Construct, chat: ChatServer, prefix = ''): TerraformOutput[] {
  const outputs: TerraformOutput[] = [
    output(scope, `${prefix}websocket_url`, chat.webSocketUrl, 'WebSocket URL of the stage (wss://.../<stage>)'),
    output(
      scope,
      `${prefix}connections_endpoint`,
      chat.connectionsEndpoint,
      '@connections management endpoint (POST /@connections/{connectionId})',
    ),
    output(scope, `${prefix}responder_topic_arn`, chat.responderTopic.topicArn, 'SNS topic bots subscribe to'),
    ...(Object.keys(TABLES) as TableId[]).map((id) =>
      output(scope, `${prefix}${id}_table_name`, chat.tables[id].name, `DynamoDB ${id} table`),
    ),
    output(scope, `${prefix}bot_reply_function_name`, chat.botReplyFunction.functionName, 'Function bots invoke to reply'),
    output(scope, `${prefix}bot_reply_function_arn`, chat.botReplyFunction.arn, 'ARN of the bot-reply function'),
    output(
      scope,
      `${prefix}bot_reply_invoke_policy_arn`,
      chat.botReplyInvokePolicy.arn,
      "IAM policy to attach to a bot's role so it may invoke the bot-reply function",
    ),
    output(
      scope,
      `${prefix}bot_reply_dead_letter_queue_url`,
      chat.botReplyDeadLetterQueue.url,
      'SQS queue holding asynchronous bot-reply invocations that failed after Lambda retries',
    ),
    output(
      scope,
      `${prefix}outbox_failure_queue_url`,
      chat.outbox.failureQueue.url,
      'SQS queue holding stream records the outbox could not publish after its retries',
    ),
  ];
  if (chat.alarms) {
    outputs.push(
      output(scope, `${prefix}alarm_topic_arn`, chat.alarms.topicArn, 'SNS topic the alarms notify: alarm_topic_arn, else the one created with the alarms (null when neither)'),
    );
  }
  if (chat.dashboard) {
    outputs.push(
      output(scope, `${prefix}dashboard_name`, chat.dashboard.dashboard.dashboardName, 'CloudWatch dashboard of the chat (null without it)'),
    );
  }
  if (chat.webSocket.domainName && chat.customDomainUrl) {
    const target = chat.webSocket.domainName.domainNameConfiguration;
    outputs.push(
      output(
        scope,
        `${prefix}websocket_custom_domain_url`,
        chat.customDomainUrl,
        'WebSocket URL on the custom domain (mapped to the stage at its root)',
      ),
      output(
        scope,
        `${prefix}websocket_domain_target`,
        target.targetDomainName,
        'Regional API Gateway domain the custom domain must point at (alias/CNAME)',
      ),
    );
  }
  if (chat.userPool) {
    outputs.push(
      output(scope, `${prefix}cognito_user_pool_id`, chat.userPool.userPool.id, 'Cognito user pool of the chat users'),
      output(scope, `${prefix}cognito_user_pool_client_id`, chat.userPool.client.id, 'Cognito app client id (token audience)'),
      output(scope, `${prefix}auth_issuer`, chat.auth.issuer ?? chat.userPool.issuer, 'Token issuer the authorizer accepts'),
    );
  }
  return outputs;
}
