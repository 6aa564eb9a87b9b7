/** Shifts Date.now() by `ms` from the real clock (e.g. to be past a grace period); restored by jest.restoreAllMocks(). */
export function shiftClock(ms: number): jest.SpyInstance<number, []> {
  const realNow = Date.now.bind(Date);
  return jest.spyOn(Date, 'now').mockImplementation(() => realNow() + ms);
}
