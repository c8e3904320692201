// Small helpers shared by the core, the TensorRT adapter and the DeepStream sources. Header-only:
// DeepStream libraries that carry no core runtime (parsers, engine recipes) include it too.
#pragma once

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "trtplug_core.h"

namespace trtplug {
namespace detail {

// printf into a std::string of any length. May throw std::bad_alloc: call it inside a guard.
inline std::string strf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
inline std::string strf(const char* fmt, ...) {
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    const int n = std::vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return std::string("(message formatting failed)");
    if (static_cast<size_t>(n) < sizeof small) return std::string(small, static_cast<size_t>(n));
    std::string big(static_cast<size_t>(n) + 1, '\0');
    va_start(ap, fmt);
    std::vsnprintf(&big[0], big.size(), fmt, ap);
    va_end(ap);
    big.resize(static_cast<size_t>(n));
    return big;
}

inline const char* dtype_name(DType t) noexcept {
    switch (t) {
        case DType::kFloat32: return "float32";
        case DType::kFloat16: return "float16";
        case DType::kInt8: return "int8";
        case DType::kInt32: return "int32";
        case DType::kBool: return "bool";
    }
    return "unknown dtype";
}

// TensorRT's nvinfer1::DataType (any release from 7.x on) to the core's DType: the values of the
// types trtplug supports are equal. False for the others (bfloat16, int64, fp8...).
template <class DataType>
bool dtype_from_trt(DataType type, DType* out) noexcept {
    const int32_t v = static_cast<int32_t>(type);
    if (v < 0 || v > static_cast<int32_t>(DType::kBool)) return false;
    *out = static_cast<DType>(v);
    return true;
}

// TensorRT Dims (int32 or int64 dims) to a Shape; the rank is clamped to 0..kMaxRank, callers
// that must reject other ranks check nbDims themselves.
template <class Dims>
Shape shape_from_dims(const Dims& dims) noexcept {
    Shape s;
    s.rank = dims.nbDims < 0 ? 0 : (dims.nbDims > kMaxRank ? kMaxRank : dims.nbDims);
    for (int32_t i = 0; i < s.rank; ++i) s.dims[i] = static_cast<int64_t>(dims.d[i]);
    return s;
}

// "(3, 5)", "(7,)", "()" for messages. May throw std::bad_alloc.
inline std::string shape_text(const Shape& s) {
    std::string t = "(";
    for (int32_t i = 0; i < s.rank && i < kMaxRank; ++i) {
        t += (i ? ", " : "") + std::to_string(static_cast<long long>(s.dims[i]));
    }
    return t + (s.rank == 1 ? ",)" : ")");
}

// IEEE half <-> float (round to nearest even; infinities kept; a NaN stays a quiet NaN with the
// top bits of its payload).
inline uint16_t float_to_half(float f) noexcept {
    uint32_t x;
    std::memcpy(&x, &f, 4);
    const uint32_t sign = (x >> 16) & 0x8000u;
    const uint32_t exp = (x >> 23) & 0xffu;
    uint32_t mant = x & 0x7fffffu;
    if (exp == 0xffu) return static_cast<uint16_t>(sign | 0x7c00u | (mant ? (0x200u | (mant >> 13)) : 0u));
    const int32_t e = static_cast<int32_t>(exp) - 127 + 15;
    if (e >= 0x1f) return static_cast<uint16_t>(sign | 0x7c00u);
    if (e <= 0) {
        if (e < -10) return static_cast<uint16_t>(sign);
        mant |= 0x800000u;
        const uint32_t shift = static_cast<uint32_t>(14 - e);
        uint32_t half_mant = mant >> shift;
        const uint32_t rem = mant & ((1u << shift) - 1u);
        const uint32_t halfway = 1u << (shift - 1u);
        if (rem > halfway || (rem == halfway && (half_mant & 1u))) ++half_mant;
        return static_cast<uint16_t>(sign | half_mant);
    }
    uint32_t half = sign | (static_cast<uint32_t>(e) << 10) | (mant >> 13);
    const uint32_t rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (half & 1u))) ++half;  // a carry into the exponent is right
    return static_cast<uint16_t>(half);
}

inline float half_to_float(uint16_t h) noexcept {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    uint32_t x;
    if (exp == 0) {
        if (mant == 0) {
            x = sign;
        } else {
            int32_t e = -1;
            do {
                ++e;
                mant <<= 1;
            } while (!(mant & 0x400u));
            x = sign | (static_cast<uint32_t>(112 - e) << 23) | ((mant & 0x3ffu) << 13);
        }
    } else if (exp == 0x1f) {
        x = sign | 0x7f800000u | (mant << 13);
    } else {
        x = sign | ((exp + 112u) << 23) | (mant << 13);
    }
    float f;
    std::memcpy(&f, &x, 4);
    return f;
}

// Largest finite values of float32 and float16, for range checks before a conversion.
constexpr double kFloat32Max = 3.4028234663852886e38;
constexpr double kFloat16Max = 65504.0;

}  // namespace detail
}  // namespace trtplug
