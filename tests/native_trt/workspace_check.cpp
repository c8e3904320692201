// Drives the fixture's TpScale plugin (workspace: numel(x) float32 values) of a trtplug TensorRT
// library through configurePlugin, getWorkspaceSize and enqueue, on the CPU:
//
//   workspace_check <library> <max rows> <enqueue rows>
//
// configurePlugin gets x of shape (-1, 3) with max (<max rows>, 3); enqueue runs on
// (<enqueue rows>, 3) with a workspace of the size getWorkspaceSize answered for the max shapes.
// Prints "workspace <bytes>" and "enqueue <return code>"; the plugin's own log lines go to stderr.
#include "plugin_check.h"

#include <cstdlib>
#include <type_traits>

namespace {

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
    nvinfer1::IPluginV2DynamicExt* plugin = plugin_check::create_plugin(argv[1], "TpScale", "workspace_layer");
    if (plugin == nullptr) return 2;

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
    std::printf("enqueue %d\n", plugin_check::enqueue_on_cpu(plugin, io, workspace_bytes));
    plugin->destroy();
    return 0;
}
