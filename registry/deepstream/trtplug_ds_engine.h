// Engine creation for Gst-nvinfer from a network recipe: `engine-create-func-name` functions
// (NvDsInferEngineCreateCustomFunc, DeepStream 5 and 6+ signatures) and the opt-in IModelParser
// behind NvDsInferCreateModelParser.
//
// A recipe is data generated from Python: steps that append one of the library's plugins to named
// tensors, name its outputs, and mark or unmark network outputs. It is interpreted by
// apply_recipe() against the small RecipeNetwork interface, so the recipe logic runs (and is
// tested) without TensorRT; the TensorRT implementation of that interface, the ONNX parsing and
// the engine build are compiled only with TensorRT headers (TRTPLUG_DS_ENGINE_NO_TENSORRT leaves
// them out).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "trtplug_nvdsinfer.h"

namespace trtplug {
namespace ds {

enum class RecipeStepKind : int32_t { kAppendPlugin = 0, kMarkOutput = 1, kUnmarkOutput = 2 };

// One PluginField of an appended plugin. `type` is TensorRT's PluginFieldType value (kFLOAT32 = 1,
// kINT32 = 5, kCHAR = 6), which is the same in every TensorRT major.
struct RecipeField {
    const char* name;
    int32_t type;
    const void* data;
    int32_t length;
};

struct RecipeStep {
    RecipeStepKind kind;
    // kAppendPlugin
    const char* plugin;
    const char* version;
    const char* plugin_namespace;
    const char* const* inputs;  // tensor names
    int32_t n_inputs;
    const char* const* outputs;  // names given to the plugin layer's outputs
    int32_t n_outputs;
    const RecipeField* fields;
    int32_t n_fields;
    // kMarkOutput / kUnmarkOutput
    const char* tensor;
};

struct RecipeDesc {
    const char* name;  // the engine-create function or model parser it belongs to, for messages
    const RecipeStep* steps;
    int32_t n_steps;
};

// What the recipe interpreter needs from a network. Tensors are opaque handles.
class RecipeNetwork {
public:
    using Tensor = void*;
    virtual ~RecipeNetwork() = default;
    // A tensor by name: network inputs and the outputs of every layer; nullptr when there is none.
    virtual Tensor find_tensor(const char* name) = 0;
    virtual bool is_output(Tensor tensor) = 0;
    virtual int32_t output_count() = 0;
    // "a, b, c": the network's output names, for messages.
    virtual std::string describe_outputs() = 0;
    // Appends the step's plugin to `inputs`; fills `outputs` with its n_outputs output tensors.
    virtual bool add_plugin(const RecipeStep& step, const Tensor* inputs, int32_t n_inputs,
                            std::vector<Tensor>* outputs, std::string* why) = 0;
    virtual void set_name(Tensor tensor, const char* name) = 0;
    virtual void mark_output(Tensor tensor) = 0;
    virtual void unmark_output(Tensor tensor) = 0;
};

// Applies every step in order. False (with *why naming the recipe, the step and the cause) when a
// named tensor does not exist, a plugin cannot be added, a name is already taken, or the network
// ends up without outputs. Never throws.
bool apply_recipe(const RecipeDesc& recipe, RecipeNetwork& network, std::string* why) noexcept;

// The first fields of NvDsInferContextInitParams, whose offsets are the same in every DeepStream
// version trtplug supports except for netInputOrder (6.0+). Read through read_init_params().
struct InitParamsHead {
    unsigned int uniqueID;
    int networkMode;  // 0 FP32, 1 INT8, 2 FP16, 3 BEST (8.0+)
    char protoFilePath[4096];
    char modelFilePath[4096];
    char uffFilePath[4096];
    char onnxFilePath[4096];
    char tltEncodedModelFilePath[4096];
    char int8CalibrationFilePath[4096];
    NvDsInferDimsCHW inputDims;
    int uffInputOrder;
    char uffInputBlobName[1024];
#if TRTPLUG_DS_VERSION >= 600
    int netInputOrder;
#endif
    char tltModelKey[1024];
    char modelEngineFilePath[4096];
    unsigned int maxBatchSize;
};
static_assert(offsetof(InitParamsHead, onnxFilePath) == 12296, "NvDsInferContextInitParams::onnxFilePath");
#if TRTPLUG_DS_VERSION >= 600
static_assert(offsetof(InitParamsHead, tltModelKey) == 25628, "NvDsInferContextInitParams::tltModelKey (6.0+)");
#else
static_assert(offsetof(InitParamsHead, tltModelKey) == 25624, "NvDsInferContextInitParams::tltModelKey (5.x)");
#endif

// What an engine-create function or model parser takes from nvinfer's init params.
struct EngineParams {
    std::string onnx_file;
    unsigned int max_batch_size = 1;
    int network_mode = 0;
};
// Copies the fields out of nvinfer's init params (null: defaults).
EngineParams read_init_params(const NvDsInferContextInitParams* params) noexcept;

struct EngineCreateDesc {
    const char* func_name;
    const char* model;  // a fixed ONNX file; nullptr: nvinfer's onnx-file
    RecipeDesc recipe;
};

struct ModelParserDesc {
    const char* model_name;  // getModelName(): stem of the engine file nvinfer writes
    const char* model;       // nullptr: nvinfer's onnx-file
    bool full_dims;          // hasFullDimsSupported()
    RecipeDesc recipe;
};

// Applies the recipe named `function` to a network described in text, without TensorRT: one
// "input NAME", "tensor NAME" (any other named tensor) or "output NAME" per line. Writes
// "ok" or "error <cause>", then "outputs <a,b,...>" and one "trace <operation>" line per change,
// into `out` (NUL-terminated, truncated to `capacity`). Returns 0 when the recipe applies, 1 when
// it fails, 2 for an unknown function or an unreadable description. Backs the exported
// trtplug_ds_recipe_dry_run, which checks a recipe against a model's tensor names offline.
int dry_run(const RecipeDesc* const* recipes, int32_t n_recipes, const char* function, const char* network,
            char* out, size_t capacity) noexcept;

// One line on stderr: "trtplug deepstream error: <where>: <message>".
void engine_log_error(const char* where, const std::string& message) noexcept;

}  // namespace ds
}  // namespace trtplug

