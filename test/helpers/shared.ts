import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The shared development data sits beside the checkout (`<repo>/../shared`), wherever the
 * checkout is; RINGMEM_SHARED_DIR overrides it. Tests that need it skip with a message when it is
 * absent, so a fresh clone on its own passes.
 */
export const SHARED_DIR =
  process.env.RINGMEM_SHARED_DIR ??
  join(fileURLToPath(new URL('../..', import.meta.url)), '..', 'shared');

export const sharedPath = (...parts: string[]): string => join(SHARED_DIR, ...parts);
