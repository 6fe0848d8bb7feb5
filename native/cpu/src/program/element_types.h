// The C++ element type of each Program dtype and the dispatch from a run-time DType to code
// templated on it. bool is stored as uint8_t (one byte, 0 or 1) but stays a dtype of its own,
// so conversions (element_cast.h) can tell it from uint8.
#pragma once

#include <cstdint>
#include <type_traits>

#include "kiln/program_desc.h"

namespace kiln::cpu::program {

template <DType D>
struct Element;
template <> struct Element<DType::Float32> { using type = float; };
template <> struct Element<DType::Int32> { using type = int32_t; };
template <> struct Element<DType::Int64> { using type = int64_t; };
template <> struct Element<DType::Int8> { using type = int8_t; };
template <> struct Element<DType::Uint8> { using type = uint8_t; };
template <> struct Element<DType::Bool> { using type = uint8_t; };

template <DType D>
using ElementOf = typename Element<D>::type;

template <DType D>
using DTypeTag = std::integral_constant<DType, D>;

// fn(DTypeTag<D>{}) for the D that `dtype` holds.
template <typename Fn>
decltype(auto) withDType(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::Int32: return fn(DTypeTag<DType::Int32>{});
    case DType::Int64: return fn(DTypeTag<DType::Int64>{});
    case DType::Int8: return fn(DTypeTag<DType::Int8>{});
    case DType::Uint8: return fn(DTypeTag<DType::Uint8>{});
    case DType::Bool: return fn(DTypeTag<DType::Bool>{});
    case DType::Float32: break;
  }
  return fn(DTypeTag<DType::Float32>{});
}

// The unsigned integer type of `bytes` bytes: what data movement copies elements as.
template <int64_t Bytes>
using BitsOf = std::conditional_t<Bytes == 8, uint64_t, std::conditional_t<Bytes == 4, uint32_t, uint8_t>>;

// fn(BitsOf<n>{}) for a dtype's element size n (1, 4 or 8).
template <typename Fn>
decltype(auto) withElementBits(DType dtype, Fn&& fn) {
  switch (dtypeBytes(dtype)) {
    case 8: return fn(uint64_t{});
    case 4: return fn(uint32_t{});
    default: break;
  }
  return fn(uint8_t{});
}

}  // namespace kiln::cpu::program
