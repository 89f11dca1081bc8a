/**
 * Whether a missing native addon must fail the run instead of skipping its tests. CI sets
 * `CI=true` (and `.ci/run` sets RINGMEM_REQUIRE_NATIVE=1): there the addon is always built, so a
 * kernel that did not load is a broken build, and the native half of the parity tests must not
 * pass with nothing tested. On a developer's machine without a compiler the tests skip with a
 * message instead.
 */
export function nativeRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1' || env.RINGMEM_REQUIRE_NATIVE === '1';
}

/**
 * Reports a native kernel that could not be loaded: throws under CI (see `nativeRequired`),
 * otherwise warns with `what` is skipped and why.
 */
export function nativeUnavailable(where: string, what: string, why: unknown): void {
  const reason = (why instanceof Error ? why.message : String(why)).replace(/\.$/, '');
  if (nativeRequired()) {
    throw new Error(
      `${where}: the native kernel must load here (CI=true or RINGMEM_REQUIRE_NATIVE=1) but did ` +
        `not: ${reason}. Build it with \`npm run build:native\`.`,
    );
  }
  console.warn(`${where}: native kernel not available, ${what} skipped: ${reason}`);
}
