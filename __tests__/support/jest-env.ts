/**
 * Runs before every test file. The AWS SDK warns once per process that its releases after January
 * 2027 need Node 22 (the functions run on nodejs22.x; tests run on the local Node 20): known, not news.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * The handlers write a CloudWatch embedded-metric line per event at every log level (they are metrics, not
 * logs): in tests, thousands of them would bury the output. They are dropped here; a test that reads them
 * spies on process.stdout.write, and its spy sees every line before this filter does.
 */
const writeToStdout = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  if (typeof chunk === 'string' && chunk.startsWith('{"_aws"')) {
    const callback = rest.find((value) => typeof value === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }
  return (writeToStdout as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stdout.write;
