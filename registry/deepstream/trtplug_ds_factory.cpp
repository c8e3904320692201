// Gst-nvinfer's TensorRT 7 plugin-factory entry points (see trtplug_ds_factory.h).
#include "trtplug_ds_factory.h"

#include <cstdio>

#if TRTPLUG_DS_TRT_MAJOR < 8

#include "trtplug_library.h"
#include "trtplug_trt7_factory.h"

namespace {

void log_error(const char* message) noexcept {
    trtplug::log_line(trtplug::Severity::kError, trtplug::library().plugin_namespace, nullptr, message);
}

}  // namespace

bool NvDsInferPluginFactoryRuntimeGet(nvinfer1::IPluginFactory*& pluginFactory) {
    pluginFactory = trtplug::trt7::create_factory();
    if (pluginFactory == nullptr) {
        log_error("NvDsInferPluginFactoryRuntimeGet: out of memory");
        return false;
    }
    return true;
}

void NvDsInferPluginFactoryRuntimeDestroy(nvinfer1::IPluginFactory* pluginFactory) {
    if (pluginFactory == nullptr || trtplug::trt7::destroy_factory(pluginFactory)) return;
    log_error("NvDsInferPluginFactoryRuntimeDestroy: the factory was not made by this library's "
              "NvDsInferPluginFactoryRuntimeGet (or was destroyed already); left alone");
}

#else  // TensorRT >= 8: plugins are restored through the plugin registry

bool NvDsInferPluginFactoryRuntimeGet(nvinfer1::IPluginFactory*& pluginFactory) {
    // Succeeding with no factory: nvinfer refuses the engine when this returns false, and
    // TensorRT >= 8 takes no factory.
    pluginFactory = nullptr;
    return true;
}

void NvDsInferPluginFactoryRuntimeDestroy(nvinfer1::IPluginFactory* pluginFactory) {
    // Parser-only libraries have no core runtime, hence stderr rather than trtplug::log_line.
    if (pluginFactory != nullptr) {
        std::fprintf(stderr, "trtplug deepstream warning: NvDsInferPluginFactoryRuntimeDestroy: this library hands "
                             "out no factory with TensorRT >= 8; the pointer it was given is left alone\n");
    }
}

#endif
