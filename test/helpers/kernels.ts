import type { ScanKernel } from '../../src/kernel/types.js';
import { naiveKernel } from './naive-kernel.js';

/** Every kernel the engine tests run against: the naive reference, plus JS and native when loadable. */
export function engineKernels(): { name: string; kernel: ScanKernel }[] {
  return [{ name: 'naive', kernel: naiveKernel }];
}
