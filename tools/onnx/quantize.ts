/**
 * Per-tensor symmetric int8 quantisation, the scheme onnxruntime's `quantize_dynamic` applies to
 * weights by default (QInt8, symmetric, zero point 0): w ≈ scale · q with q in [-127, 127].
 */
export interface QuantizedTensor {
  values: Int8Array;
  scale: number;
}

export function quantizeSymmetricInt8(weights: Float32Array): QuantizedTensor {
  let maxAbs = 0;
  for (let i = 0; i < weights.length; i++) {
    const a = Math.abs(weights[i]!);
    if (a > maxAbs) maxAbs = a;
  }
  // An all-zero tensor would give scale 0 and a division by zero; any positive scale is exact there.
  const scale = maxAbs > 0 ? maxAbs / 127 : 1;
  const values = new Int8Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    const q = Math.round(weights[i]! / scale);
    values[i] = Math.min(127, Math.max(-127, q));
  }
  // Stored as float32 in the model, so round the scale the same way the runtime will see it.
  return { values, scale: Math.fround(scale) };
}
