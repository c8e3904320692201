// TensorRT 7's way back from an engine to the plugins in it: an nvinfer1::IPluginFactory whose
// createPlugin(layerName, data, length) recreates any plugin of this library from the bytes its
// serialize() wrote, as a Trt7Plugin. Gst-nvinfer (DeepStream 5.x) obtains it from the library's
// NvDsInferPluginFactoryRuntimeGet (registry/deepstream/trtplug_ds_factory.cpp) and passes it to
// IRuntime::deserializeCudaEngine.
//
// A factory owns every plugin it made (TensorRT 7 never deletes the plugins it got from a factory)
// until destroy_factory releases it and them. Compiled against TensorRT 7's own headers only.
#pragma once

#include <NvInferRuntime.h>

namespace trtplug {
namespace trt7 {

// A new factory; nullptr when memory ran out.
nvinfer1::IPluginFactory* create_factory() noexcept;

// Deletes a factory made by create_factory and every plugin it made. Any other pointer (one this
// library did not make, or one destroyed already) is left alone and false returned.
bool destroy_factory(nvinfer1::IPluginFactory* factory) noexcept;

}  // namespace trt7
}  // namespace trtplug
