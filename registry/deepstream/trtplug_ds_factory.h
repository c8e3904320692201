// Gst-nvinfer's TensorRT 7 plugin-factory entry points, exported by every trtplug library built for
// DeepStream:
//
//   bool NvDsInferPluginFactoryRuntimeGet(nvinfer1::IPluginFactory*& pluginFactory);
//   void NvDsInferPluginFactoryRuntimeDestroy(nvinfer1::IPluginFactory* pluginFactory);
//
// nvinfer looks Get up whenever it deserializes an engine file; a `false` makes it refuse the
// engine ("...because of NvDsInferPluginFactoryRuntimeGet errors").
//
//   * TensorRT 7.x (DeepStream 5.x): Get hands out the TensorRT 7 adapter's IPluginFactory
//     (registry/tensorrt/trt7/trtplug_trt7_factory.h), which recreates any plugin of this library
//     from an engine as an IPluginExt; Destroy releases the factory and the plugins it made.
//   * TensorRT 8 and newer: IPluginFactory is only a forward declaration and plugins come back
//     through the plugin registry. Get succeeds and hands out no factory (nullptr); Destroy
//     accepts that.
#pragma once

// The TensorRT major comes from TensorRT's headers when they are on the include path, else from
// TRTPLUG_DS_TENSORRT_MAJOR (a parser-only library for TensorRT >= 8 needs no TensorRT header).
#if __has_include(<NvInferVersion.h>)
#include <NvInferVersion.h>
#define TRTPLUG_DS_TRT_MAJOR NV_TENSORRT_MAJOR
#if defined(TRTPLUG_DS_TENSORRT_MAJOR) && TRTPLUG_DS_TENSORRT_MAJOR != NV_TENSORRT_MAJOR
#error "TRTPLUG_DS_TENSORRT_MAJOR disagrees with the TensorRT headers on the include path"
#endif
#elif defined(TRTPLUG_DS_TENSORRT_MAJOR)
#define TRTPLUG_DS_TRT_MAJOR TRTPLUG_DS_TENSORRT_MAJOR
#else
#error "trtplug_ds_factory: no TensorRT headers and no TRTPLUG_DS_TENSORRT_MAJOR: which TensorRT is this for?"
#endif

#define TRTPLUG_DS_FACTORY_EXPORT extern "C" __attribute__((visibility("default")))

#if TRTPLUG_DS_TRT_MAJOR < 8
#include <NvInferRuntime.h>
#else
namespace nvinfer1 {
class IPluginFactory;  // TensorRT >= 8 declares it only by name, as do DeepStream 6+ headers
}  // namespace nvinfer1
#endif

TRTPLUG_DS_FACTORY_EXPORT bool NvDsInferPluginFactoryRuntimeGet(nvinfer1::IPluginFactory*& pluginFactory);
TRTPLUG_DS_FACTORY_EXPORT void NvDsInferPluginFactoryRuntimeDestroy(nvinfer1::IPluginFactory* pluginFactory);

