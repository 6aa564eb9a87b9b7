/** Captures the handlers' structured log lines (JSON on stdout) while `action` runs. */
export async function captureLogs(
  action: () => Promise<unknown>,
  level?: 'debug' | 'info' | 'warn' | 'error',
): Promise<Record<string, any>[]> {
  const previous = process.env.CHAT_LOG_LEVEL;
  if (level !== undefined) process.env.CHAT_LOG_LEVEL = level;
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(chunk.toString());
    return true;
  });
  try {
    await action();
  } finally {
    spy.mockRestore();
    process.env.CHAT_LOG_LEVEL = previous;
  }
  return lines
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}
