import { JsKernel, loadKernel } from '../../src/kernel/index.js';
import type { ScanKernel } from '../../src/kernel/types.js';
import { naiveKernel } from './naive-kernel.js';
import { nativeUnavailable } from './native-required.js';

/**
 * Every kernel the engine tests run against: the naive reference, the JS kernel, and the native
 * addon when it is built (a fresh clone without a compiler still runs the other two).
 */
export function engineKernels(): { name: string; kernel: ScanKernel }[] {
  const kernels: { name: string; kernel: ScanKernel }[] = [
    { name: 'naive', kernel: naiveKernel },
    { name: 'js', kernel: new JsKernel() },
  ];
  try {
    const native = loadKernel({ backend: 'native', warn: () => {} });
    kernels.push({ name: `native ${native.info.isa}`, kernel: native });
  } catch (error) {
    nativeUnavailable('engine tests', 'the native engine cases', error);
  }
  return kernels;
}
