/**
 * The local runtime refuses what AWS IAM would refuse: each function runs with its own key and only its
 * statements in the deployment model (what the construct synthesizes), every AWS request it makes is
 * verified and authorized, and a refusal comes back in AWS's shape and is logged naming the function, the
 * action and the resource. Run the other way round, the same machinery shows the policies are sufficient
 * (a whole conversation, nothing refused, no setting missing) and tight (remove any one statement and the
 * conversation hits a refusal).
 */
import { DynamoDBClient, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { functionOf, functionsOf, type DeploymentModel, type ModelStatement } from '../../lib/deployment-model';
import { LIMITS, type HandlerId } from '../../lib/schema';
import { startLocalChat, type LocalChat, type LocalChatOptions } from '../../local/local-chat';
import { connectClient, devUrl, isMessage, isType, type ChatClient, type Frame } from './support/ws-client';

const OVERREACHING_HANDLER = '__tests__/local/fixtures/overreaching-handler.ts';
const OVERREACHING_BOT = '__tests__/local/fixtures/overreaching-bot.ts';

interface Runtime {
  readonly chat: LocalChat;
  readonly log: Frame[];
  readonly clients: ChatClient[];
  open(query: Record<string, string>): Promise<ChatClient>;
  denials(): Frame[];
  /** Rejects at the first refusal: what a refusal stops need not be waited for. */
  readonly refused: Promise<never>;
  stop(): Promise<void>;
}

async function runtime(options: LocalChatOptions = {}): Promise<Runtime> {
  const log: Frame[] = [];
  let refuse!: (error: Error) => void;
  const refused = new Promise<never>((_, reject) => (refuse = reject));
  refused.catch(() => undefined);
  const chat = await startLocalChat({
    port: 0,
    logLevel: 'error',
    logSink: (line) => {
      const entry = JSON.parse(line) as Frame;
      log.push(entry);
      if (entry.event === 'iam.access_denied') refuse(new Error(`refused: ${entry.principal} ${entry.action}`));
    },
    ...options,
  });
  const clients: ChatClient[] = [];
  return {
    chat,
    log,
    clients,
    async open(query) {
      const client = await connectClient(devUrl(chat.wsUrl, query));
      clients.push(client);
      return client;
    },
    denials: () => log.filter((line) => line.event === 'iam.access_denied'),
    refused,
    async stop() {
      await Promise.all(clients.splice(0).map((client) => client.close()));
      await chat.close();
    },
  };
}

/** The model with the named statements taken out of one function's policy. */
const without = (id: HandlerId, ...sids: string[]) => (model: DeploymentModel): DeploymentModel => {
  const fn = functionOf(model, id);
  for (const sid of sids) if (!fn.statements.some((statement) => statement.sid === sid)) throw new Error(`${fn.name} has no statement ${sid}`);
  return { ...model, functions: { ...model.functions, [id]: { ...fn, statements: fn.statements.filter((statement) => !sids.includes(statement.sid)) } } };
};

const tableArn = (table: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${table}`;

/** `work`, or a rejection after `ms` or at `abort`: a step a refusal stopped does not hold the conversation up. */
function withinBound<T>(work: Promise<T>, ms = 3000, abort?: Promise<never>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    ...(abort ? [abort] : []),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

describe('a handler that reaches beyond its policy', () => {
  let rt: Runtime;
  let client: ChatClient;
  beforeAll(async () => {
    rt = await runtime({ demoBot: false, handlerFiles: { typing: OVERREACHING_HANDLER } });
    client = await rt.open({ userId: 'mallory', threadId: 'reach-thread' });
  });
  afterAll(() => rt.stop());

  const attempt = (frame: Record<string, unknown>) => client.request({ action: 'typing', isTyping: true, ...frame }, isType('attempt'));

  test('granted call: its own thread index answers', async () => {
    expect(await attempt({ attempt: 'query-own-index', threadId: 'reach-thread' })).toMatchObject({ outcome: 'allowed' });
  });

  test.each([
    ['another table (Scan of messages)', { attempt: 'scan-messages', table: 'local-chat-messages' }, 'AccessDeniedException', 'dynamodb:Scan', 'table/local-chat-messages'],
    ['an action it lacks on its own table (Scan of connections)', { attempt: 'scan-connections' }, 'AccessDeniedException', 'dynamodb:Scan', 'table/local-chat-connections'],
    ['an index it is not granted (threads byActivity)', { attempt: 'query-activity-index', table: 'local-chat-threads' }, 'AccessDeniedException', 'dynamodb:Query', 'table/local-chat-threads/index/byActivity'],
    ['SNS Publish (the outbox\'s)', { attempt: 'publish', topicArn: 'arn:aws:sns:us-east-1:000000000000:local-chat-responder' }, 'AuthorizationErrorException', 'sns:Publish', 'local-chat-responder'],
    ['Lambda Invoke of bot-reply (the bots\')', { attempt: 'invoke-bot-reply', functionName: 'local-chat-bot-reply' }, 'AccessDeniedException', 'lambda:InvokeFunction', 'function:local-chat-bot-reply'],
  ])('%s: refused with AWS\'s answer, naming the function, the action and the resource, and logged', async (_, frame, errorName, action, resource) => {
    // GIVEN the typing function, changed to make a call its policy does not allow WHEN it runs
    const before = rt.denials().length;
    const answer = await attempt(frame);
    // THEN AWS's refusal comes back, naming who asked for what
    expect(answer).toMatchObject({ outcome: 'denied', errorName });
    expect(answer.message).toContain('assumed-role/local-chat-typing/local-chat-typing is not authorized to perform: ' + action);
    expect(answer.message).toContain(resource);
    // AND the runtime logs it
    expect(rt.denials().slice(before)).toEqual([
      expect.objectContaining({ principal: 'local-chat-typing', kind: 'function', action, resource: expect.stringContaining(resource) }),
    ]);
  });
});

describe('a bot', () => {
  test('GIVEN a bot that writes into a chat table itself WHEN a user writes THEN DynamoDB refuses it, and its reply through bot-reply (the policy it holds) arrives', async () => {
    const rt = await runtime({ bot: { handlerFile: OVERREACHING_BOT, env: { TARGET_TABLE: 'local-chat-messages' } } });
    try {
      const client = await rt.open({ userId: 'bea', threadId: 'bot-thread' });
      client.send({ action: 'message.send', text: 'hello' });
      const reply = await client.next(isMessage('bot'));
      expect(reply.message.text).toBe('denied:AccessDeniedException');
      expect(rt.denials()).toEqual([
        expect.objectContaining({ principal: 'local-chat-bot', kind: 'bot', action: 'dynamodb:PutItem', resource: tableArn('local-chat-messages') }),
      ]);
    } finally {
      await rt.stop();
    }
  });
});

describe('AWS credentials', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await runtime({ demoBot: false });
  });
  afterAll(() => rt.stop());

  test('operator: the runtime\'s operator key may call everything', async () => {
    const dynamodb = new DynamoDBClient(rt.chat.awsConfig);
    try {
      expect((await dynamodb.send(new ListTablesCommand({}))).TableNames).toContain('local-chat-messages');
    } finally {
      dynamodb.destroy();
    }
  });

  test.each([
    ['a wrong secret', { accessKeyId: 'OPERATOR', secretAccessKey: 'guessed' }, 'InvalidSignatureException'],
    ['a key the runtime never issued', { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }, 'UnrecognizedClientException'],
  ])('signature: %s is refused as AWS refuses it, and nothing is written', async (_, credentials, errorName) => {
    const key = credentials.accessKeyId === 'OPERATOR' ? { ...credentials, accessKeyId: rt.chat.awsConfig.credentials.accessKeyId } : credentials;
    const forger = new DynamoDBClient({ ...rt.chat.awsConfig, credentials: key, maxAttempts: 1 });
    const lambda = new LambdaClient({ ...rt.chat.awsConfig, credentials: key, maxAttempts: 1 });
    try {
      await expect(
        forger.send(new PutItemCommand({ TableName: 'local-chat-threads', Item: { threadId: { S: 'forged' }, ownerId: { S: 'mallory' } } })),
      ).rejects.toMatchObject({ name: errorName });
      await expect(lambda.send(new InvokeCommand({ FunctionName: 'local-chat-bot-reply', Payload: Buffer.from('{}') }))).rejects.toMatchObject({ name: errorName });
      expect(rt.chat.counters().lambda.invocations['local-chat-bot-reply'] ?? 0).toBe(0);
    } finally {
      forger.destroy();
      lambda.destroy();
    }
  });
});

/**
 * Everything the chat does, touching every function and every path a statement exists for (development
 * identity mode, so routes read the caller's connection record): connect as user and agent, send with a
 * clientMessageId and get the bot's reply, page the history, type, take over and release, list threads,
 * reply as a bot directly, an unknown action, disconnect. A stale connection record (a client gone without
 * $disconnect) sits in the thread before each delivery, so every deliverer's cleanup runs too.
 */
async function fullConversation(rt: Runtime, stopAtRefusal = false): Promise<Frame[]> {
  const { chat } = rt;
  const within = <T>(work: Promise<T>) => withinBound(work, 3000, stopAtRefusal ? rt.refused : undefined);
  const thread = `full-${Math.random().toString(36).slice(2, 8)}`;
  const dynamodb = new DynamoDBClient(chat.awsConfig);
  const lambda = new LambdaClient(chat.awsConfig);
  const stale = async () => {
    const now = Date.now();
    await dynamodb.send(
      new PutItemCommand({
        TableName: chat.tables.connections,
        Item: {
          connectionId: { S: `stale-${now}-${Math.random()}` },
          threadId: { S: thread },
          userId: { S: 'ghost' },
          role: { S: 'user' },
          connectedAt: { N: String(now - 60_000) },
          lastSeen: { N: String(now - 60_000) },
          expiresAt: { N: String(Math.floor(now / 1000) + 3600) },
          rateWindow: { N: '0' },
          rateCount: { N: '0' },
        },
      }),
    );
  };
  const answers: Frame[] = [];
  const answered = async (frame: Promise<Frame>) => {
    answers.push(await within(frame));
    return answers[answers.length - 1];
  };
  try {
    const answer = (type: string) => (frame: Frame) => frame.type === type || frame.type === 'error';
    const user = await within(rt.open({ userId: 'una', threadId: thread }));
    const agent = await within(rt.open({ userId: 'agnes', threadId: thread, role: 'agent' }));
    await stale();
    const ack = await answered(user.request({ action: 'message.send', text: 'hi', clientMessageId: 'full-1' }, answer('message.sent')));
    await within(user.next(isMessage('bot')));
    await chat.settled();
    await answered(user.request({ action: 'thread.history', limit: LIMITS.historyDefaultLimit }, answer('history')));
    await stale();
    user.send({ action: 'typing', isTyping: true });
    await within(agent.next(isType('typing')));
    await stale();
    await answered(agent.request({ action: 'thread.takeover' }, answer('thread.status')));
    await answered(agent.request({ action: 'thread.release' }, answer('thread.status')));
    await answered(agent.request({ action: 'thread.list' }, answer('threads')));
    await stale();
    await lambda.send(
      new InvokeCommand({
        FunctionName: chat.botReplyFunctionName,
        Payload: Buffer.from(JSON.stringify({ threadId: thread, message: { text: 'direct', messageId: `direct-${ack.message?.messageId ?? 'x'}` } })),
      }),
    );
    await within(user.request({ action: 'no.such.action' }, isType('error')));
    await user.close();
    await chat.settled();
    return answers;
  } finally {
    dynamodb.destroy();
    lambda.destroy();
  }
}

describe('the policies and environments of the deployment model', () => {
  test('sufficient: GIVEN every function on its own statements and environment WHEN a whole conversation runs THEN nothing is refused and no handler reads a setting its function lacks', async () => {
    const rt = await runtime();
    try {
      const answers = await fullConversation(rt);
      expect(answers.map((frame) => frame.type)).toEqual(['message.sent', 'history', 'thread.status', 'thread.status', 'threads']);
      expect(rt.denials()).toEqual([]);
      expect(rt.log.filter((line) => line.event === 'function.env_unset')).toEqual([]);
      expect(rt.log.filter((line) => line.level === 'error')).toEqual([]);
    } finally {
      await rt.stop();
    }
  });

  test('a removed statement: GIVEN message-send without its idempotency statement WHEN a user sends with a clientMessageId THEN the send fails as it would on AWS, and the log names the function, the action and the table', async () => {
    const rt = await runtime({ demoBot: false, deployment: without('messageSend', 'IdempotencyTable') });
    try {
      const client = await rt.open({ userId: 'ivo', threadId: 'no-idempotency' });
      const answer = await client.request({ action: 'message.send', text: 'hi', clientMessageId: 'c-1' }, (frame) => ['message.sent', 'error'].includes(frame.type));
      expect(answer).toMatchObject({ type: 'error', code: 'INTERNAL_ERROR', clientMessageId: 'c-1' });
      expect(rt.denials()).toEqual([
        expect.objectContaining({ principal: 'local-chat-message-send', action: expect.stringMatching(/^dynamodb:(PutItem|GetItem)$/), resource: tableArn('local-chat-idempotency') }),
      ]);
    } finally {
      await rt.stop();
    }
  });

  // Statements a conversation cannot need: logs go to stdout (not the CloudWatch API), traces to no X-Ray
  // daemon (the Lambda runtime sends them on AWS), and the two failure destinations only receive what failed
  // every retry (each has its own test below).
  const NOT_EXERCISED = new Set(['WriteOwnLogs', 'WriteTraces', 'SendOutboxFailures', 'SendDeadLetters']);
  const everyStatement: Array<[string, HandlerId, ModelStatement]> = [];
  beforeAll(async () => {
    const rt = await runtime({ demoBot: false });
    for (const fn of functionsOf(rt.chat.model)) {
      for (const statement of fn.statements) if (!NOT_EXERCISED.has(statement.sid)) everyStatement.push([`${fn.name} ${statement.sid}`, fn.id, statement]);
    }
    await rt.stop();
  });

  test('tight: GIVEN any one statement removed from a function WHEN the whole conversation runs THEN that function is refused', async () => {
    expect(everyStatement.length).toBeGreaterThan(20);
    const unused: string[] = [];
    for (const [label, id, statement] of everyStatement) {
      const rt = await runtime({ deployment: without(id, statement.sid) });
      try {
        // The conversation stops at the first step the refusal breaks; the refusal is what counts.
        await fullConversation(rt, true).catch(() => undefined);
        const name = functionOf(rt.chat.model, id).name;
        if (!rt.denials().some((line) => line.principal === name && statement.actions.includes(line.action))) unused.push(label);
      } finally {
        await rt.stop();
      }
    }
    expect(unused).toEqual([]);
  }, 300_000);
});

describe('failure destinations (the statements a conversation never needs)', () => {
  const queueArn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

  test.each([
    ['with SendDeadLetters', [], 'lambda.async_invoke_dead_lettered'],
    ['without SendDeadLetters', ['SendDeadLetters'], 'lambda.async_invoke_dropped'],
  ])('bot-reply %s: GIVEN an asynchronous invocation that fails every attempt THEN after Lambda\'s retries it goes to the dead-letter queue only if the role may send there', async (_, removed, outcome) => {
    // GIVEN bot-reply unable to store (its idempotency statement removed), so every attempt fails
    const rt = await runtime({ demoBot: false, deployment: without('botReply', 'IdempotencyTable', ...(removed as string[])) });
    const lambda = new LambdaClient(rt.chat.awsConfig);
    try {
      // WHEN an operator invokes it asynchronously
      await lambda.send(
        new InvokeCommand({
          FunctionName: rt.chat.botReplyFunctionName,
          InvocationType: 'Event',
          Payload: Buffer.from(JSON.stringify({ threadId: 'dlq-thread', message: { text: 'x', messageId: 'dlq-1' } })),
        }),
      );
      await rt.chat.settled();
      // THEN three attempts failed, and the invocation was dead-lettered (or, without the permission, lost and said so)
      expect(rt.log.filter((line) => line.event?.startsWith('lambda.async_invoke_d'))).toEqual([
        expect.objectContaining({ event: outcome, functionName: 'local-chat-bot-reply', attempts: 3, queueArn: queueArn('local-chat-bot-reply-dlq') }),
      ]);
      const sendDenied = rt.denials().some((line) => line.action === 'sqs:SendMessage' && line.principal === 'local-chat-bot-reply');
      expect(sendDenied).toBe(removed.length > 0);
    } finally {
      lambda.destroy();
      await rt.stop();
    }
  });

  test.each([
    ['with SendOutboxFailures', [], 'stream.records_dropped'],
    ['without SendOutboxFailures', ['SendOutboxFailures'], 'stream.records_lost'],
  ])('outbox %s: GIVEN records the outbox cannot publish THEN after the mapping\'s retries they go to the failure queue only if the role may send there', async (_, removed, outcome) => {
    // GIVEN an outbox that may not publish to the topic
    const rt = await runtime({ demoBot: false, deployment: without('outbox', 'PublishToResponderTopic', ...(removed as string[])) });
    try {
      // WHEN a user message is stored
      const client = await rt.open({ userId: 'otto', threadId: 'outbox-failures' });
      await client.request({ action: 'message.send', text: 'hi' }, isType('message.sent'));
      await rt.chat.settled();
      // THEN the record failed every retry and was handed to the failure queue (or lost, and said so)
      expect(rt.log.filter((line) => line.event?.startsWith('stream.records_'))).toEqual([expect.objectContaining({ event: outcome })]);
      const sendDenied = rt.denials().some((line) => line.action === 'sqs:SendMessage' && line.principal === 'local-chat-outbox');
      expect(sendDenied).toBe(removed.length > 0);
    } finally {
      await rt.stop();
    }
  });
});
