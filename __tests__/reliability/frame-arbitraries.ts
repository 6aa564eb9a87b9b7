/**
 * fast-check arbitraries for everything a client (or a bot) can send: frames for every route as raw
 * JSON text (so `__proto__` keys, 1e400 and duplicate keys reach the handlers exactly as a client
 * would send them), malformed bodies and bot-reply inputs. Shared by the fuzz test and bench/fuzz.ts.
 */
import fc from 'fast-check';
import { LIMITS } from '../../lib/schema';

/** Routes the fuzzing covers: the client actions, bodies no route matches, and the bot-reply function. */
export const FUZZ_ROUTES = [
  'message.send',
  'thread.history',
  'thread.list',
  'thread.takeover',
  'thread.release',
  'typing',
  'unknown-action',
  'malformed',
  'bot-reply',
] as const;
export type FuzzRoute = (typeof FUZZ_ROUTES)[number];

/** Placeholder a generated frame uses for "the thread the sender is connected to"; the runner substitutes it. */
export const OWN_THREAD = '$OWN_THREAD$';

/** Number literals as a client could write them, including ones JSON.parse turns into Infinity or rounds. */
const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => JSON.stringify(value)),
  { weight: 3, arbitrary: fc.constantFrom(
    '1e20', '-1e20', '1e16', '1e-300', '5e-324', '9007199254740992', '9007199254740991', '-9007199254740993',
    '1e125', '2e125', '1e-130', '9e-131', '0', '-0', '0.1', '1e400', '-1e400', '1e-400',
    '123456789012345678901234567890', '0.000000000000000000001', '1764107040123.002',
  ) },
);

const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('', ' ', '\u0000', '\ud800', 'a\udc00b', '\u2028', '😀', 'x'.repeat(LIMITS.maxTextLength + 1), '#', '../etc'),
);

/** Object keys, with the prototype-touching ones and other names with meaning in JavaScript. */
const keyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 8 }),
  { weight: 2, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '', 'name', 'length', '0') },
);

const scalarText: fc.Arbitrary<string> = fc.oneof(
  numberText,
  oddString.map((value) => JSON.stringify(value)),
  fc.constantFrom('true', 'false', 'null'),
);

/** Arbitrary JSON text: scalars, lists and objects a few levels deep, and now and then very deep nesting. */
export const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarText,
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(keyText, tie('value')), { maxLength: 4 })
      .map((entries) => `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`),
    // Past 16 levels is refused; tens of thousands overflow the stack of a recursive serializer.
    fc.oneof(fc.integer({ min: 10, max: 40 }), fc.constant(20_000)).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  ),
})).value;

/** A JSON object's text from entries (duplicate keys kept: JSON.parse keeps the last). */
export function objectText(entries: [string, string][]): string {
  return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;
}

/** A field's value: usually plausible for the field, sometimes any JSON at all. */
function field(name: string, plausible: fc.Arbitrary<string>): fc.Arbitrary<[string, string][]> {
  return fc.option(fc.oneof({ weight: 3, arbitrary: plausible }, { weight: 1, arbitrary: jsonText }), { nil: undefined, freq: 3 }).map(
    (value) => (value === undefined ? [] : [[name, value]]),
  );
}

const idText = fc.oneof(
  fc.constantFrom(JSON.stringify(OWN_THREAD), '"thread-other"', '"c-1"', '"auth0|abc"', '""', '"has space"', '"a#b"', JSON.stringify('i'.repeat(129))),
  fc.stringMatching(/^[A-Za-z0-9._:@|-]{1,12}$/).map((value) => JSON.stringify(value)),
);
const textText = fc.oneof(
  { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 40 }).map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: oddString.map((value) => JSON.stringify(value)) },
);
const metadataText = fc
  .array(fc.tuple(keyText, jsonText), { maxLength: 5 })
  .map((entries) => `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`);
const countText = fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), numberText);

/** Extra fields with arbitrary names: ignored or refused, never a failure. */
const extraFields = fc.array(fc.tuple(keyText, jsonText), { maxLength: 2 });

