/**
 * Section 4, cost: the AWS bill for 1,000,000 user messages with one bot reply each, from the
 * requests counted per message on the message path (or, when that section did not run, the
 * design's expected requests, marked so), the functions' measured warm durations at the configured
 * memory/architecture, and bench/prices.json. Then how it grows with connections per thread, and
 * the seed design as documented (GetItem + PutItem + Publish per message, one connection per user).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { round } from './stats';

export interface Prices {
  asOf: string;
  region: string;
  note: string;
  apiGatewayWebSocket: { source: string; messagesPerMillion: number; connectionMinutesPerMillion: number };
  lambda: { source: string; requestsPerMillion: number; gbSecond: Record<string, number> };
  dynamodb: { source: string; writeRequestUnitsPerMillion: number; readRequestUnitsPerMillion: number };
  sns: { source: string; publishesPerMillion: number };
}

export function loadPrices(repoRoot: string): Prices {
  return JSON.parse(readFileSync(join(repoRoot, 'bench', 'prices.json'), 'utf8')) as Prices;
}

/** DynamoDB requests per user message, keyed `<table>.<Operation>` (e.g. `threads.UpdateItem`). */
export type RequestCounts = Record<string, number>;

export interface CostInputs {
  prices: Prices;
  memoryMb: number;
  architecture: string;
  /** Billed duration per invocation (warm median, ms) of the functions on the message path. */
  durationsMs: { messageSend: number; outbox: number; botReply: number };
  /** Where the per-message counts come from: 'measured' on the local runtime's wire, or 'design'. */
  countsSource: 'measured' | 'design';
  dynamodbPerMessage: RequestCounts;
  snsPublishesPerMessage: number;
  /** Lambda invocations per user message (messageSend, outbox, botReply). */
  invocationsPerMessage: { messageSend: number; outbox: number; botReply: number };
  /**
   * Assumption for connection minutes: minutes each connection stays open per user message sent
   * in its thread (1 = a thread where someone writes once a minute).
   */
  connectionMinutesPerMessagePerConnection: number;
  /** How counts by operation were attributed to tables, when the counts carry no table. */
  tableAttribution?: string;
}

/**
 * Request units per DynamoDB operation for the items this chat stores (all under 1 KB for a short
 * message; a 4,000-character message doubles the messages/idempotency writes). Index writes count:
 * an update that changes an index key costs two index writes (delete + put).
 */
function requestUnits(key: string): { wru: number; rru: number } {
  const [table, operation] = key.split('.');
  switch (operation) {
    case 'PutItem':
      // connections items are projected into byThread; threads items into byActivity.
      return { wru: table === 'connections' || table === 'threads' ? 2 : 1, rru: 0 };
    case 'UpdateItem':
      // threads: lastActivityAt is byActivity's sort key, so every update moves the index entry.
      return { wru: table === 'threads' ? 3 : 1, rru: 0 };
    case 'DeleteItem':
      return { wru: table === 'connections' ? 2 : 1, rru: 0 };
    case 'GetItem':
      return { wru: 0, rru: table === 'idempotency' ? 1 : 0.5 };
    case 'Query':
    case 'Scan':
      return { wru: 0, rru: 0.5 }; // index queries are eventually consistent: 0.5 RRU per 4 KB read
    case 'BatchWriteItem':
    case 'TransactWriteItems':
      return { wru: 2, rru: 0 };
    default:
      return { wru: 0, rru: 0.5 };
  }
}

export interface CostLine {
  service: string;
  item: string;
  perMessage: number;
  unitPricePerMillion: number;
  usdPerMillionMessages: number;
}

export interface CostScenario {
  connectionsPerThread: number;
  apiGatewayMessagesPerUserMessage: number;
  usdPerMillionMessages: number;
  lines: CostLine[];
}

export interface CostResult {
  pricesAsOf: string;
  region: string;
  countsSource: 'measured' | 'design';
  memoryMb: number;
  architecture: string;
  assumptions: string[];
  wruPerMessage: number;
  rruPerMessage: number;
  byConnectionsPerThread: CostScenario[];
  seed: CostScenario & { note: string };
}

function line(service: string, item: string, perMessage: number, unitPricePerMillion: number): CostLine {
  return { service, item, perMessage: round(perMessage), unitPricePerMillion, usdPerMillionMessages: round(perMessage * unitPricePerMillion) };
}

function lambdaLines(inputs: CostInputs, invocations: Record<string, number>, durations: Record<string, number>): CostLine[] {
  const { prices, memoryMb, architecture } = inputs;
  const gbSecondPrice = prices.lambda.gbSecond[architecture] ?? prices.lambda.gbSecond.arm64;
  const totalInvocations = Object.values(invocations).reduce((a, b) => a + b, 0);
  const gbSeconds = Object.entries(invocations).reduce(
    (sum, [fn, count]) => sum + count * (Math.ceil(durations[fn] ?? 0) / 1000) * (memoryMb / 1024),
    0,
  );
  return [
    line('Lambda', `requests (${Object.entries(invocations).map(([fn, n]) => `${fn} ${round(n)}`).join(', ')})`, totalInvocations, prices.lambda.requestsPerMillion),
    line('Lambda', `GB-seconds (${memoryMb} MB ${architecture}, warm durations)`, gbSeconds, gbSecondPrice * 1e6),
  ];
}

function scenario(connectionsPerThread: number, lines: CostLine[], apiMessages: number): CostScenario {
  return {
    connectionsPerThread,
    apiGatewayMessagesPerUserMessage: apiMessages,
    usdPerMillionMessages: round(lines.reduce((sum, l) => sum + l.usdPerMillionMessages, 0)),
    lines,
  };
}

