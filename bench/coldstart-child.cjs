'use strict';
// Runs in a fresh `node` process, like a new Lambda container: load one handler module, invoke it
// once (the cold invocation), then a few more times (warm), and print the timings as one JSON line.
// Times are ms since this process's time origin (process start), so `coldStartMs` covers node's own
// boot, the module load and the first invocation. Plain CommonJS: nothing here may add load time.
const { performance } = require('node:perf_hooks');
const { readFileSync } = require('node:fs');
const { pathToFileURL } = require('node:url');

async function main() {
  const bootMs = performance.now();
  const [modulePath, eventsPath] = process.argv.slice(2);
  const events = JSON.parse(readFileSync(eventsPath, 'utf8'));
  const loadStart = performance.now();
  const loaded = modulePath.endsWith('.mjs') ? await import(pathToFileURL(modulePath).href) : require(modulePath);
  const handler = loaded.handler || (loaded.default && loaded.default.handler);
  if (typeof handler !== 'function') throw new Error(`${modulePath} exports no handler function`);
  const loadMs = performance.now() - loadStart;
  const context = (name) => ({
    functionName: name,
    awsRequestId: `bench-${Math.random().toString(16).slice(2)}`,
    getRemainingTimeInMillis: () => 30000,
    callbackWaitsForEmptyEventLoop: false,
  });
  const invokeStart = performance.now();
  const first = await handler(events[0], context('bench'));
  const firstInvokeMs = performance.now() - invokeStart;
  const coldStartMs = performance.now();
  const warmMs = [];
  for (const event of events.slice(1)) {
    const start = performance.now();
    await handler(event, context('bench'));
    warmMs.push(performance.now() - start);
  }
  const summary = first && typeof first === 'object' ? { statusCode: first.statusCode, status: first.status, batchItemFailures: first.batchItemFailures, body: typeof first.body === 'string' ? first.body.slice(0, 300) : undefined, policyEffect: first.policyDocument && first.policyDocument.Statement && first.policyDocument.Statement[0] && first.policyDocument.Statement[0].Effect } : first;
  process.stdout.write(`${JSON.stringify({ bootMs, loadMs, firstInvokeMs, coldStartMs, warmMs, result: summary })}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
  },
);
