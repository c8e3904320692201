// Drives the fixture's TpScale plugin (workspace: numel(x) float32 values) of a trtplug TensorRT
// library through configurePlugin, getWorkspaceSize and enqueue, on the CPU:
//
//   workspace_check <library> <max rows> <enqueue rows>
//
// configurePlugin gets x of shape (-1, 3) with max (<max rows>, 3); enqueue runs on
// (<enqueue rows>, 3) with a workspace of the size getWorkspaceSize answered for the max shapes.
// Prints "workspace <bytes>" and "enqueue <return code>"; the plugin's own log lines go to stderr.
#include <NvInfer.h>
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <vector>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // IPluginV2DynamicExt is what trtplug implements

#if NV_TENSORRT_MAJOR >= 10
using CreatorEntry = nvinfer1::IPluginCreatorInterface;
constexpr const char* kEntryPoint = "getCreators";
#else
using CreatorEntry = nvinfer1::IPluginCreator;
constexpr const char* kEntryPoint = "getPluginCreators";
#endif

namespace {

nvinfer1::IPluginCreator* as_creator(CreatorEntry* entry) {
#if NV_TENSORRT_MAJOR >= 10
    if (entry == nullptr) return nullptr;
    const nvinfer1::InterfaceInfo info = entry->getInterfaceInfo();
    if (info.kind == nullptr || std::strcmp(info.kind, "PLUGIN CREATOR_V1") != 0) return nullptr;
    return static_cast<nvinfer1::IPluginCreator*>(entry);
#else
    return entry;
#endif
}

nvinfer1::Dims rows_by_3(int64_t rows) {
    nvinfer1::Dims d{};
    d.nbDims = 2;
    d.d[0] = static_cast<std::remove_reference<decltype(d.d[0])>::type>(rows);
    d.d[1] = 3;
    return d;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s <library> <max rows> <enqueue rows>\n", argv[0]);
        return 2;
    }
    const int64_t max_rows = std::atoll(argv[2]);
    const int64_t rows = std::atoll(argv[3]);
    void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
        std::fprintf(stderr, "dlopen: %s\n", dlerror());
        return 2;
    }
    using GetCreators = CreatorEntry* const* (*)(int32_t&);
    auto get_creators = reinterpret_cast<GetCreators>(dlsym(lib, kEntryPoint));
    if (get_creators == nullptr) {
        std::fprintf(stderr, "the library exports no %s\n", kEntryPoint);
        return 2;
    }
    int32_t n = 0;
    CreatorEntry* const* entries = get_creators(n);
    nvinfer1::IPluginCreator* creator = nullptr;
    for (int32_t i = 0; i < n && creator == nullptr; ++i) {
        nvinfer1::IPluginCreator* c = as_creator(entries[i]);
        if (c != nullptr && std::strcmp(c->getPluginName(), "TpScale") == 0) creator = c;
    }
    if (creator == nullptr) {
        std::fprintf(stderr, "no TpScale creator\n");
        return 2;
    }
    nvinfer1::PluginFieldCollection no_fields{};
    nvinfer1::IPluginV2* made = creator->createPlugin("workspace_layer", &no_fields);
    if (made == nullptr) {
        std::fprintf(stderr, "createPlugin failed\n");
        return 2;
    }
    auto* plugin = static_cast<nvinfer1::IPluginV2DynamicExt*>(made);

    nvinfer1::DynamicPluginTensorDesc in{}, out{};
    in.desc.type = nvinfer1::DataType::kFLOAT;
    in.desc.format = nvinfer1::TensorFormat::kLINEAR;
    in.desc.dims = rows_by_3(-1);  // the build phase: a wildcard batch
    in.min = rows_by_3(1);
    in.max = rows_by_3(max_rows);
#if NV_TENSORRT_MAJOR >= 10
    in.opt = in.max;
#endif
    out = in;
    plugin->configurePlugin(&in, 1, &out, 1);

    nvinfer1::PluginTensorDesc io[2] = {in.desc, out.desc};
    io[0].dims = io[1].dims = rows_by_3(max_rows);
    const size_t workspace_bytes = plugin->getWorkspaceSize(io, 1, io + 1, 1);
    std::printf("workspace %zu\n", workspace_bytes);

    io[0].dims = io[1].dims = rows_by_3(rows);
    std::vector<float> x(static_cast<size_t>(rows * 3)), y(x.size());
    std::vector<unsigned char> workspace(workspace_bytes + 256);
    const void* inputs[] = {x.data()};
    void* outputs[] = {y.data()};
    const int32_t rc = plugin->enqueue(io, io + 1, inputs, outputs, workspace.data(), nullptr);
    std::printf("enqueue %d\n", rc);
    plugin->destroy();
    return 0;
}
