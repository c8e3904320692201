// Drives one single-input plugin of a trtplug TensorRT library through configurePlugin with an
// optimization profile, then enqueue, on the CPU, the way TensorRT's builder does:
//
//   configure_check <library> <plugin> <min dims> <opt dims> <max dims> <output dims>
//
// Dims are comma-separated ("1,8,4,4"). configurePlugin gets a float32 input with a wildcard
// (-1) first dim and the given min/opt/max; enqueue runs on the opt dims with the given output
// dims. Prints "enqueue <return code>"; the plugin's log lines go to stderr.
#include "plugin_check.h"

#include <cstdlib>
#include <string>
#include <type_traits>

namespace {

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

}  // namespace

int main(int argc, char** argv) {
    if (argc != 7) {
        std::fprintf(stderr, "usage: %s <library> <plugin> <min> <opt> <max> <output>\n", argv[0]);
        return 2;
    }
    nvinfer1::IPluginV2DynamicExt* plugin = plugin_check::create_plugin(argv[1], argv[2], "configure_layer");
    if (plugin == nullptr) return 2;

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
    const size_t workspace_bytes = plugin->getWorkspaceSize(io, 1, io + 1, 1);
    std::printf("enqueue %d\n", plugin_check::enqueue_on_cpu(plugin, io, workspace_bytes));
    plugin->destroy();
    return 0;
}
