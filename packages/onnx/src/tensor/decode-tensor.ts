/** TensorProto message → kiln Tensor, from raw_data, the typed fields or external data. */
import { checkModelBytes, checkTensorSize, ErrorCode, KilnError, storageBytes, Tensor } from '@kiln-inference/core';
import { onnxDTypeToKiln } from '../dtypes.js';
import type { TensorMsg } from '../proto/messages.js';
import { DATA_LOCATION_EXTERNAL, parseExternalDataRef, readExternalData } from './external-data.js';
import { decodeRawData, rawByteLength } from './raw-data.js';
import { readDims } from './read-dims.js';
import { decodeTypedFields } from './typed-fields.js';

export interface TensorDecodeOptions {
  /** Folder that external data locations are relative to. */
  baseDir?: string;
  /** Names the tensor in errors when the message has no name ('initializer', 'attribute t'…). */
  where?: string;
  /** The model's running total of stored tensor bytes, checked against maxModelBytes. */
  budget?: WeightBudget;
}

export interface WeightBudget {
  bytes: number;
}

/**
 * Checks a tensor's declared size against the limits in force, and adds it to the model's
 * total, before any of it is decoded or read from an external file.
 */
export function checkDeclaredTensor(dtype: Tensor['dtype'], count: number, where: string, budget?: WeightBudget): void {
  checkTensorSize(dtype, count, { what: where });
  if (!budget) return;
  budget.bytes += count * Math.max(1, storageBytes(dtype));
  checkModelBytes(budget.bytes, `the model's tensors (up to ${where})`);
}

export function describeTensor(msg: TensorMsg, fallback = 'tensor'): string {
  return msg.name ? `tensor '${msg.name}'` : fallback;
}

export function tensorFromProto(msg: TensorMsg, options: TensorDecodeOptions = {}): Tensor {
  const where = describeTensor(msg, options.where);
  const dtype = onnxDTypeToKiln(msg.dataType, where);
  const { shape, count } = readDims(msg.dims, where);
  checkDeclaredTensor(dtype, count, where, options.budget);
  if (msg.segment) {
    throw new KilnError(ErrorCode.INVALID_MODEL, `${where}: segmented tensors (TensorProto.segment) are not supported`, {
      hint: 're-save the model with whole tensors',
    });
  }
  if (msg.dataLocation === DATA_LOCATION_EXTERNAL) {
    const ref = parseExternalDataRef(msg, where);
    const bytes = readExternalData(ref, options.baseDir, rawByteLength(dtype, count), where);
    return new Tensor(dtype, shape, decodeRawData(dtype, count, bytes, where));
  }
  if (msg.rawData && msg.rawData.length > 0) return new Tensor(dtype, shape, decodeRawData(dtype, count, msg.rawData, where));
  return new Tensor(dtype, shape, decodeTypedFields(msg, dtype, count, where));
}
