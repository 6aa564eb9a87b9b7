/**
 * Human takeover (per thread), bot replies (bot-reply function) and the utility API for bots and
 * operators, invoked the way a bot would: LambdaClient → Lambda Invoke endpoint → bot-reply handler.
 */
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { handler as botReply } from '../../handlers/bot-reply';
import { postFrame, replyAsBot, setHumanTakeover, BotReplyFunctionError } from '../../lib/utilities';
import { GONE_GRACE_MS } from '../../handlers/core/delivery';
import { shiftClock } from '../support/clock';
import { startLambdaInvokeServer, type LambdaInvokeServer } from '../support/lambda-invoke';
import { newThreadId, useChatHarness } from '../support/chat-harness';

const BOT_REPLY_FUNCTION = 'chat-bot-reply';

const harness = useChatHarness({ env: { CHAT_RATE_LIMIT_MESSAGES: '100000' } });
let lambda: LambdaInvokeServer;

beforeAll(async () => {
  lambda = await startLambdaInvokeServer({
    [BOT_REPLY_FUNCTION]: (event, context) => botReply(event, context),
    'always-fails': async () => {
      throw new Error('storage unavailable');
    },
  });
  // The utilities' default LambdaClient takes its endpoint from the standard variable.
  process.env.AWS_ENDPOINT_URL_LAMBDA = lambda.endpoint;
});

afterAll(async () => {
  await lambda.stop();
});

async function threadItem(threadId: string) {
  return (await harness.doc.send(new GetCommand({ TableName: harness.tables.threads, Key: { threadId } }))).Item;
}

describe('bot replies', () => {
  test('GIVEN a thread with two user devices WHEN a bot replies via the utility API THEN the reply is stored as a bot message and delivered to every connection', async () => {
    const threadId = newThreadId();
    const phone = await harness.connect({ userId: 'alice', threadId });
    const laptop = await harness.connect({ userId: 'alice', threadId });

    const result = await replyAsBot(
      { userId: 'alice', threadId, message: { text: 'How can I help?', metadata: { model: 'small' } } },
      { functionName: BOT_REPLY_FUNCTION },
    );

    expect(result).toEqual({
      status: 'delivered',
      message: {
        messageId: expect.any(String),
        threadId,
        messageType: 'bot',
        text: 'How can I help?',
        sender: 'bot',
        timestamp: expect.any(Number),
        status: 'sent',
        metadata: { model: 'small' },
      },
      delivery: { delivered: 2, stale: 0, failed: 0 },
    });
    expect(phone.received()).toEqual([{ type: 'message', message: result.message }]);
    expect(laptop.received()).toEqual([{ type: 'message', message: result.message }]);
    expect(lambda.invocations(BOT_REPLY_FUNCTION)).toBeGreaterThan(0);
    const [stored] = await harness.storedMessages(threadId);
    expect(stored).toMatchObject({ messageType: 'bot', messageId: result.message!.messageId });
    expect(stored.origin).toBeUndefined();
  });

  test('GIVEN a bot reply with a messageId WHEN the bot retries it THEN it is stored and delivered once and the retry says duplicate', async () => {
    const threadId = newThreadId();
    const alice = await harness.connect({ userId: 'alice', threadId });
    const input = { threadId, message: { text: 'Once only', messageId: 'reply-to-m1' } };

    const first = await replyAsBot(input, { functionName: BOT_REPLY_FUNCTION });
    const retry = await replyAsBot(input, { functionName: BOT_REPLY_FUNCTION });

    expect(first).toMatchObject({ status: 'delivered', message: { messageId: 'reply-to-m1' } });
    expect(retry).toEqual({ status: 'delivered', message: first.message, duplicate: true });
    expect(await harness.storedMessages(threadId)).toHaveLength(1);
    expect(alice.received()).toHaveLength(1);
  });

  test('GIVEN bad input, an unknown thread or a userId that does not own the thread WHEN a bot replies THEN refused with the reason and nothing stored', async () => {
    const threadId = newThreadId();
    await harness.connect({ userId: 'alice', threadId });

    expect(await replyAsBot({ threadId, message: { text: '' } }, { functionName: BOT_REPLY_FUNCTION })).toEqual({
      status: 'refused',
      reason: 'INVALID_INPUT',
      detail: 'message.text must not be empty',
    });
    expect(await botReply({ threadId: newThreadId(), message: { text: 'hi' } })).toMatchObject({
      status: 'refused',
      reason: 'THREAD_NOT_FOUND',
    });
    expect(await botReply({ userId: 'mallory', threadId, message: { text: 'hi' } })).toMatchObject({
      status: 'refused',
      reason: 'USER_NOT_THREAD_OWNER',
    });
    expect(await harness.storedMessages(threadId)).toEqual([]);
  });

  test('GIVEN the bot-reply function fails WHEN a bot replies via the utility API THEN it throws BotReplyFunctionError with the function\'s message', async () => {
    await expect(
      replyAsBot({ threadId: newThreadId(), message: { text: 'hi' } }, { functionName: 'always-fails' }),
    ).rejects.toThrow(new BotReplyFunctionError('bot-reply function failed: Error: storage unavailable', 'Unhandled'));
  });
});

