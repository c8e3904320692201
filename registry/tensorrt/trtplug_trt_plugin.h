// The TensorRT plugin class every generated trtplug plugin derives from.
//
// PluginAdapter implements IPluginV2DynamicExt once for all plugins: each method forwards to the
// core runtime with the plugin's PluginDesc (a row of the library's plugin table). Nothing about a
// plugin is generated as code: the creators make PluginAdapters from the table.
#pragma once

#include <string>

#include "trtplug_core.h"
#include "trtplug_launch_cache.h"
#include "trtplug_util.h"
#include "trtplug_trt_common.h"
#include "trtplug_trt_compat.h"

namespace trtplug {
namespace trt {

TRTPLUG_TRT_V2_BEGIN

class PluginAdapter final : public nvinfer1::IPluginV2DynamicExt {
public:
    PluginAdapter(const PluginDesc& desc, AttrValues values, const char* plugin_namespace);

    // IPluginV2
    nvinfer1::AsciiChar const* getPluginType() const TRTPLUG_TRT_NOEXCEPT override;
    nvinfer1::AsciiChar const* getPluginVersion() const TRTPLUG_TRT_NOEXCEPT override;
    int32_t getNbOutputs() const TRTPLUG_TRT_NOEXCEPT override;
    int32_t initialize() TRTPLUG_TRT_NOEXCEPT override;
    void terminate() TRTPLUG_TRT_NOEXCEPT override;
    size_t getSerializationSize() const TRTPLUG_TRT_NOEXCEPT override;
    void serialize(void* buffer) const TRTPLUG_TRT_NOEXCEPT override;
    void destroy() TRTPLUG_TRT_NOEXCEPT override;
    nvinfer1::IPluginV2DynamicExt* clone() const TRTPLUG_TRT_NOEXCEPT override;
    void setPluginNamespace(nvinfer1::AsciiChar const* plugin_namespace) TRTPLUG_TRT_NOEXCEPT override;
    nvinfer1::AsciiChar const* getPluginNamespace() const TRTPLUG_TRT_NOEXCEPT override;

    // IPluginV2Ext
    nvinfer1::DataType getOutputDataType(int32_t index, nvinfer1::DataType const* input_types,
                                         int32_t nb_inputs) const TRTPLUG_TRT_NOEXCEPT override;
    void attachToContext(cudnnContext* cudnn, cublasContext* cublas,
                         nvinfer1::IGpuAllocator* allocator) TRTPLUG_TRT_NOEXCEPT override;
    void detachFromContext() TRTPLUG_TRT_NOEXCEPT override;

    // IPluginV2DynamicExt
    nvinfer1::DimsExprs getOutputDimensions(int32_t output_index, nvinfer1::DimsExprs const* inputs,
                                            int32_t nb_inputs,
                                            nvinfer1::IExprBuilder& builder) TRTPLUG_TRT_NOEXCEPT override;
    bool supportsFormatCombination(int32_t pos, nvinfer1::PluginTensorDesc const* in_out, int32_t nb_inputs,
                                   int32_t nb_outputs) TRTPLUG_TRT_NOEXCEPT override;
    void configurePlugin(nvinfer1::DynamicPluginTensorDesc const* in, int32_t nb_inputs,
                         nvinfer1::DynamicPluginTensorDesc const* out,
                         int32_t nb_outputs) TRTPLUG_TRT_NOEXCEPT override;
    size_t getWorkspaceSize(nvinfer1::PluginTensorDesc const* inputs, int32_t nb_inputs,
                            nvinfer1::PluginTensorDesc const* outputs,
                            int32_t nb_outputs) const TRTPLUG_TRT_NOEXCEPT override;
    int32_t enqueue(nvinfer1::PluginTensorDesc const* input_desc, nvinfer1::PluginTensorDesc const* output_desc,
                    void const* const* inputs, void* const* outputs, void* workspace,
                    cudaStream_t stream) TRTPLUG_TRT_NOEXCEPT override;

    const PluginDesc& desc() const { return *desc_; }
    const AttrValues& attr_values() const { return values_; }

private:
    // Copies are made by clone(); TensorRT ends each instance's life with destroy().
    PluginAdapter(const PluginAdapter&) = default;
    PluginAdapter& operator=(const PluginAdapter&) = delete;
    ~PluginAdapter() override = default;

    // Logging never throws: the overloads below build the line in a fixed buffer.
    void log(Severity severity, const std::string& message) const noexcept;
    void log(Severity severity, const char* message) const noexcept;
    void log(Severity severity, const char* prefix, const std::string& message) const noexcept;
    void logf(Severity severity, const char* fmt, ...) const noexcept __attribute__((format(printf, 3, 4)));

    const PluginDesc* desc_;
    AttrValues values_;
    std::string namespace_;
    // What the last configurePlugin learnt (copied by clone(), as a configured plugin's clone is
    // configured): the workspace TensorRT allocates for enqueue (getWorkspaceSize at the max shapes),
    // and whether the input shapes were rejected, so that enqueue refuses to run and TensorRT's build
    // fails instead of running kernels out of bounds.
    Configuration config_;
    // enqueue's plans per variant and input shapes (the attribute values never change after
    // construction); a clone starts with the same plans.
    LaunchCache launches_;
};

TRTPLUG_TRT_V2_END

}  // namespace trt
}  // namespace trtplug
