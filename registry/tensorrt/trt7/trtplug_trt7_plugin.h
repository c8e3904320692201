// One plugin of a trtplug library as a TensorRT 7 layer (DeepStream 5.x): an IPluginExt that
// forwards to the core runtime, as PluginAdapter does for IPluginV2DynamicExt on 8.6+. TensorRT 7
// recreates these from an engine through Trt7Factory (trtplug_trt7_factory.h).
//
// IPluginExt has static shapes, an implicit batch and one data type for every tensor. Shapes
// TensorRT passes exclude the batch dimension; the core sees them with the batch prepended (the
// plugin's declared ranks include it), and every output's leading dimension must follow that batch.
//
// Compiled against TensorRT 7's own headers only.
#pragma once

#include <NvInferRuntime.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "trtplug_core.h"

#if !defined(NV_TENSORRT_MAJOR) || NV_TENSORRT_MAJOR != 7
#error "registry/tensorrt/trt7 implements TensorRT 7's IPluginExt: compile it against TensorRT 7.x headers"
#endif

namespace trtplug {
namespace trt7 {

// Trailer appended by Trt7Plugin::serialize after the core blob: the configuration TensorRT 7
// gave configureWithFormat at build time, which it does not repeat after deserialization.
//   u32 magic "TPLX", u16 version (1), u16 configured (0/1), i32 DataType, i32 max batch,
//   i32 input count, then per input: i32 rank, rank x i32 dims (without the batch dimension).
constexpr uint32_t kTrailerMagic = 0x584C5054u;  // "TPLX" little-endian
constexpr uint16_t kTrailerVersion = 1;

class Trt7Plugin : public nvinfer1::IPluginExt {
public:
    Trt7Plugin(const PluginDesc& desc, AttrValues values, const char* layer_name);
    ~Trt7Plugin() override = default;

    int32_t getNbOutputs() const noexcept override;
    nvinfer1::Dims getOutputDimensions(int32_t index, const nvinfer1::Dims* inputs, int32_t nb_inputs) noexcept override;
    int32_t initialize() noexcept override;
    void terminate() noexcept override;
    size_t getWorkspaceSize(int32_t max_batch_size) const noexcept override;
    int32_t enqueue(int32_t batch_size, const void* const* inputs, void** outputs, void* workspace,
                    cudaStream_t stream) noexcept override;
    size_t getSerializationSize() noexcept override;
    void serialize(void* buffer) noexcept override;
    bool supportsFormat(nvinfer1::DataType type, nvinfer1::PluginFormat format) const noexcept override;
    void configureWithFormat(const nvinfer1::Dims* input_dims, int32_t nb_inputs, const nvinfer1::Dims* output_dims,
                             int32_t nb_outputs, nvinfer1::DataType type, nvinfer1::PluginFormat format,
                             int32_t max_batch_size) noexcept override;

    const PluginDesc& desc() const { return *desc_; }

    // Reads the trailer that follows the core blob (empty: an unconfigured plugin).
    bool restore_configuration(const unsigned char* data, size_t length, std::string* why) noexcept;

private:
    // One line "layer '<name>': ..." under the library's plugin namespace (these never throw).
    void log(Severity severity, const char* message) const noexcept;
    void log(Severity severity, const char* prefix, const std::string& message) const noexcept;
    void logf(Severity severity, const char* fmt, ...) const noexcept __attribute__((format(printf, 3, 4)));
    // The variant whose io types are all `type`, or -1.
    int32_t uniform_variant(DType type) const noexcept;
    // The helpers below build messages and may throw std::bad_alloc: callers catch it.
    // Input shapes with `batch` prepended; false (with why) when a rank does not fit.
    bool batched_inputs(int64_t batch, Shape* shapes, std::string* why) const;
    // Output `index` for these per-sample input dims, without the batch dimension.
    bool sample_output(const Shape* sample_inputs, int32_t index, Shape* out, std::string* why) const;
    // The workspace the configured variant needs for a batch of `batch`.
    bool workspace_for_batch(int64_t batch, size_t* bytes, std::string* why) const;
    bool restore(const unsigned char* data, size_t length, std::string* why);
    size_t trailer_size() const noexcept;

    // Most inputs (and outputs) a TensorRT 7 layer of this library may have.
    static constexpr int32_t kMaxInputs = 64;

    const PluginDesc* desc_;
    AttrValues values_;
    std::string log_head_;  // "layer '<name>': "
    bool configured_ = false;
    DType type_ = DType::kFloat32;
    int32_t variant_ = -1;
    int32_t max_batch_ = 0;
    std::vector<Shape> sample_inputs_;  // per-sample (batch-less) input dims, once configured
};

}  // namespace trt7
}  // namespace trtplug