function frame(action: string, ...fields: fc.Arbitrary<[string, string][]>[]): fc.Arbitrary<string> {
  return fc
    .tuple(extraFields, ...fields)
    .map(([extra, ...chosen]) => objectText([['action', JSON.stringify(action)], ...chosen.flat(), ...extra]));
}

const MALFORMED_BODIES = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  jsonText,
  fc.constantFrom('', '{', '[1,2]', 'null', '"message.send"', '{"action":', '{"action":"message.send",}', '\ufeff{}', '{"action":null}'),
);

/** Bot-reply input (the Lambda event), as JSON text. */
const botReplyText = fc
  .tuple(
    field('threadId', idText),
    field('userId', fc.constantFrom('"alice"', '"mallory"', '1')),
    fc.oneof(
      { weight: 4, arbitrary: fc.tuple(field('text', textText), field('metadata', metadataText), field('messageId', idText), field('sender', textText)).map((parts) => objectText(parts.flat())) },
      { weight: 1, arbitrary: jsonText },
    ),
  )
  .map(([threadId, userId, message]) => objectText([...threadId, ...userId, ['message', message]]));


/** Metadata a well-behaved client sends: storable values, ordinary keys (so acks and storage get compared often). */
const plainMetadata = fc
  .dictionary(
    fc.string({ minLength: 1, maxLength: 8 }).filter((key) => !['__proto__', 'constructor', 'prototype'].includes(key)),
    fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(null), fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.array(fc.integer(), { maxLength: 3 })),
    { maxKeys: 4 },
  )
  .map((metadata) => JSON.stringify(metadata));
const plainText = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).filter((text) => text.trim() !== '').map((text) => JSON.stringify(text));
const ownThread = fc.constant(JSON.stringify(OWN_THREAD));

/** A bot reply as a working bot sends it, to the fuzzed thread. */
const plainBotReplyText = fc
  .tuple(plainText, plainMetadata)
  .map(([text, metadata]) => objectText([['threadId', JSON.stringify(OWN_THREAD)], ['message', objectText([['text', text], ['metadata', metadata]])]]));

/** Per route, the JSON text of a body (client routes) or of the event (bot-reply). */
export const ROUTE_INPUTS: Record<FuzzRoute, fc.Arbitrary<string>> = {
  'message.send': fc.oneof(
    frame(
      'message.send',
      field('text', textText),
      field('metadata', metadataText),
      field('threadId', idText),
      field('clientMessageId', idText),
      field('sender', fc.constantFrom('"alice"', '"bob"', '"al\\nice"', '""')),
    ),
    fc
      .tuple(plainText, fc.option(plainMetadata, { nil: undefined }), fc.option(ownThread, { nil: undefined }), fc.option(idText, { nil: undefined }))
      .map(([text, metadata, threadId, clientMessageId]) =>
        objectText([
          ['action', '"message.send"'],
          ['text', text],
          ...(metadata === undefined ? [] : [['metadata', metadata] as [string, string]]),
          ...(threadId === undefined ? [] : [['threadId', threadId] as [string, string]]),
          ...(clientMessageId === undefined ? [] : [['clientMessageId', clientMessageId] as [string, string]]),
        ]),
      ),
  ),
  'thread.history': frame('thread.history', field('threadId', idText), field('limit', countText), field('before', numberText)),
  'thread.list': frame('thread.list', field('limit', countText)),
  'thread.takeover': frame('thread.takeover', field('threadId', idText)),
  'thread.release': frame('thread.release', field('threadId', idText)),
  typing: frame('typing', field('isTyping', fc.constantFrom('true', 'false', '"true"', '1', 'null'))),
  'unknown-action': fc
    .tuple(fc.oneof(oddString, fc.constantFrom('$default', '$connect', 'message.SEND', 'thread')), extraFields)
    .map(([action, extra]) => objectText([['action', JSON.stringify(action)], ...extra])),
  malformed: MALFORMED_BODIES,
  'bot-reply': fc.oneof(botReplyText, plainBotReplyText),
};
