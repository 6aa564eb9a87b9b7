// The example's bot: answers every user message with its text, through the chat's bot-reply function (the
// AWS SDK comes with the Lambda Node.js runtime). A reply id derived from the message makes a retried
// delivery reply once; a refusal (HUMAN_TAKEOVER: an agent took the thread over) is fine, not an error.
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

const lambda = new LambdaClient({});

export async function handler(event) {
  for (const record of event.Records) {
    const { message } = JSON.parse(record.Sns.Message);
    const response = await lambda.send(
      new InvokeCommand({
        FunctionName: process.env.CHAT_BOT_REPLY_FUNCTION_NAME,
        Payload: Buffer.from(
          JSON.stringify({
            threadId: message.threadId,
            message: { text: `You said: ${message.text}`, messageId: `echo-${message.messageId}`, sender: 'echo-bot' },
          }),
        ),
      }),
    );
    if (response.FunctionError) throw new Error(`bot-reply failed: ${Buffer.from(response.Payload).toString()}`);
  }
}
