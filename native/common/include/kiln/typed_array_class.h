// The N-API typed-array type of each ArrayClass (kiln/program_desc.h), for the bindings that take
// and return a Program's typed data. Apart from program_desc.h so CUDA sources include that bare.
#pragma once

#include <napi.h>

#include "kiln/program_desc.h"

namespace kiln {

inline napi_typedarray_type napiArrayType(ArrayClass array) {
  switch (array) {
    case ArrayClass::Float32Array: return napi_float32_array;
    case ArrayClass::Int32Array: return napi_int32_array;
    case ArrayClass::BigInt64Array: return napi_bigint64_array;
    case ArrayClass::Int8Array: return napi_int8_array;
    case ArrayClass::Uint8Array: break;
  }
  return napi_uint8_array;
}

}  // namespace kiln
