/**
 * One table of SNS filter-policy cases (__tests__/support/sns-filter-policy-cases.ts, from AWS's documentation)
 * against both places a policy meets: the construct's synth-time check (subscribeBot) and the local runtime's
 * SNS topic (what it accepts, and what it delivers). What fails at synth fails locally, and the reverse.
 */
import { App, TerraformStack, Testing } from 'cdktf';
import { ChatServer } from '../../lib/chat-server';
import type { SnsMessageAttribute } from '../../lib/sns-filter-policy';
import { CounterRegistry } from '../../local/counters';
import { ConfigError, optionsFromEnv } from '../../local/config';
import { createLogger } from '../../local/logger';
import { LocalSnsTopic } from '../../local/sns-topic';
import { FILTER_POLICY_CASES, PUBLISHER_CHECK_CASES } from '../support/sns-filter-policy-cases';
import { baseProps } from '../construct/support/synth';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:parity-responder';
const BOT = { arn: 'arn:aws:lambda:us-east-1:123456789012:function:parity-bot', functionName: 'parity-bot' };

let chat: ChatServer;
let botCount = 0;
beforeAll(() => {
  const app = Testing.stubVersion(new App({ stackTraces: false }));
  chat = new ChatServer(new TerraformStack(app, 'parity'), 'chat', baseProps());
});

/** What subscribeBot says of a policy: undefined when it accepts it, else the error message. */
function atSynth(policy: unknown): string | undefined {
  try {
    chat.subscribeBot(BOT, { name: `bot${(botCount += 1)}`, filterPolicy: policy as Record<string, unknown> });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function localTopic(): LocalSnsTopic {
  return new LocalSnsTopic({ topicArn: TOPIC_ARN, publicUrl: 'http://127.0.0.1:1', counters: new CounterRegistry(), logger: createLogger('error', () => undefined) });
}

/** Whether the local topic delivers a message with these attributes to a bot subscribed with `policy`. */
async function deliveredLocally(policy: Record<string, unknown>, attributes: Record<string, SnsMessageAttribute>): Promise<boolean> {
  const topic = localTopic();
  let delivered = false;
  topic.subscribe({
    functionName: 'parity-bot',
    filterPolicy: policy,
    invoke: async () => {
      delivered = true;
      return { ok: true, result: null };
    },
  });
  topic.publish({ message: '{}', attributes });
  await topic.idle();
  return delivered;
}

describe('filter policies SNS refuses', () => {
  test.each(FILTER_POLICY_CASES.filter((c) => !c.valid).map((c) => [c.name, c] as const))('%s: refused at synth and by the local topic, with the same reason', (_, c) => {
    if (c.valid) throw new Error('unreachable');
    // GIVEN a policy SNS refuses WHEN a bot subscribes with it at synth and locally
    const synthError = atSynth(c.policy);
    let localError: string | undefined;
    try {
      localTopic().subscribe({ functionName: 'parity-bot', filterPolicy: c.policy as Record<string, unknown>, invoke: async () => ({ ok: true, result: null }) });
    } catch (error) {
      localError = (error as Error).message;
    }
    // THEN both refuse it, naming the same problem
    expect(synthError).toMatch(/^subscribeBot: invalid /);
    expect(localError).toMatch(c.problem);
    expect(synthError).toBe(`subscribeBot: invalid ${localError}`);
  });
});

describe('filter policies SNS accepts', () => {
  test.each(FILTER_POLICY_CASES.filter((c) => c.valid).map((c) => [c.name, c] as const))('%s: synth refuses it only as never matching the outbox, and the local topic delivers what SNS delivers', async (_, c) => {
    if (!c.valid) throw new Error('unreachable');
    // GIVEN a policy SNS accepts WHEN a bot subscribes with it at synth
    const synthError = atSynth(c.policy);
    // THEN synth accepts it, or refuses it only because the outbox never publishes what it asks for
    if (synthError !== undefined) expect(synthError).toMatch(/never matches/);
    // AND the local topic delivers exactly the messages SNS delivers
    for (const match of c.matches) {
      expect({ attributes: match.attributes, delivered: await deliveredLocally(c.policy as Record<string, unknown>, match.attributes) }).toEqual({
        attributes: match.attributes,
        delivered: match.expected,
      });
    }
  });
});

describe("policies checked against the outbox's attributes", () => {
  test.each(PUBLISHER_CHECK_CASES.map((c) => [c.name, c] as const))('%s: the same verdict at synth and for a local bot (CHAT_BOT_FILTER_POLICY)', (_, c) => {
    // GIVEN a policy WHEN a bot subscribes with it at synth, and npm start reads it for a local bot
    const synthError = atSynth(c.policy);
    let localError: string | undefined;
    try {
      optionsFromEnv({ CHAT_BOT_HANDLER: 'bot.ts', CHAT_BOT_FILTER_POLICY: JSON.stringify(c.policy) });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      localError = (error as Error).message;
    }
    // THEN both accept it, or both refuse it for the same reason
    if (c.ok) {
      expect(synthError).toBeUndefined();
      expect(localError).toBeUndefined();
    } else {
      const synthProblem = synthError?.replace(/^subscribeBot: invalid filterPolicy/, '');
      const localProblem = localError?.replace(/^CHAT_BOT_FILTER_POLICY/, '');
      expect(`filterPolicy${synthProblem}`).toMatch(c.problem);
      expect(localProblem).toBe(synthProblem);
    }
  });
});
