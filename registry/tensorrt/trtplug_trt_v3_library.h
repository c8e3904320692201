// Registration of a library's IPluginV3 creators with TensorRT, and the creator entry point
// TensorRT's plugin-library loaders look up; the IPluginV3 counterpart of trtplug_trt_library.h.
//
// Exported (extern "C", default visibility):
//   getCreators(int32_t&)   IPluginRegistry::loadLibrary, trtexec --dynamicPlugins
// plus setLoggerFinder and trtplug_tensorrt_version (trtplug_trt_common.h).
//
// One CreatorV3 per plugin of trtplug::library(), made when first needed (at load time, by the
// static registrar) and alive for the life of the library.
#pragma once

#include <cstdint>

#include "trtplug_library.h"
#include "trtplug_trt_v3_creator.h"

namespace trtplug {
namespace trt {

CreatorV3* const* v3_creators(int32_t* count) noexcept;

}  // namespace trt
}  // namespace trtplug

TRTPLUG_EXPORT nvinfer1::IPluginCreatorInterface* const* getCreators(int32_t& nbCreators) noexcept;
