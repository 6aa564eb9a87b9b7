/**
 * The outbox end to end against moto: the handlers write to moto's DynamoDB (tables from the schema,
 * the messages table with its NEW_IMAGE stream), the stream is read with the DynamoDB Streams API,
 * filtered with OUTBOX_FILTER_PATTERN and fed to the outbox handler as Lambda would, which publishes
 * to a real SNS topic (moto) whose SQS subscriptions show what subscribers receive.
 */
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { DynamoDBRecord } from 'aws-lambda';
import { correlationIdOf, replyAsBot } from '../../lib/bot';
import { ENV, OUTBOX_CORRELATION_ATTRIBUTE, OUTBOX_FILTER_PATTERN } from '../../lib/schema';
import { handler as botReply } from '../../handlers/bot-reply';
import { handler as outbox } from '../../handlers/outbox';
import { readStream, streamEvent, streamsClient, toLambdaRecord } from '../support/dynamodb-streams';
import { matchesEventPattern } from '../../local/event-filter';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { startMoto, type MotoServer } from '../support/moto';
import { captureLogs } from '../support/logs';
import { newThreadId, startChatHarness, type ChatHarness } from '../support/chat-harness';

jest.setTimeout(120_000);

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let moto: MotoServer;
let snsProxy: FaultProxy;
let harness: ChatHarness;
let sqs: SQSClient;
let allMessagesQueue: string;
let botQueue: string;

async function subscribedQueue(sns: SNSClient, topicArn: string, name: string, filterPolicy?: object): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: Attributes!.QueueArn,
      Attributes: filterPolicy ? { FilterPolicy: JSON.stringify(filterPolicy) } : undefined,
    }),
  );
  return QueueUrl!;
}

/** Everything in a queue now: SNS envelopes with the published message parsed. */
async function drain(queueUrl: string) {
  const received: { payload: any; attributes: Record<string, { Type: string; Value: string }> }[] = [];
  for (;;) {
    const page = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (!page.Messages?.length) return received;
    for (const message of page.Messages) {
      const envelope = JSON.parse(message.Body!);
      received.push({ payload: JSON.parse(envelope.Message), attributes: envelope.MessageAttributes });
    }
    // Received messages stay invisible for the visibility timeout: no delete needed to move on.
  }
}

/** What an event source mapping with the outbox filter would hand to the outbox function. */
async function filteredStreamRecords(): Promise<DynamoDBRecord[]> {
  const { streamArn, records } = await readStream(harness.client, streamsClient(moto.endpoint), harness.tables.messages);
  return records.map((record) => toLambdaRecord(record, streamArn)).filter((record) => matchesEventPattern(OUTBOX_FILTER_PATTERN, record));
}

beforeAll(async () => {
  moto = await startMoto();
  snsProxy = await startFaultProxy(moto.endpoint);
  const sns = new SNSClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials });
  sqs = new SQSClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials });
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'chat-responder' }));
  allMessagesQueue = await subscribedQueue(sns, TopicArn!, 'all-messages');
  // The filter policy help/bots-and-takeover.md recommends to bots: user messages, no takeover.
  botQueue = await subscribedQueue(sns, TopicArn!, 'bot', { messageType: ['user'], isHumanOverride: ['false'] });
  harness = await startChatHarness({
    dynamoDbEndpoint: moto.endpoint,
    env: { AWS_ENDPOINT_URL_SNS: snsProxy.endpoint, [ENV.responderTopicArn]: TopicArn! },
  });
});

afterAll(async () => {
  await harness?.stop();
  await snsProxy?.stop();
  await moto?.stop();
});