describe('human takeover', () => {
  test('GIVEN a user, a second device and an agent in a thread WHEN the agent takes over THEN every connection learns it, bot replies are refused (not stored, not delivered) and user messages carry isHumanOverride', async () => {
    const threadId = newThreadId();
    const user = await harness.connect({ userId: 'alice', threadId });
    const secondDevice = await harness.connect({ userId: 'alice', threadId });
    const agent = await harness.connect({ userId: 'agent-1', role: 'agent', threadId });

    const status = await agent.send({ action: 'thread.takeover' });
    const expectedStatus = { type: 'thread.status', threadId, isHumanOverride: true, by: 'agent-1' };
    expect(status).toEqual(expectedStatus);
    expect(user.received()).toEqual([expectedStatus]);
    expect(secondDevice.received()).toEqual([expectedStatus]);

    const refused = await replyAsBot({ threadId, message: { text: 'Bot talking over the human' } }, { functionName: BOT_REPLY_FUNCTION });

    expect(refused).toEqual({
      status: 'refused',
      reason: 'HUMAN_TAKEOVER',
      detail: 'A human agent (agent-1) has taken over this thread',
    });
    expect(user.received()).toEqual([expectedStatus]);
    expect(await harness.storedMessages(threadId)).toEqual([]);

    const ack = await user.send({ action: 'message.send', text: 'Are you human?' });
    const [stored] = await harness.storedMessages(threadId);
    expect(stored.messageId).toBe(ack.message.messageId);
    expect(stored.origin.connection.isHumanOverride).toBe(true);
    expect(agent.received()).toEqual([{ type: 'message', message: ack.message }]);
  });

  test('GIVEN a thread under takeover WHEN the agent releases it THEN everyone gets thread.status false and bot replies are accepted again', async () => {
    const threadId = newThreadId();
    const user = await harness.connect({ userId: 'bob', threadId });
    const agent = await harness.connect({ userId: 'agent-2', role: 'agent', threadId });
    await agent.send({ action: 'thread.takeover' });

    const status = await agent.send({ action: 'thread.release' });

    expect(status).toEqual({ type: 'thread.status', threadId, isHumanOverride: false, by: 'agent-2' });
    expect(user.received().at(-1)).toEqual(status);
    expect(await threadItem(threadId)).toMatchObject({ isHumanOverride: false });
    expect((await threadItem(threadId))!.overrideBy).toBeUndefined();
    const reply = await botReply({ threadId, message: { text: 'Back to the bot' } });
    expect(reply.status).toBe('delivered');
    expect(user.received().at(-1)).toEqual({ type: 'message', message: reply.message });
  });

  test('GIVEN a bot reply stored before a takeover WHEN the bot retries it after the takeover THEN it is reported delivered as a duplicate, not refused or stored again', async () => {
    const threadId = newThreadId();
    await harness.connect({ userId: 'erin', threadId });
    const agent = await harness.connect({ userId: 'agent-3', role: 'agent', threadId });
    const input = { threadId, message: { text: 'early answer', messageId: 'bot-msg-1' } };
    const first = await botReply(input);
    await agent.send({ action: 'thread.takeover' });

    const retry = await botReply(input);

    expect(retry).toEqual({ status: 'delivered', message: first.message, duplicate: true });
    expect(await harness.storedMessages(threadId)).toHaveLength(1);
  });

  test('GIVEN a bot reply whose first attempt stopped after its idempotency record, before the message was stored WHEN the bot retries it under takeover THEN it is refused, and after release the retry stores and delivers it', async () => {
    const threadId = newThreadId();
    const user = await harness.connect({ userId: 'erin', threadId });
    const agent = await harness.connect({ userId: 'agent-5', role: 'agent', threadId });
    const input = { threadId, message: { text: 'half-done answer', messageId: 'bot-msg-2' } };
    const first = await botReply(input);
    // The first attempt "crashed" between the idempotency claim and the message put.
    await harness.doc.send(
      new DeleteCommand({ TableName: harness.tables.messages, Key: { threadId, timestamp: first.message!.timestamp } }),
    );
    await agent.send({ action: 'thread.takeover' });

    const underTakeover = await botReply(input);

    expect(underTakeover).toMatchObject({ status: 'refused', reason: 'HUMAN_TAKEOVER' });
    expect(await harness.storedMessages(threadId)).toHaveLength(0);
    const deliveriesOf = () =>
      user.received().filter((frame) => frame.type === 'message' && frame.message.messageId === 'bot-msg-2').length;
    const deliveredBefore = deliveriesOf();
    await agent.send({ action: 'thread.release' });
    const afterRelease = await botReply(input);
    expect(afterRelease).toMatchObject({ status: 'delivered', message: { messageId: 'bot-msg-2', text: 'half-done answer' } });
    expect(await harness.storedMessages(threadId)).toHaveLength(1);
    expect(deliveriesOf()).toBe(deliveredBefore + 1);
  });

  test('GIVEN a user (not an agent) WHEN they try to take over or release their thread THEN FORBIDDEN and the state is unchanged', async () => {
    const threadId = newThreadId();
    const user = await harness.connect({ userId: 'frank', threadId });

    expect(await user.send({ action: 'thread.takeover' })).toMatchObject({ type: 'error', code: 'FORBIDDEN', action: 'thread.takeover' });
    expect(await user.send({ action: 'thread.release' })).toMatchObject({ type: 'error', code: 'FORBIDDEN', action: 'thread.release' });
    expect(await threadItem(threadId)).toMatchObject({ isHumanOverride: false });
  });

  test('GIVEN an agent connected to one thread WHEN they name another thread to take over THEN FORBIDDEN', async () => {
    const mine = newThreadId();
    const other = newThreadId();
    await harness.connect({ userId: 'gina', threadId: mine });
    await harness.connect({ userId: 'hank', threadId: other });
    const agent = await harness.connect({ userId: 'agent-4', role: 'agent', threadId: mine });

    expect(await agent.send({ action: 'thread.takeover', threadId: other })).toMatchObject({ code: 'FORBIDDEN' });
    expect(await threadItem(other)).toMatchObject({ isHumanOverride: false });
  });
});

