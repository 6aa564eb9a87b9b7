/**
 * A bot's subscription filter policy, checked once for synth (subscribeBot) and for the local runtime's bots:
 * as SNS checks it when the subscription is created (lib/sns-filter-policy.ts), and against the message
 * attributes the outbox publishes, since a valid policy that can never match (a boolean for 'true', an
 * attribute the outbox never sends) would silently starve the bot.
 */
import { OUTBOX_MESSAGE_ATTRIBUTES } from './schema';
import { checkFilterPolicyAgainstAttributes, validateSnsFilterPolicy, type SnsFilterPolicy } from './sns-filter-policy';

/** Throws SnsFilterPolicyError naming the place (`<at>.isHumanOverride[0]: ...`) for a policy SNS refuses or that never matches. */
export function checkBotFilterPolicy(policy: unknown, at = 'filterPolicy'): asserts policy is SnsFilterPolicy {
  validateSnsFilterPolicy(policy, at);
  checkFilterPolicyAgainstAttributes(policy, OUTBOX_MESSAGE_ATTRIBUTES, at, 'the outbox');
}
