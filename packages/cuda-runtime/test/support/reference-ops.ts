/** Plain float64 loops for the Program ops the executor tests use (NCHW, row-major). */

export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; --i) s[i] = (s[i + 1] ?? 1) * (shape[i + 1] ?? 1);
  return s;
}

export function conv2d(
  x: Float32Array,
  xs: number[],
  w: Float32Array,
  ws: number[],
  o: {
    bias?: Float32Array;
    residual?: Float32Array;
    strides: number[];
    pads: number[];
    dilations: number[];
    groups: number;
    act?: (v: number) => number;
  },
): { y: Float32Array; shape: number[] } {
  const [n, c, h, wd] = xs as [number, number, number, number];
  const [m, cg, kh, kw] = ws as [number, number, number, number];
  const [sh, sw] = o.strides as [number, number];
  const [pt, pl, pb, pr] = o.pads as [number, number, number, number];
  const [dh, dw] = o.dilations as [number, number];
  const oh = Math.floor((h + pt + pb - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((wd + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
  const y = new Float32Array(n * m * oh * ow);
  const mg = m / o.groups;
  for (let b = 0; b < n; ++b)
    for (let k = 0; k < m; ++k) {
      const g = Math.floor(k / mg);
      for (let i = 0; i < oh; ++i)
        for (let j = 0; j < ow; ++j) {
          let acc = o.bias ? (o.bias[k] ?? 0) : 0;
          for (let ci = 0; ci < cg; ++ci)
            for (let r = 0; r < kh; ++r)
              for (let s = 0; s < kw; ++s) {
                const ih = i * sh - pt + r * dh;
                const iw = j * sw - pl + s * dw;
                if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
                acc += (x[((b * c + g * cg + ci) * h + ih) * wd + iw] ?? 0) * (w[((k * cg + ci) * kh + r) * kw + s] ?? 0);
              }
          const at = ((b * m + k) * oh + i) * ow + j;
          if (o.residual) acc += o.residual[at] ?? 0;
          y[at] = o.act ? o.act(acc) : acc;
        }
    }
  return { y, shape: [n, m, oh, ow] };
}

export function gemm(a: Float32Array, as: number[], b: Float32Array, bs: number[], transB: boolean, bias?: Float32Array): Float32Array {
  const [m, k] = as as [number, number];
  const nCols = transB ? (bs[0] ?? 0) : (bs[1] ?? 0);
  const y = new Float32Array(m * nCols);
  for (let i = 0; i < m; ++i)
    for (let j = 0; j < nCols; ++j) {
      let acc = bias ? (bias[j] ?? 0) : 0;
      for (let p = 0; p < k; ++p) acc += (a[i * k + p] ?? 0) * (transB ? (b[j * k + p] ?? 0) : (b[p * nCols + j] ?? 0));
      y[i * nCols + j] = acc;
    }
  return y;
}

/** Maps every output index to the input index it reads (or -1 for a pad value). */
export function gatherBy(outShape: number[], read: (coords: number[]) => number, x: Float32Array, pad = 0): Float32Array {
  const total = outShape.reduce((a, b) => a * b, 1);
  const y = new Float32Array(total);
  const coords = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < total; ++i) {
    let rem = i;
    for (let d = outShape.length - 1; d >= 0; --d) {
      const extent = outShape[d] ?? 1;
      coords[d] = rem % extent;
      rem = Math.floor(rem / extent);
    }
    const src = read(coords);
    y[i] = src < 0 ? pad : (x[src] ?? Number.NaN);
  }
  return y;
}

export const relu = (v: number): number => Math.max(v, 0);
export const relu6 = (v: number): number => Math.min(Math.max(v, 0), 6);