describe('operator utilities', () => {
  test('GIVEN a thread WHEN an operator sets and clears takeover with setHumanTakeover THEN every connection gets thread.status and bot replies follow the state', async () => {
    const threadId = newThreadId();
    const user = await harness.connect({ userId: 'ivy', threadId });

    const on = await setHumanTakeover({ threadId, enabled: true, by: 'ops-oncall' }, { instanceName: harness.instanceName });

    expect(on).toEqual({
      frame: { type: 'thread.status', threadId, isHumanOverride: true, by: 'ops-oncall' },
      delivery: { delivered: 1, stale: 0, failed: 0 },
    });
    expect(user.received()).toEqual([on.frame]);
    expect((await botReply({ threadId, message: { text: 'x' } })).reason).toBe('HUMAN_TAKEOVER');

    const off = await setHumanTakeover({ threadId, enabled: false, by: 'ops-oncall' });

    expect(user.received().at(-1)).toEqual(off.frame);
    expect((await botReply({ threadId, message: { text: 'y' } })).status).toBe('delivered');
    await expect(setHumanTakeover({ threadId: newThreadId(), enabled: true, by: 'ops' })).rejects.toThrow(/does not exist/);
  });

  test('GIVEN an open and a gone connection WHEN an operator posts a frame with postFrame THEN delivered to the open one; the gone one is stale and its record removed', async () => {
    const threadId = newThreadId();
    const open = await harness.connect({ userId: 'jack', threadId });
    const gone = await harness.connect({ userId: 'jack', threadId });
    gone.vanish();
    shiftClock(GONE_GRACE_MS + 1000);
    const notice = { type: 'notice', text: 'Maintenance at 22:00 UTC' };

    expect(await postFrame({ connectionId: open.connectionId, frame: notice })).toBe('delivered');
    expect(await postFrame({ connectionId: gone.connectionId, frame: notice })).toBe('stale');

    expect(open.received()).toEqual([notice]);
    const record = await harness.doc.send(
      new GetCommand({ TableName: harness.tables.connections, Key: { connectionId: gone.connectionId } }),
    );
    expect(record.Item).toBeUndefined();
  });
});
