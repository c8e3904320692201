// Gst-nvinfer's TensorRT 7 plugin-factory entry points, exported by every trtplug library built for
// DeepStream:
//
//   bool NvDsInferPluginFactoryRuntimeGet(nvinfer1::IPluginFactory*& pluginFactory);
//   void NvDsInferPluginFactoryRuntimeDestroy(nvinfer1::IPluginFactory* pluginFactory);
//
// nvinfer looks Get up whenever it deserializes an engine file; a `false` makes it refuse the
// engine ("...because of NvDsInferPluginFactoryRuntimeGet errors").
//
//   * TensorRT 7.x (DeepStream 5.x): Get returns a real nvinfer1::IPluginFactory. Its
//     createPlugin(layerName, data, length) recreates any plugin of this library from the bytes
//     its serialize() wrote, as a TensorRT 7 IPluginExt (static shapes, implicit batch, one data type
//     for every tensor, as IPluginExt allows). The factory owns the plugins it created; Destroy
//     releases the factory and them.
//   * TensorRT 8 and newer: IPluginFactory is only a forward declaration and plugins come back
//     through the plugin registry. Get succeeds and hands out no factory (nullptr); Destroy
//     accepts that.
//
// The 7.x part depends on the core runtime (trtplug::library()) and on TensorRT 7's own headers;
// it does not use the IPluginV2DynamicExt adapter of registry/tensorrt/, which needs 8.6+.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

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

#include "trtplug_library.h"
#else
namespace nvinfer1 {
class IPluginFactory;  // TensorRT >= 8 declares it only by name, as do DeepStream 6+ headers
}  // namespace nvinfer1
#endif

TRTPLUG_DS_FACTORY_EXPORT bool NvDsInferPluginFactoryRuntimeGet(nvinfer1::IPluginFactory*& pluginFactory);
TRTPLUG_DS_FACTORY_EXPORT void NvDsInferPluginFactoryRuntimeDestroy(nvinfer1::IPluginFactory* pluginFactory);

#if TRTPLUG_DS_TRT_MAJOR < 8

namespace trtplug {
namespace ds {

// Trailer appended by Trt7Plugin::serialize after the core blob: the configuration TensorRT 7
// gave configureWithFormat at build time, which it does not repeat after deserialization.
//   u32 magic "TPLX", u16 version (1), u16 configured (0/1), i32 DataType, i32 max batch,
//   i32 input count, then per input: i32 rank, rank x i32 dims (without the batch dimension).
constexpr uint32_t kTrt7Magic = 0x584C5054u;  // "TPLX" little-endian
constexpr uint16_t kTrt7Version = 1;

// One plugin of the library as a TensorRT 7 layer. Shapes TensorRT passes exclude the
// batch dimension; the core sees them with the batch prepended (the plugin's declared ranks
// include it), and every output's leading dimension must follow that batch.
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
    friend class Trt7Factory;
    // One line "layer '<name>': ...", built in a fixed buffer (these never throw).
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
    std::string layer_;
    bool configured_ = false;
    DType type_ = DType::kFloat32;
    int32_t variant_ = -1;
    int32_t max_batch_ = 0;
    std::vector<Shape> sample_inputs_;  // per-sample (batch-less) input dims, once configured
};

}  // namespace ds
}  // namespace trtplug

#endif  // TRTPLUG_DS_TRT_MAJOR < 8
