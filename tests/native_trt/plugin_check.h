// What configure_check.cpp and workspace_check.cpp share: open a trtplug TensorRT library, make one
// of its plugins the way TensorRT's registry does, and enqueue it on the CPU.
#pragma once

#include <NvInfer.h>
#include <dlfcn.h>

#include <cstdio>
#include <cstring>
#include <vector>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // IPluginV2DynamicExt is what trtplug implements

namespace plugin_check {

#if NV_TENSORRT_MAJOR >= 10
using CreatorEntry = nvinfer1::IPluginCreatorInterface;
constexpr const char* kEntryPoint = "getCreators";
#else
using CreatorEntry = nvinfer1::IPluginCreator;
constexpr const char* kEntryPoint = "getPluginCreators";
#endif

inline nvinfer1::IPluginCreator* as_creator(CreatorEntry* entry) {
#if NV_TENSORRT_MAJOR >= 10
    if (entry == nullptr) return nullptr;
    const nvinfer1::InterfaceInfo info = entry->getInterfaceInfo();
    if (info.kind == nullptr || std::strcmp(info.kind, "PLUGIN CREATOR_V1") != 0) return nullptr;
    return static_cast<nvinfer1::IPluginCreator*>(entry);
#else
    return entry;
#endif
}

// The plugin `plugin_name` of `library`, made with no fields as layer `layer_name`; nullptr, after
// saying why on stderr, where the library, its creator or the plugin cannot be had.
inline nvinfer1::IPluginV2DynamicExt* create_plugin(const char* library, const char* plugin_name,
                                                   const char* layer_name) {
    void* lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
        std::fprintf(stderr, "dlopen: %s\n", dlerror());
        return nullptr;
    }
    using GetCreators = CreatorEntry* const* (*)(int32_t&);
    auto get_creators = reinterpret_cast<GetCreators>(dlsym(lib, kEntryPoint));
    if (get_creators == nullptr) {
        std::fprintf(stderr, "the library exports no %s\n", kEntryPoint);
        return nullptr;
    }
    int32_t n = 0;
    CreatorEntry* const* entries = get_creators(n);
    nvinfer1::IPluginCreator* creator = nullptr;
    for (int32_t i = 0; i < n && creator == nullptr; ++i) {
        nvinfer1::IPluginCreator* c = as_creator(entries[i]);
        if (c != nullptr && std::strcmp(c->getPluginName(), plugin_name) == 0) creator = c;
    }
    if (creator == nullptr) {
        std::fprintf(stderr, "no %s creator\n", plugin_name);
        return nullptr;
    }
    nvinfer1::PluginFieldCollection no_fields{};
    nvinfer1::IPluginV2* made = creator->createPlugin(layer_name, &no_fields);
    if (made == nullptr) {
        std::fprintf(stderr, "createPlugin failed\n");
        return nullptr;
    }
    return static_cast<nvinfer1::IPluginV2DynamicExt*>(made);
}

inline size_t volume(const nvinfer1::Dims& d) {
    size_t n = 1;
    for (int32_t i = 0; i < d.nbDims; ++i) n *= static_cast<size_t>(d.d[i] > 0 ? d.d[i] : 0);
    return n;
}

// enqueue's return code for one float32 input and one float32 output of the dims in `io`, on zeroed
// host buffers, with `workspace_bytes` of workspace plus 256 bytes of slack.
inline int32_t enqueue_on_cpu(nvinfer1::IPluginV2DynamicExt* plugin, const nvinfer1::PluginTensorDesc (&io)[2],
                              size_t workspace_bytes) {
    std::vector<float> x(volume(io[0].dims)), y(volume(io[1].dims));
    std::vector<unsigned char> workspace(workspace_bytes + 256);
    const void* inputs[] = {x.data()};
    void* outputs[] = {y.data()};
    return plugin->enqueue(io, io + 1, inputs, outputs, workspace.data(), nullptr);
}

}  // namespace plugin_check
