/** kiln Tensor → TensorProto message: numeric data as raw_data, strings as string_data. */
import type { Tensor } from '@kiln-inference/core';
import { kilnDTypeToOnnx } from '../dtypes.js';
import { numberToInt64 } from '../proto/int64.js';
import type { Int64 } from '../proto/messages.js';
import { encodeRawData } from './raw-data.js';

const utf8 = new TextEncoder();

/** A plain object protobufjs can encode as TensorProto. */
export interface TensorProtoObject {
  name?: string;
  dims: Int64[];
  dataType: number;
  rawData?: Uint8Array;
  stringData?: Uint8Array[];
  externalData?: { key: string; value: string }[];
  dataLocation?: number;
}

export function tensorToProto(tensor: Tensor, name?: string): TensorProtoObject {
  const out: TensorProtoObject = { dims: tensor.shape.map((d) => numberToInt64(d)), dataType: kilnDTypeToOnnx(tensor.dtype) };
  if (name) out.name = name;
  if (Array.isArray(tensor.data)) out.stringData = tensor.data.map((s) => utf8.encode(s));
  else out.rawData = encodeRawData(tensor.dtype, tensor.data);
  return out;
}
