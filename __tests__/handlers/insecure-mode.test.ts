/**
 * Auth mode `none` (CHAT_AUTH_MODE=none): the seed's query-string identity, explicitly insecure.
 * Later routes identify the caller from the connection record written at $connect.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { handler as threadHistory } from '../../handlers/thread-history';
import { messageEvent, newConnectionId } from '../support/websocket-events';
import { newThreadId, useChatHarness } from '../support/chat-harness';

const harness = useChatHarness({ authMode: 'none' });

test('GIVEN auth mode none WHEN connecting with userId and threadId query parameters THEN the connection is recorded as that user', async () => {
  const threadId = newThreadId();
  const client = harness.newClient({ userId: 'user-123', threadId });

  expect((await client.connect()).statusCode).toBe(200);

  const record = await harness.doc.send(
    new GetCommand({ TableName: harness.tables.connections, Key: { connectionId: client.connectionId } }),
  );
  expect(record.Item).toMatchObject({ userId: 'user-123', threadId, role: 'user' });
});

test('GIVEN auth mode none WHEN connecting without userId THEN 400', async () => {
  const client = harness.newClient({ userId: 'ignored', threadId: newThreadId(), query: { userId: '' } });

  expect((await client.connect()).statusCode).toBe(400);
});

test('GIVEN auth mode none WHEN users send, read history and an agent takes over THEN identity comes from the connection records', async () => {
  const threadId = newThreadId();
  const user = await harness.connect({ userId: 'user-1', threadId });
  const agent = await harness.connect({ userId: 'agent-1', role: 'agent', threadId });

  // The seed lets the client name the sender in this mode.
  const ack = await user.send({ action: 'message.send', text: 'Hello!', sender: 'user@example.com' });
  expect(ack.message).toMatchObject({ sender: 'user@example.com', messageType: 'user', threadId });
  expect((await agent.send({ action: 'thread.history' })).messages).toEqual([ack.message]);
  expect(await agent.send({ action: 'thread.takeover' })).toMatchObject({ type: 'thread.status', by: 'agent-1' });
  expect(await user.send({ action: 'thread.takeover' })).toMatchObject({ code: 'FORBIDDEN' });
});

test('GIVEN auth mode none WHEN another user connects to an owned thread THEN 403', async () => {
  const threadId = newThreadId();
  await harness.connect({ userId: 'owner', threadId });

  expect((await harness.newClient({ userId: 'intruder', threadId }).connect()).statusCode).toBe(403);
});

test('GIVEN auth mode none WHEN a route arrives from a connection that was never recorded THEN FORBIDDEN', async () => {
  const reply = await threadHistory(messageEvent({ connectionId: newConnectionId(), body: { action: 'thread.history' } }));

  expect(JSON.parse(reply.body!)).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
});
