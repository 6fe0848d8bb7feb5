/** Output sizes of one spatial axis of the windowed ops (conv2d, deconv2d, pool2d). */

/** Output size of one conv/pool axis, or -1 when the window does not fit the padded input. */
export function windowOutput(size: number, kernel: number, stride: number, padBegin: number, padEnd: number, dilation: number): number {
  const span = dilation * (kernel - 1) + 1;
  const padded = size + padBegin + padEnd;
  return padded < span ? -1 : Math.floor((padded - span) / stride) + 1;
}

/** Output size of one transposed-conv axis before output padding (ONNX ConvTranspose). */
export function deconvOutput(size: number, kernel: number, stride: number, padBegin: number, padEnd: number, dilation: number): number {
  return (size - 1) * stride - padBegin - padEnd + dilation * (kernel - 1) + 1;
}

/**
 * Output size of one pool axis in ceil mode (ONNX): one more partial window where the stride
 * leaves a remainder, unless that window would start past the input and its begin padding.
 * -1 when the window does not fit.
 */
export function ceilWindowOutput(size: number, kernel: number, stride: number, padBegin: number, padEnd: number, dilation: number): number {
  const span = dilation * (kernel - 1) + 1;
  const room = size + padBegin + padEnd - span;
  if (room < 0) return -1;
  const out = Math.ceil(room / stride) + 1;
  return (out - 1) * stride >= size + padBegin ? out - 1 : out;
}
