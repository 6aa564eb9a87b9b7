/**
 * Clock control for tests. Pinned times stay within a minute or two of the real clock: the AWS SDK
 * compares its clock with the server's Date header and, beyond 5 minutes of skew, "corrects" it and
 * retries failed requests (even a ConditionalCheckFailed), which would distort what tests observe.
 */

/** The start of the next whole minute (plus `offsetMs`): a fresh rate-limit window near real time. */
export function nextMinute(offsetMs = 0): number {
  return Math.ceil((Date.now() + 1) / 60_000) * 60_000 + offsetMs;
}

/** Shifts Date.now() by `ms` from the real clock; undone by jest.restoreAllMocks(). */
export function shiftClock(ms: number): jest.SpyInstance<number, []> {
  const realNow = Date.now.bind(Date);
  return jest.spyOn(Date, 'now').mockImplementation(() => realNow() + ms);
}

/** Pins Date.now() to `ms`; undone by jest.restoreAllMocks(). */
export function pinClock(ms: number): jest.SpyInstance<number, []> {
  return jest.spyOn(Date, 'now').mockReturnValue(ms);
}
