// Drives one single-input plugin of a trtplug TensorRT library through configurePlugin with an
// optimization profile, then enqueue, on the CPU, the way TensorRT's builder does:
//
//   configure_check <library> <plugin> <min dims> <opt dims> <max dims> <output dims>
//
// Dims are comma-separated ("1,8,4,4"). configurePlugin gets a float32 input with a wildcard
// (-1) first dim and the given min/opt/max; enqueue runs on the opt dims with the given output
// dims. Prints "enqueue <return code>"; the plugin's log lines go to stderr.
#include <NvInfer.h>
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
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

nvinfer1::Dims parse_dims(const char* text) {
    nvinfer1::Dims d{};
    std::string rest = text;
    while (!rest.empty() && d.nbDims < nvinfer1::Dims::MAX_DIMS) {
        const size_t comma = rest.find(',');
        d.d[d.nbDims++] = static_cast<std::remove_reference<decltype(d.d[0])>::type>(std::atoll(rest.substr(0, comma).c_str()));
        rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    }
    return d;
}

size_t volume(const nvinfer1::Dims& d) {
    size_t n = 1;
    for (int32_t i = 0; i < d.nbDims; ++i) n *= static_cast<size_t>(d.d[i] > 0 ? d.d[i] : 0);
    return n;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 7) {
        std::fprintf(stderr, "usage: %s <library> <plugin> <min> <opt> <max> <output>\n", argv[0]);
        return 2;
    }
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
        if (c != nullptr && std::strcmp(c->getPluginName(), argv[2]) == 0) creator = c;
    }
    if (creator == nullptr) {
        std::fprintf(stderr, "no %s creator\n", argv[2]);
        return 2;
    }
    nvinfer1::PluginFieldCollection no_fields{};
    nvinfer1::IPluginV2* made = creator->createPlugin("configure_layer", &no_fields);
    if (made == nullptr) {
        std::fprintf(stderr, "createPlugin failed\n");
        return 2;
    }
    auto* plugin = static_cast<nvinfer1::IPluginV2DynamicExt*>(made);

    nvinfer1::DynamicPluginTensorDesc in{}, out{};
    in.desc.type = out.desc.type = nvinfer1::DataType::kFLOAT;
    in.desc.format = out.desc.format = nvinfer1::TensorFormat::kLINEAR;
    in.min = parse_dims(argv[3]);
    const nvinfer1::Dims opt = parse_dims(argv[4]);
    in.max = parse_dims(argv[5]);
#if NV_TENSORRT_MAJOR >= 10
    in.opt = opt;
#endif
    in.desc.dims = opt;
    in.desc.dims.d[0] = -1;  // the build phase: a wildcard batch
    out.desc.dims = parse_dims(argv[6]);
    out.min = out.max = out.desc.dims;
    plugin->configurePlugin(&in, 1, &out, 1);

    nvinfer1::PluginTensorDesc io[2] = {in.desc, out.desc};
    io[0].dims = opt;
    std::vector<float> x(volume(opt)), y(volume(out.desc.dims));
    std::vector<unsigned char> workspace(plugin->getWorkspaceSize(io, 1, io + 1, 1) + 256);
    const void* inputs[] = {x.data()};
    void* outputs[] = {y.data()};
    std::printf("enqueue %d\n", plugin->enqueue(io, io + 1, inputs, outputs, workspace.data(), nullptr));
    plugin->destroy();
    return 0;
}