export function computeCost(inputs: CostInputs, connectionsScenarios: readonly number[] = [1, 2, 5, 10]): CostResult {
  const { prices } = inputs;
  let wru = 0;
  let rru = 0;
  for (const [key, count] of Object.entries(inputs.dynamodbPerMessage)) {
    const units = requestUnits(key);
    wru += units.wru * count;
    rru += units.rru * count;
  }
  const byConnectionsPerThread = connectionsScenarios.map((connections) => {
    // In: the user's frame. Out: its ack (two-way route response), the message to the thread's other
    // connections, and the bot reply to every connection of the thread.
    const apiMessages = 1 + 1 + (connections - 1) + connections;
    const lines = [
      line('API Gateway', 'WebSocket messages (in + ack + fan-out + bot reply)', apiMessages, prices.apiGatewayWebSocket.messagesPerMillion),
      line('API Gateway', 'connection minutes (assumed)', connections * inputs.connectionMinutesPerMessagePerConnection, prices.apiGatewayWebSocket.connectionMinutesPerMillion),
      ...lambdaLines(inputs, inputs.invocationsPerMessage, inputs.durationsMs),
      line('DynamoDB', 'write request units', wru, prices.dynamodb.writeRequestUnitsPerMillion),
      line('DynamoDB', 'read request units', rru, prices.dynamodb.readRequestUnitsPerMillion),
      line('SNS', 'publishes (Lambda deliveries free)', inputs.snsPublishesPerMessage, prices.sns.publishesPerMillion),
    ];
    return scenario(connections, lines, apiMessages);
  });
  // The seed, as its README documents it: message-send does GetItem(connection) + PutItem(message)
  // + Publish; the bot's reply goes through a PostToConnection Lambda that looks the user's single
  // connection up (GetItem), stores the reply (PutItem) and posts once. The seed keys connections
  // by userId, so it delivers to one connection whatever the number of devices.
  const seedApiMessages = 1 + 1 + 1;
  const seedLines = [
    line('API Gateway', 'WebSocket messages (in + confirmation + bot reply)', seedApiMessages, prices.apiGatewayWebSocket.messagesPerMillion),
    line('API Gateway', 'connection minutes (assumed, 1 connection)', inputs.connectionMinutesPerMessagePerConnection, prices.apiGatewayWebSocket.connectionMinutesPerMillion),
    ...lambdaLines(
      inputs,
      { messageSend: 1, postToConnection: 1 },
      { messageSend: inputs.durationsMs.messageSend, postToConnection: inputs.durationsMs.botReply },
    ),
    line('DynamoDB', 'write request units (2 PutItem)', 2, prices.dynamodb.writeRequestUnitsPerMillion),
    line('DynamoDB', 'read request units (2 GetItem, eventually consistent)', 1, prices.dynamodb.readRequestUnitsPerMillion),
    line('SNS', 'publishes', 1, prices.sns.publishesPerMillion),
  ];
  return {
    pricesAsOf: prices.asOf,
    region: prices.region,
    countsSource: inputs.countsSource,
    memoryMb: inputs.memoryMb,
    architecture: inputs.architecture,
    assumptions: [
      `prices: bench/prices.json, ${prices.region} list prices as of ${prices.asOf} (not re-fetched; see its note)`,
      inputs.countsSource === 'measured'
        ? 'DynamoDB requests, SNS publishes and Lambda invocations per message: counted on the local runtime during the message-path run'
        : 'DynamoDB requests, SNS publishes and Lambda invocations per message: the design in the brief (the message-path section did not run)',
      ...(inputs.tableAttribution ? [inputs.tableAttribution] : []),
      'request units per operation: items under 1 KB; threads updates move the byActivity index entry (+2 WRU); connection/thread puts and deletes write their index (+1 WRU); index queries 0.5 RRU',
      `connection minutes: each connection open ${inputs.connectionMinutesPerMessagePerConnection} minute(s) per user message in its thread`,
      'Lambda: every invocation billed at its warm median duration rounded up to 1 ms; cold starts and the bot’s own function (your code) are not included',
      `Lambda durations were measured here on a full CPU core; at ${inputs.memoryMb} MB Lambda gives about ${Math.round((inputs.memoryMb / 1769) * 100) / 100} vCPU, so CPU-bound parts run slower there: even 5x the GB-seconds keeps Lambda a small line`,
      inputs.countsSource === 'measured'
        ? `outbox: ${round(inputs.invocationsPerMessage.outbox)} invocations per message as measured (the stream delivers batches; at low traffic it is 1 per message)`
        : 'outbox: one invocation per message (stream batching lowers this under load)',
      'seed: the same measured durations stand in for its message-send and PostToConnection functions',
    ],
    wruPerMessage: round(wru),
    rruPerMessage: round(rru),
    byConnectionsPerThread,
    seed: { ...scenario(1, seedLines, seedApiMessages), note: 'one connection per user by design: extra devices receive nothing, so it stays flat' },
  };
}

/** The brief's message.send + outbox + bot-reply design, for when nothing was counted. */
export const DESIGN_REQUESTS_PER_MESSAGE: RequestCounts = {
  // message.send: rate limit, thread timestamp, idempotency (clientMessageId), message put, broadcast query
  'connections.UpdateItem': 1,
  'threads.UpdateItem': 2, // + bot-reply's timestamp/takeover check
  'idempotency.PutItem': 2, // + bot-reply's messageId
  'messages.PutItem': 2, // + the bot reply
  'connections.Query': 2, // + the bot reply's broadcast
};
