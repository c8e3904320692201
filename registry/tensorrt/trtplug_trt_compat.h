// What differs between the TensorRT majors trtplug supports (8.6, 10.x, 11.x), in one place.
//
// Every TensorRT-facing source of a trtplug library includes this header instead of NvInfer.h.
// It is compiled against the real TensorRT headers of the target release (given with -isystem),
// never against copies of them.
#pragma once

#include <NvInfer.h>
#include <NvInferRuntime.h>

#include <cstdint>

#if !defined(NV_TENSORRT_MAJOR)
#error "trtplug: NV_TENSORRT_MAJOR is not defined; the TensorRT headers found are incomplete"
#endif
#if NV_TENSORRT_MAJOR < 8 || (NV_TENSORRT_MAJOR == 8 && NV_TENSORRT_MINOR < 6)
#error "trtplug: TensorRT 8.6 or newer is required (these headers are older)"
#endif
#if NV_TENSORRT_MAJOR > 11
#error "trtplug: this TensorRT major is newer than the ones trtplug was checked against (8.6, 10.x, 11.x)"
#endif

// Every plugin virtual is noexcept from TensorRT 8.0 on; an override must say so too.
#define TRTPLUG_TRT_NOEXCEPT noexcept

// The IPluginV2 family (IPluginV2DynamicExt, IPluginCreator) is deprecated since TensorRT 10.0 and
// still supported in 11.x. trtplug implements it on purpose, so deprecation warnings are silenced
// exactly around the code that names these interfaces, and stay on everywhere else.
#define TRTPLUG_TRT_V2_BEGIN \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wdeprecated-declarations\"")
#define TRTPLUG_TRT_V2_END _Pragma("GCC diagnostic pop")

namespace trtplug {
namespace trt {

// The version this library was built against, as major*10000 + minor*100 + patch for every major
// (NV_TENSORRT_VERSION itself changed its encoding in 10.0).
constexpr int32_t kBuiltTensorRTVersion = NV_TENSORRT_MAJOR * 10000 + NV_TENSORRT_MINOR * 100 + NV_TENSORRT_PATCH;

// Dims::d and IExprBuilder::constant() are int32_t up to 8.x and int64_t from 10.0 on.
#if NV_TENSORRT_MAJOR >= 10
using DimValue = int64_t;
#else
using DimValue = int32_t;
#endif

// What TensorRT's library loader receives from getCreators (10.x, 11.x) or getPluginCreators (8.6).
#if NV_TENSORRT_MAJOR >= 10
using CreatorEntry = nvinfer1::IPluginCreatorInterface;
#else
using CreatorEntry = nvinfer1::IPluginCreator;
#endif

// Printable name of a TensorRT DataType (e.g. "float16", "bfloat16"), for messages.
inline const char* trt_dtype_name(nvinfer1::DataType type) noexcept {
    switch (static_cast<int32_t>(type)) {
        case 0: return "float32";
        case 1: return "float16";
        case 2: return "int8";
        case 3: return "int32";
        case 4: return "bool";
        case 5: return "uint8";
        case 6: return "fp8";
        case 7: return "bfloat16";
        case 8: return "int64";
        case 9: return "int4";
        case 10: return "fp4";
        case 11: return "e8m0";
    }
    return "unknown";
}

// Printable name of a TensorRT PluginFieldType value, for messages.
inline const char* field_type_name(int32_t type) noexcept {
    switch (type) {
        case 0: return "kFLOAT16";
        case 1: return "kFLOAT32";
        case 2: return "kFLOAT64";
        case 3: return "kINT8";
        case 4: return "kINT16";
        case 5: return "kINT32";
        case 6: return "kCHAR";
        case 7: return "kDIMS";
        case 8: return "kUNKNOWN";
        case 9: return "kBF16";
        case 10: return "kINT64";
        case 11: return "kFP8";
        case 12: return "kINT4";
        case 13: return "kFP4";
    }
    return "an unknown type";
}

}  // namespace trt
}  // namespace trtplug
