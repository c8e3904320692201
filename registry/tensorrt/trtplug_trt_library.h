// Registration of a library's plugin creators with TensorRT, and the entry points TensorRT's
// plugin-library loaders look up.
//
// Exported (extern "C", default visibility):
//   getPluginCreators(int32_t&)     TensorRT 8.6:  IPluginRegistry::loadLibrary, trtexec --dynamicPlugins
//   getCreators(int32_t&)           TensorRT 10.x, 11.x: the same loaders
//   setLoggerFinder(ILoggerFinder*) every major: routes the library's log lines to TensorRT's logger
//   trtplug_tensorrt_version()      the TensorRT version the library was built against
//                                   (major*10000 + minor*100 + patch)
#pragma once

#include <cstdint>

#include "trtplug_library.h"
#include "trtplug_trt_compat.h"
#include "trtplug_trt_creator.h"

namespace trtplug {
namespace trt {

// The creators of every plugin in the library's table (trtplug::library()), in table order, made on
// first use and alive until the library is unloaded; null with *count 0 when there are none.
CreatorAdapter* const* library_creators(int32_t* count) noexcept;

}  // namespace trt
}  // namespace trtplug

TRTPLUG_TRT_V2_BEGIN
#if NV_TENSORRT_MAJOR >= 10
TRTPLUG_EXPORT nvinfer1::IPluginCreatorInterface* const* getCreators(int32_t& nbCreators) noexcept;
#else
TRTPLUG_EXPORT nvinfer1::IPluginCreator* const* getPluginCreators(int32_t& nbCreators) noexcept;
#endif
TRTPLUG_TRT_V2_END