#ifndef TRTPLUG_DS_ENGINE_NO_TENSORRT
#include <NvInfer.h>

namespace trtplug {
namespace ds {

// DeepStream's IModelParser (nvdsinfer_custom_impl.h), declared with the same vtable order:
// destructor, parseModel, hasFullDimsSupported, getModelName.
class IModelParser {
public:
    IModelParser() = default;
    virtual ~IModelParser() = default;
    virtual NvDsInferStatus parseModel(nvinfer1::INetworkDefinition& network) = 0;
    virtual bool hasFullDimsSupported() const = 0;
    virtual const char* getModelName() const = 0;
};

// Builds the network from the ONNX model, applies the recipe, builds the engine with nvinfer's
// builder and (6.0+) its configured builder config; config == nullptr (5.x) makes one from
// dataType and the init params. Logs and returns false on any failure, with engine = nullptr.
bool create_engine(const EngineCreateDesc& desc, nvinfer1::IBuilder* builder, nvinfer1::IBuilderConfig* config,
                   const NvDsInferContextInitParams* params, nvinfer1::DataType data_type,
                   nvinfer1::ICudaEngine*& engine) noexcept;

// A plugin made for a layer a recipe appends: TensorRT refers to it until the engine is built.
struct MadePlugin {
    void* plugin;
    bool v3;  // an nvinfer1::IPluginV3 (deleted when done), else an nvinfer1::IPluginV2 (destroy())
};

// The IModelParser of a ModelParserDesc. Plugins its recipe appends stay alive until nvinfer
// deletes the parser, which it does after building the engine.
class RecipeModelParser : public IModelParser {
public:
    RecipeModelParser(const ModelParserDesc& desc, EngineParams params);
    ~RecipeModelParser() override;
    NvDsInferStatus parseModel(nvinfer1::INetworkDefinition& network) override;
    bool hasFullDimsSupported() const override { return desc_.full_dims; }
    const char* getModelName() const override { return desc_.model_name; }

private:
    const ModelParserDesc& desc_;
    EngineParams params_;
    std::vector<MadePlugin> plugins_;  // destroyed with the parser
};

// NvDsInferCreateModelParser's body: a RecipeModelParser, or nullptr (logged) when there is no
// model file.
IModelParser* create_model_parser(const ModelParserDesc& desc, const NvDsInferContextInitParams* params) noexcept;

}  // namespace ds
}  // namespace trtplug
#endif  // TRTPLUG_DS_ENGINE_NO_TENSORRT