test('GIVEN user, agent and bot messages stored through the handlers WHEN the outbox consumes the filtered stream THEN SNS subscribers get exactly the seed payload for user and agent messages, with filterable attributes', async () => {
  const threadId = newThreadId();
  const alice = await harness.connect({ userId: 'alice', threadId });
  const agent = await harness.connect({ userId: 'agent-1', role: 'agent', threadId });
  const plain = await alice.send({ action: 'message.send', text: 'Hello!', metadata: { userAgent: 'jest' } });
  const bot = await botReply({ threadId, message: { text: 'Bot answer' } });
  await agent.send({ action: 'thread.takeover' });
  const underTakeover = await alice.send({ action: 'message.send', text: 'Is this a human?' });
  const fromAgent = await agent.send({ action: 'message.send', text: 'Yes, I am.' });
  expect(bot.status).toBe('delivered');

  const records = await filteredStreamRecords();
  const result = await outbox(streamEvent(records));

  expect(result).toEqual({ batchItemFailures: [] });
  expect(records).toHaveLength(3);
  const published = await drain(allMessagesQueue);
  const origin = (client: typeof alice, isHumanOverride: boolean) => ({
    connection: {
      userId: client.userId,
      connectionId: client.connectionId,
      threadId,
      lastSeen: expect.any(Number),
      isHumanOverride,
    },
    requestMetadata: { connectionId: client.connectionId, userId: client.userId, timestamp: expect.any(Number) },
  });
  expect(published.map((entry) => entry.payload)).toEqual([
    { message: plain.message, ...origin(alice, false) },
    { message: underTakeover.message, ...origin(alice, true) },
    { message: fromAgent.message, ...origin(agent, true) },
  ]);
  // The seed's payload shape, key for key.
  expect(Object.keys(published[0].payload)).toEqual(['message', 'connection', 'requestMetadata']);
  expect(Object.keys(published[0].payload.message).sort()).toEqual(
    ['messageId', 'threadId', 'messageType', 'text', 'sender', 'timestamp', 'status', 'metadata'].sort(),
  );
  expect(Object.keys(published[0].payload.connection).sort()).toEqual(
    ['userId', 'connectionId', 'threadId', 'lastSeen', 'isHumanOverride'].sort(),
  );
  expect(Object.keys(published[0].payload.requestMetadata).sort()).toEqual(['connectionId', 'userId', 'timestamp'].sort());
  const attributes = (messageType: string, isHumanOverride: string, messageId: string) => ({
    threadId: { Type: 'String', Value: threadId },
    messageType: { Type: 'String', Value: messageType },
    isHumanOverride: { Type: 'String', Value: isHumanOverride },
    [OUTBOX_CORRELATION_ATTRIBUTE]: { Type: 'String', Value: messageId },
  });
  expect(published.map((entry) => entry.attributes)).toEqual([
    attributes('user', 'false', plain.message.messageId),
    attributes('user', 'true', underTakeover.message.messageId),
    attributes('agent', 'true', fromAgent.message.messageId),
  ]);
  // A bot subscribed with the recommended filter policy only sees the message it should answer.
  expect((await drain(botQueue)).map((entry) => entry.payload.message.messageId)).toEqual([plain.message.messageId]);
});

test('GIVEN SNS fails WHEN the outbox publishes an acknowledged message THEN it reports the record in batchItemFailures, and the retry delivers the message', async () => {
  const threadId = newThreadId();
  const bob = await harness.connect({ userId: 'bob', threadId });
  const ack = await bob.send({ action: 'message.send', text: 'Do not lose me' });
  expect(ack.type).toBe('message.sent');
  const records = (await filteredStreamRecords()).filter((record) => record.dynamodb?.Keys?.threadId?.S === threadId);
  expect(records).toHaveLength(1);

  snsProxy.setFailing(true);
  let failedAttempt: unknown;
  const logs = await captureLogs(async () => {
    failedAttempt = await outbox(streamEvent(records));
  });
  snsProxy.setFailing(false);

  expect(failedAttempt).toEqual({ batchItemFailures: [{ itemIdentifier: records[0].dynamodb!.SequenceNumber }] });
  expect(snsProxy.failedRequests()).toBeGreaterThan(0);
  expect(logs).toContainEqual(
    expect.objectContaining({ level: 'error', event: 'outbox.publish_failed', messageId: ack.message.messageId }),
  );
  expect(await drain(allMessagesQueue)).toEqual([]);

  // Lambda retries the batch from the reported sequence number.
  const retried = await outbox(streamEvent(records));

  expect(retried).toEqual({ batchItemFailures: [] });
  expect((await drain(allMessagesQueue)).map((entry) => entry.payload.message)).toEqual([ack.message]);
});

test('GIVEN a batch whose second record fails WHEN the outbox runs THEN the first is published, the second is reported, and nothing after it is attempted', async () => {
  const threadId = newThreadId();
  const carol = await harness.connect({ userId: 'carol', threadId });
  const acks = [];
  for (const text of ['one', 'two', 'three']) acks.push(await carol.send({ action: 'message.send', text }));
  const records = (await filteredStreamRecords()).filter((record) => record.dynamodb?.Keys?.threadId?.S === threadId);
  expect(records).toHaveLength(3);
  // Corrupt the second record the way a poison record would look (no origin snapshot).
  const poisoned = structuredClone(records);
  delete poisoned[1].dynamodb!.NewImage!.origin;

  let result: unknown;
  const logs = await captureLogs(async () => {
    result = await outbox(streamEvent(poisoned));
  });

  expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: records[1].dynamodb!.SequenceNumber }] });
  expect((await drain(allMessagesQueue)).map((entry) => entry.payload.message.text)).toEqual(['one']);
  expect(logs).toContainEqual(
    expect.objectContaining({ event: 'outbox.publish_failed', messageId: acks[1].message.messageId }),
  );
});

test('GIVEN records the filter would drop (a bot reply) reaching the outbox anyway WHEN it runs THEN only user and agent messages are published', async () => {
  const threadId = newThreadId();
  const dora = await harness.connect({ userId: 'dora', threadId });
  const ack = await dora.send({ action: 'message.send', text: 'question' });
  await botReply({ threadId, message: { text: 'answer' } });
  const { streamArn, records } = await readStream(harness.client, streamsClient(moto.endpoint), harness.tables.messages);
  const unfiltered = records
    .map((record) => toLambdaRecord(record, streamArn))
    .filter((record) => record.dynamodb?.Keys?.threadId?.S === threadId);
  expect(unfiltered.map((record) => record.dynamodb?.NewImage?.messageType?.S)).toEqual(['user', 'bot']);

  expect(await outbox(streamEvent(unfiltered))).toEqual({ batchItemFailures: [] });

  expect((await drain(allMessagesQueue)).map((entry) => entry.payload.message)).toEqual([ack.message]);
});

test('GIVEN a user message answered by a bot through replyAsBot with correlationIdOf its SNS record WHEN it goes message.send → stream → outbox → SNS → bot-reply THEN the SNS message carries the correlation attribute equal to the messageId and every log line of message.send, the outbox and bot-reply carries that id', async () => {
  const threadId = newThreadId();
  const erin = await harness.connect({ userId: 'erin', threadId });
  // A bot's Lambda client, answered in process by the bot-reply handler (what the Invoke API would run).
  const lambdaClient = {
    send: async (command: InvokeCommand) => {
      const input = JSON.parse(Buffer.from(command.input.Payload as Uint8Array).toString('utf8'));
      const result = await botReply(input, { awsRequestId: 'bot-reply-request-1' });
      return { Payload: Buffer.from(JSON.stringify(result)) };
    },
  } as unknown as LambdaClient;

  let ack: any;
  const logs = await captureLogs(async () => {
    ack = await erin.send({ action: 'message.send', text: 'Where is my order?' });
    const records = (await filteredStreamRecords()).filter((record) => record.dynamodb?.Keys?.threadId?.S === threadId);
    await outbox(streamEvent(records), { awsRequestId: 'outbox-request-1' });
    for (const entry of (await drain(botQueue)).filter((queued) => queued.payload.message.threadId === threadId)) {
      const record = { Sns: { Message: JSON.stringify(entry.payload), MessageAttributes: entry.attributes } };
      await replyAsBot(
        { threadId, message: { text: 'On its way', messageId: `reply-${entry.payload.message.messageId}` }, correlationId: correlationIdOf(record) },
        { functionName: 'chat-bot-reply', lambdaClient },
      );
    }
  }, 'info');
  const messageId: string = ack.message.messageId;

  const published = (await drain(allMessagesQueue)).filter((entry) => entry.payload.message.threadId === threadId);
  expect(published.map((entry) => entry.attributes[OUTBOX_CORRELATION_ATTRIBUTE])).toEqual([{ Type: 'String', Value: messageId }]);
  const logLines = logs.filter((line) => line._aws === undefined);
  const carriesId = (line: Record<string, any>) => line.correlationId === messageId || line.correlationIds?.includes(messageId);
  expect(logLines.filter((line) => !carriesId(line))).toEqual([]);
  expect(logLines).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ routeKey: 'message.send', event: 'request', messageId, correlationId: messageId }),
      expect.objectContaining({ requestId: 'outbox-request-1', event: 'outbox.published', messageId, correlationId: messageId, snsMessageId: expect.any(String) }),
      expect.objectContaining({ requestId: 'outbox-request-1', event: 'request', correlationIds: [messageId] }),
      expect.objectContaining({ requestId: 'bot-reply-request-1', handler: 'bot-reply', outcome: 'delivered', correlationId: messageId }),
    ]),
  );
});
