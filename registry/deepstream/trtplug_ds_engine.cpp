// Engine creation and IModelParser from a network recipe (see trtplug_ds_engine.h).
#include "trtplug_ds_engine.h"

#include "../core/trtplug_util.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <new>
#include <utility>

namespace trtplug {
namespace ds {

namespace {

using detail::strf;

std::string describe_step(const RecipeStep& step) {
    switch (step.kind) {
        case RecipeStepKind::kAppendPlugin:
            return strf("append plugin '%s' v%s", step.plugin ? step.plugin : "?", step.version ? step.version : "?");
        case RecipeStepKind::kMarkOutput: return strf("mark output '%s'", step.tensor ? step.tensor : "?");
        case RecipeStepKind::kUnmarkOutput: return strf("unmark output '%s'", step.tensor ? step.tensor : "?");
    }
    return "unknown step";
}

bool apply_step(const RecipeStep& step, RecipeNetwork& network, std::string* why) {
    auto missing = [&](const char* name) {
        *why = strf("tensor '%s' does not exist in the network (its outputs: %s)", name ? name : "(null)",
                    network.describe_outputs().c_str());
        return false;
    };
    switch (step.kind) {
        case RecipeStepKind::kAppendPlugin: {
            std::vector<RecipeNetwork::Tensor> inputs;
            for (int32_t i = 0; i < step.n_inputs; ++i) {
                RecipeNetwork::Tensor t = step.inputs[i] ? network.find_tensor(step.inputs[i]) : nullptr;
                if (t == nullptr) return missing(step.inputs[i]);
                inputs.push_back(t);
            }
            for (int32_t o = 0; o < step.n_outputs; ++o) {
                if (step.outputs[o] == nullptr || network.find_tensor(step.outputs[o]) != nullptr) {
                    *why = strf("output name '%s' is already used by a tensor of the network",
                                step.outputs[o] ? step.outputs[o] : "(null)");
                    return false;
                }
            }
            std::vector<RecipeNetwork::Tensor> outputs;
            if (!network.add_plugin(step, inputs.data(), step.n_inputs, &outputs, why)) return false;
            if (static_cast<int32_t>(outputs.size()) != step.n_outputs) {
                *why = strf("the plugin layer has %zu outputs, the recipe names %d", outputs.size(), step.n_outputs);
                return false;
            }
            for (int32_t o = 0; o < step.n_outputs; ++o) network.set_name(outputs[static_cast<size_t>(o)], step.outputs[o]);
            return true;
        }
        case RecipeStepKind::kMarkOutput: {
            RecipeNetwork::Tensor t = step.tensor ? network.find_tensor(step.tensor) : nullptr;
            if (t == nullptr) return missing(step.tensor);
            if (!network.is_output(t)) network.mark_output(t);
            return true;
        }
        case RecipeStepKind::kUnmarkOutput: {
            RecipeNetwork::Tensor t = step.tensor ? network.find_tensor(step.tensor) : nullptr;
            if (t == nullptr) return missing(step.tensor);
            if (!network.is_output(t)) {
                *why = strf("tensor '%s' is not a network output (outputs: %s)", step.tensor,
                            network.describe_outputs().c_str());
                return false;
            }
            network.unmark_output(t);
            return true;
        }
    }
    *why = strf("unknown step kind %d", static_cast<int>(step.kind));
    return false;
}

// A network of names only: what apply_recipe changes, recorded as a trace.
class DryRunNetwork : public RecipeNetwork {
public:
    bool describe(const char* text, std::string* why) {
        std::string line;
        for (const char* p = text; ; ++p) {
            if (*p != '\n' && *p != '\0') {
                line += *p;
                continue;
            }
            if (!line.empty()) {
                const size_t space = line.find(' ');
                const std::string kind = line.substr(0, space);
                const std::string name = space == std::string::npos ? "" : line.substr(space + 1);
                if (name.empty() || (kind != "input" && kind != "tensor" && kind != "output")) {
                    *why = "network description: cannot read '" + line + "'";
                    return false;
                }
                tensors_.push_back({name});
                if (kind == "output") outputs_.push_back(tensors_.size() - 1);
            }
            line.clear();
            if (*p == '\0') return true;
        }
    }
    Tensor find_tensor(const char* name) override {
        for (size_t i = 0; i < tensors_.size(); ++i) {
            if (tensors_[i].name == name) return reinterpret_cast<Tensor>(i + 1);
        }
        return nullptr;
    }
    bool is_output(Tensor t) override {
        for (size_t o : outputs_) {
            if (o == index(t)) return true;
        }
        return false;
    }
    int32_t output_count() override { return static_cast<int32_t>(outputs_.size()); }
    std::string describe_outputs() override {
        std::string text;
        for (size_t o : outputs_) text += (text.empty() ? "" : ", ") + tensors_[o].name;
        return text.empty() ? "none" : text;
    }
    bool add_plugin(const RecipeStep& step, const Tensor* inputs, int32_t n_inputs, std::vector<Tensor>* outputs,
                    std::string*) override {
        std::string op = strf("append %s v%s (", step.plugin, step.version);
        for (int32_t i = 0; i < n_inputs; ++i) op += (i ? ", " : "") + tensors_[index(inputs[i])].name;
        op += ")";
        for (int32_t f = 0; f < step.n_fields; ++f) {
            op += strf("%s%s:%d", f ? ", " : " fields ", step.fields[f].name, step.fields[f].type);
        }
        trace_.push_back(op);
        for (int32_t o = 0; o < step.n_outputs; ++o) {
            tensors_.push_back({strf("%s_output_%d", step.plugin, o)});
            outputs->push_back(reinterpret_cast<Tensor>(tensors_.size()));
        }
        return true;
    }
    void set_name(Tensor t, const char* name) override { tensors_[index(t)].name = name; }
    void mark_output(Tensor t) override {
        outputs_.push_back(index(t));
        trace_.push_back("mark " + tensors_[index(t)].name);
    }
    void unmark_output(Tensor t) override {
        for (size_t i = 0; i < outputs_.size(); ++i) {
            if (outputs_[i] == index(t)) outputs_.erase(outputs_.begin() + static_cast<std::ptrdiff_t>(i));
        }
        trace_.push_back("unmark " + tensors_[index(t)].name);
    }
    const std::vector<std::string>& trace() const { return trace_; }

private:
    struct Named {
        std::string name;
    };
    static size_t index(Tensor t) { return reinterpret_cast<size_t>(t) - 1; }
    std::vector<Named> tensors_;
    std::vector<size_t> outputs_;
    std::vector<std::string> trace_;
};

}  // namespace

int dry_run(const RecipeDesc* const* recipes, int32_t n_recipes, const char* function, const char* network,
            char* out, size_t capacity) noexcept {
    int status = 2;
    std::string text;
    try {
        const RecipeDesc* recipe = nullptr;
        for (int32_t i = 0; function && i < n_recipes; ++i) {
            if (std::strcmp(recipes[i]->name, function) == 0) recipe = recipes[i];
        }
        DryRunNetwork net;
        std::string why;
        if (recipe == nullptr) {
            text = strf("error this library has no recipe for '%s'\n", function ? function : "(null)");
        } else if (!net.describe(network ? network : "", &why)) {
            text = "error " + why + "\n";
        } else {
            status = apply_recipe(*recipe, net, &why) ? 0 : 1;
            text = status == 0 ? "ok\n" : "error " + why + "\n";
            text += "outputs " + net.describe_outputs() + "\n";
            for (const std::string& op : net.trace()) text += "trace " + op + "\n";
        }
    } catch (...) {
        text = "error out of memory\n";
        status = 2;
    }
    if (out != nullptr && capacity > 0) {
        const size_t n = text.size() < capacity - 1 ? text.size() : capacity - 1;
        std::memcpy(out, text.data(), n);
        out[n] = '\0';
    }
    return status;
}

void engine_log_error(const char* where, const std::string& message) noexcept {
    std::fprintf(stderr, "trtplug deepstream error: %s: %s\n", where ? where : "?", message.c_str());
}

bool apply_recipe(const RecipeDesc& recipe, RecipeNetwork& network, std::string* why) noexcept {
    try {
        for (int32_t i = 0; i < recipe.n_steps; ++i) {
            std::string cause;
            if (!apply_step(recipe.steps[i], network, &cause)) {
                *why = strf("recipe of %s, step %d (%s): %s", recipe.name, i + 1,
                            describe_step(recipe.steps[i]).c_str(), cause.c_str());
                return false;
            }
        }
        if (network.output_count() == 0) {
            *why = strf("recipe of %s: the network has no outputs left", recipe.name);
            return false;
        }
        return true;
    } catch (...) {
        *why = strf("recipe of %s: out of memory", recipe.name);
        return false;
    }
}

EngineParams read_init_params(const NvDsInferContextInitParams* params) noexcept {
    EngineParams out;
    if (params == nullptr) return out;
    // Read field by field from the bytes: nvinfer's struct is larger and version-dependent past
    // the fields of InitParamsHead.
    const char* base = reinterpret_cast<const char*>(params);
    char path[sizeof(InitParamsHead::onnxFilePath)];
    std::memcpy(path, base + offsetof(InitParamsHead, onnxFilePath), sizeof path);
    path[sizeof path - 1] = '\0';
    std::memcpy(&out.max_batch_size, base + offsetof(InitParamsHead, maxBatchSize), sizeof out.max_batch_size);
    std::memcpy(&out.network_mode, base + offsetof(InitParamsHead, networkMode), sizeof out.network_mode);
    try {
        out.onnx_file = path;
    } catch (...) {
    }
    if (out.max_batch_size == 0) out.max_batch_size = 1;
    return out;
}

}  // namespace ds
}  // namespace trtplug

#ifndef TRTPLUG_DS_ENGINE_NO_TENSORRT

#include <dlfcn.h>

#include <mutex>
#include <type_traits>

#if __has_include(<NvOnnxParser.h>)
#include <NvOnnxParser.h>
#define TRTPLUG_DS_HAVE_ONNX_PARSER 1
#else
#define TRTPLUG_DS_HAVE_ONNX_PARSER 0
#endif

// libnvinfer's registry, present in nvinfer's process; weak so that the library loads without it.
#pragma weak getPluginRegistry

// Recipes use TensorRT's IPluginV2 interfaces (deprecated from 10.0, supported in 11.x) on purpose.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace trtplug {
namespace ds {

namespace {

#define TRTPLUG_STR_(x) #x
#define TRTPLUG_STR(x) TRTPLUG_STR_(x)

template <class T>
void release(T* object) {
    if (object == nullptr) return;
#if NV_TENSORRT_MAJOR < 8
    object->destroy();
#else
    delete object;
#endif
}

class StderrLogger : public nvinfer1::ILogger {
public:
    void log(Severity severity, const char* message) noexcept override {
        if (severity == Severity::kINTERNAL_ERROR || severity == Severity::kERROR || severity == Severity::kWARNING) {
            std::fprintf(stderr, "trtplug deepstream %s: TensorRT: %s\n",
                         severity == Severity::kWARNING ? "warning" : "error", message ? message : "");
        }
    }
};

StderrLogger& logger() {
    static StderrLogger instance;
    return instance;
}

// A symbol of a TensorRT library already in the process, else of `library` opened now.
void* find_symbol(const char* name, const char* library) {
    if (void* p = dlsym(RTLD_DEFAULT, name)) return p;
    void* handle = dlopen(library, RTLD_LAZY | RTLD_GLOBAL);
    return handle ? dlsym(handle, name) : nullptr;
}

// A recipe step's fields as the PluginFieldCollection a creator takes.
class Fields {
public:
    explicit Fields(const RecipeStep& step) {
        for (int32_t f = 0; f < step.n_fields; ++f) {
            const RecipeField& rf = step.fields[f];
            fields_.emplace_back(rf.name, rf.data, static_cast<nvinfer1::PluginFieldType>(rf.type), rf.length);
        }
        collection_.nbFields = static_cast<int32_t>(fields_.size());
        collection_.fields = fields_.data();
    }
    const nvinfer1::PluginFieldCollection* collection() const { return &collection_; }

private:
    std::vector<nvinfer1::PluginField> fields_;
    nvinfer1::PluginFieldCollection collection_{};
};

std::vector<nvinfer1::ITensor*> network_tensors(const RecipeNetwork::Tensor* inputs, int32_t n_inputs) {
    std::vector<nvinfer1::ITensor*> tensors;
    for (int32_t i = 0; i < n_inputs; ++i) tensors.push_back(static_cast<nvinfer1::ITensor*>(inputs[i]));
    return tensors;
}

// Names the layer TensorRT added for `step` and hands its outputs on; false when it added none.
bool added(nvinfer1::ILayer* layer, const RecipeStep& step, const std::string& layer_name,
           std::vector<RecipeNetwork::Tensor>* outputs, std::string* why) {
    if (layer == nullptr) {
        *why = strf("TensorRT did not add plugin '%s' to the network (see its log)", step.plugin);
        return false;
    }
    layer->setName(layer_name.c_str());
    for (int32_t o = 0; o < layer->getNbOutputs(); ++o) outputs->push_back(layer->getOutput(o));
    return true;
}

void destroy_plugin(const MadePlugin& made) {
#if NV_TENSORRT_MAJOR >= 10
    if (made.v3) {
        delete static_cast<nvinfer1::IPluginV3*>(made.plugin);
        return;
    }
#endif
    static_cast<nvinfer1::IPluginV2*>(made.plugin)->destroy();
}

class TrtRecipeNetwork : public RecipeNetwork {
public:
    explicit TrtRecipeNetwork(nvinfer1::INetworkDefinition& network) : network_(network) {}
    ~TrtRecipeNetwork() override {
        for (const MadePlugin& p : plugins_) destroy_plugin(p);
    }
    // Hands the plugins made for appended layers to the caller (they must outlive the build).
    std::vector<MadePlugin> take_plugins() { return std::move(plugins_); }

    Tensor find_tensor(const char* name) override {
        for (int32_t i = 0; i < network_.getNbInputs(); ++i) {
            nvinfer1::ITensor* t = network_.getInput(i);
            if (t && t->getName() && std::strcmp(t->getName(), name) == 0) return t;
        }
        for (int32_t l = 0; l < network_.getNbLayers(); ++l) {
            nvinfer1::ILayer* layer = network_.getLayer(l);
            for (int32_t o = 0; layer && o < layer->getNbOutputs(); ++o) {
                nvinfer1::ITensor* t = layer->getOutput(o);
                if (t && t->getName() && std::strcmp(t->getName(), name) == 0) return t;
            }
        }
        return nullptr;
    }
    bool is_output(Tensor tensor) override { return static_cast<nvinfer1::ITensor*>(tensor)->isNetworkOutput(); }
    int32_t output_count() override { return network_.getNbOutputs(); }
    std::string describe_outputs() override {
        std::string text;
        for (int32_t i = 0; i < network_.getNbOutputs(); ++i) {
            text += (i ? ", " : "") + std::string(network_.getOutput(i)->getName());
        }
        return text.empty() ? "none" : text;
    }
    bool add_plugin(const RecipeStep& step, const Tensor* inputs, int32_t n_inputs, std::vector<Tensor>* outputs,
                    std::string* why) override {
        nvinfer1::IPluginRegistry* registry = &getPluginRegistry != nullptr ? getPluginRegistry() : nullptr;
        if (registry == nullptr) {
            *why = "TensorRT's plugin registry is not in this process (is libnvinfer loaded?)";
            return false;
        }
        const char* ns = step.plugin_namespace ? step.plugin_namespace : "";
        nvinfer1::IPluginCreator* creator = nullptr;
#if NV_TENSORRT_MAJOR >= 10
        nvinfer1::IPluginCreatorInterface* found = registry->getCreator(step.plugin, step.version, ns);
        if (found != nullptr && std::strcmp(found->getInterfaceInfo().kind, "PLUGIN CREATOR_V3ONE") == 0) {
            return add_plugin_v3(static_cast<nvinfer1::IPluginCreatorV3One&>(*found), step, inputs, n_inputs, outputs,
                                 why);
        }
        if (found != nullptr && std::strcmp(found->getInterfaceInfo().kind, "PLUGIN CREATOR_V1") != 0) {
            *why = strf("plugin '%s' v%s is registered as %s, which recipes cannot append", step.plugin, step.version,
                        found->getInterfaceInfo().kind);
            return false;
        }
        creator = static_cast<nvinfer1::IPluginCreator*>(found);
#else
        creator = registry->getPluginCreator(step.plugin, step.version, ns);
#endif
        if (creator == nullptr) {
            *why = strf("plugin '%s' version '%s' (namespace '%s') is not in TensorRT's plugin registry", step.plugin,
                        step.version, ns);
            return false;
        }
        Fields fields(step);
        const std::string layer_name = strf("trtplug_%s_%d", step.plugin, ++layer_count_);
        nvinfer1::IPluginV2* plugin = creator->createPlugin(layer_name.c_str(), fields.collection());
        if (plugin == nullptr) {
            *why = strf("plugin '%s' v%s refused its fields (see the log line above)", step.plugin, step.version);
            return false;
        }
        plugins_.push_back({plugin, false});
        std::vector<nvinfer1::ITensor*> tensors = network_tensors(inputs, n_inputs);
        nvinfer1::IPluginV2Layer* layer = network_.addPluginV2(tensors.data(), n_inputs, *plugin);
        return added(layer, step, layer_name, outputs, why);
    }
#if NV_TENSORRT_MAJOR >= 10
    // IPluginV3 (trtplug compile --interface v3): created in the build phase, added with addPluginV3.
    bool add_plugin_v3(nvinfer1::IPluginCreatorV3One& creator, const RecipeStep& step, const Tensor* inputs,
                       int32_t n_inputs, std::vector<Tensor>* outputs, std::string* why) {
        Fields fields(step);
        const std::string layer_name = strf("trtplug_%s_%d", step.plugin, ++layer_count_);
        nvinfer1::IPluginV3* plugin =
            creator.createPlugin(layer_name.c_str(), fields.collection(), nvinfer1::TensorRTPhase::kBUILD);
        if (plugin == nullptr) {
            *why = strf("plugin '%s' v%s refused its fields (see the log line above)", step.plugin, step.version);
            return false;
        }
        plugins_.push_back({plugin, true});
        std::vector<nvinfer1::ITensor*> tensors = network_tensors(inputs, n_inputs);
        nvinfer1::IPluginV3Layer* layer = network_.addPluginV3(tensors.data(), n_inputs, nullptr, 0, *plugin);
        return added(layer, step, layer_name, outputs, why);
    }
#endif

    void set_name(Tensor tensor, const char* name) override { static_cast<nvinfer1::ITensor*>(tensor)->setName(name); }
    void mark_output(Tensor tensor) override { network_.markOutput(*static_cast<nvinfer1::ITensor*>(tensor)); }
    void unmark_output(Tensor tensor) override { network_.unmarkOutput(*static_cast<nvinfer1::ITensor*>(tensor)); }

private:
    nvinfer1::INetworkDefinition& network_;
    std::vector<MadePlugin> plugins_;
    int32_t layer_count_ = 0;
};

bool parse_onnx(nvinfer1::INetworkDefinition& network, const std::string& path, std::string* why) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        *why = "the model file '" + path + "' cannot be read";
        return false;
    }
    std::fclose(f);
#if TRTPLUG_DS_HAVE_ONNX_PARSER
    using CreateFn = decltype(&createNvOnnxParser_INTERNAL);
    auto create = reinterpret_cast<CreateFn>(
        find_symbol("createNvOnnxParser_INTERNAL", "libnvonnxparser.so." TRTPLUG_STR(NV_TENSORRT_MAJOR)));
    if (create == nullptr) {
        *why = "TensorRT's ONNX parser (libnvonnxparser.so." TRTPLUG_STR(NV_TENSORRT_MAJOR) ") is not loaded and "
               "could not be opened";
        return false;
    }
    auto* parser = static_cast<nvonnxparser::IParser*>(create(&network, &logger(), NV_ONNX_PARSER_VERSION));
    if (parser == nullptr) {
        *why = "TensorRT's ONNX parser could not be created";
        return false;
    }
    const bool ok = parser->parseFromFile(path.c_str(), static_cast<int>(nvinfer1::ILogger::Severity::kWARNING));
    if (!ok) {
        *why = "the model file '" + path + "' does not parse";
        for (int32_t i = 0; i < parser->getNbErrors() && i < 3; ++i) {
            *why += std::string(i ? "; " : ": ") + parser->getError(i)->desc();
        }
    }
    release(parser);
    return ok;
#else
    (void)network;
    *why = "this library was built without TensorRT's ONNX parser header (NvOnnxParser.h; it is not in the "
           "include/ folder of TensorRT " TRTPLUG_STR(NV_TENSORRT_MAJOR) "'s public repository): rebuild it with "
           "that header on the include path";
    return false;
#endif
}

#if NV_TENSORRT_MAJOR >= 8
nvinfer1::IRuntime* shared_runtime(std::string* why) {
    // One runtime for the life of the process: engines it deserializes must not outlive it, and
    // nvinfer keeps engines as long as the pipeline runs.
    static std::mutex mutex;
    static nvinfer1::IRuntime* runtime = nullptr;
    std::lock_guard<std::mutex> lock(mutex);
    if (runtime == nullptr) {
        using CreateFn = decltype(&createInferRuntime_INTERNAL);
        auto create = reinterpret_cast<CreateFn>(
            find_symbol("createInferRuntime_INTERNAL", "libnvinfer.so." TRTPLUG_STR(NV_TENSORRT_MAJOR)));
        runtime = create ? static_cast<nvinfer1::IRuntime*>(create(&logger(), NV_TENSORRT_VERSION)) : nullptr;
        if (runtime == nullptr) *why = "no TensorRT runtime could be created (libnvinfer not loaded?)";
    }
    return runtime;
}
#endif

// An optimization profile for inputs whose batch dimension is dynamic, when nvinfer's config has
// none: batch 1 .. max batch size, optimized for the max.
bool add_batch_profile(nvinfer1::IBuilder& builder, nvinfer1::INetworkDefinition& network,
                       nvinfer1::IBuilderConfig& config, unsigned max_batch, std::string* why) {
    if (config.getNbOptimizationProfiles() > 0) return true;
    nvinfer1::IOptimizationProfile* profile = nullptr;
    for (int32_t i = 0; i < network.getNbInputs(); ++i) {
        nvinfer1::ITensor* input = network.getInput(i);
        nvinfer1::Dims dims = input->getDimensions();
        bool dynamic = false;
        for (int32_t a = 0; a < dims.nbDims; ++a) {
            if (dims.d[a] >= 0) continue;
            if (a != 0) {
                *why = strf("input '%s' has a dynamic dimension %d besides the batch; export the model with fixed "
                            "sizes (or infer-dims)", input->getName(), a);
                return false;
            }
            dynamic = true;
        }
        if (!dynamic) continue;
        if (profile == nullptr) profile = builder.createOptimizationProfile();
        if (profile == nullptr) {
            *why = "TensorRT did not create an optimization profile";
            return false;
        }
        nvinfer1::Dims lo = dims, hi = dims;
        lo.d[0] = 1;
        hi.d[0] = static_cast<std::remove_reference<decltype(hi.d[0])>::type>(max_batch);
        profile->setDimensions(input->getName(), nvinfer1::OptProfileSelector::kMIN, lo);
        profile->setDimensions(input->getName(), nvinfer1::OptProfileSelector::kOPT, hi);
        profile->setDimensions(input->getName(), nvinfer1::OptProfileSelector::kMAX, hi);
    }
    if (profile != nullptr && config.addOptimizationProfile(profile) < 0) {
        *why = "TensorRT refused the batch optimization profile";
        return false;
    }
    return true;
}

nvinfer1::INetworkDefinition* create_network(nvinfer1::IBuilder& builder) {
#if NV_TENSORRT_MAJOR >= 10
    return builder.createNetworkV2(0);  // explicit batch is the only mode
#else
    return builder.createNetworkV2(1U << static_cast<uint32_t>(nvinfer1::NetworkDefinitionCreationFlag::kEXPLICIT_BATCH));
#endif
}

bool build(const EngineCreateDesc& desc, nvinfer1::IBuilder& builder, nvinfer1::IBuilderConfig* config,
           const EngineParams& params, nvinfer1::DataType data_type, nvinfer1::ICudaEngine** engine,
           std::string* why) {
    const std::string model = desc.model ? desc.model : params.onnx_file;
    if (model.empty()) {
        *why = "no ONNX model: set onnx-file in the nvinfer config";
        return false;
    }
    nvinfer1::INetworkDefinition* network = create_network(builder);
    if (network == nullptr) {
        *why = "TensorRT did not create a network definition";
        return false;
    }
    nvinfer1::IBuilderConfig* own_config = nullptr;
    bool ok = false;
    {
        TrtRecipeNetwork recipe_network(*network);
        ok = parse_onnx(*network, model, why) && apply_recipe(desc.recipe, recipe_network, why);
        if (ok && config == nullptr) {
            // DeepStream 5.x passes no builder config: precision from dataType and network-mode.
            own_config = config = builder.createBuilderConfig();
            if (config == nullptr) {
                *why = "TensorRT did not create a builder config";
                ok = false;
            } else {
#if NV_TENSORRT_MAJOR < 10
                if (data_type == nvinfer1::DataType::kHALF) config->setFlag(nvinfer1::BuilderFlag::kFP16);
                if (params.network_mode == 1) {
                    config->setFlag(nvinfer1::BuilderFlag::kINT8);
                    engine_log_error(desc.func_name, "INT8 requested without a calibrator; set dynamic ranges in "
                                                     "the model or use FP16");
                }
#endif
#if NV_TENSORRT_MAJOR < 8
                builder.setMaxBatchSize(static_cast<int32_t>(params.max_batch_size));
#endif
            }
        }
        (void)data_type;
        ok = ok && add_batch_profile(builder, *network, *config, params.max_batch_size, why);
        if (ok) {
#if NV_TENSORRT_MAJOR < 8
            *engine = builder.buildEngineWithConfig(*network, *config);
#else
            nvinfer1::IHostMemory* plan = builder.buildSerializedNetwork(*network, *config);
            nvinfer1::IRuntime* runtime = plan ? shared_runtime(why) : nullptr;
            if (runtime != nullptr) *engine = runtime->deserializeCudaEngine(plan->data(), plan->size());
            delete plan;
#endif
            if (*engine == nullptr && why->empty()) *why = "TensorRT could not build the engine (see its log above)";
            ok = *engine != nullptr;
        }
    }  // the recipe's plugins are destroyed here, after the build
    release(own_config);
    release(network);
    return ok;
}

}  // namespace

bool create_engine(const EngineCreateDesc& desc, nvinfer1::IBuilder* builder, nvinfer1::IBuilderConfig* config,
                   const NvDsInferContextInitParams* params, nvinfer1::DataType data_type,
                   nvinfer1::ICudaEngine*& engine) noexcept {
    engine = nullptr;
    std::string why;
    try {
        if (builder == nullptr) {
            why = "nvinfer passed no builder";
        } else if (build(desc, *builder, config, read_init_params(params), data_type, &engine, &why)) {
            return true;
        }
    } catch (...) {
        why = "out of memory";
    }
    engine_log_error(desc.func_name, why);
    return false;
}

RecipeModelParser::RecipeModelParser(const ModelParserDesc& desc, EngineParams params)
    : desc_(desc), params_(std::move(params)) {}

RecipeModelParser::~RecipeModelParser() {
    for (const MadePlugin& p : plugins_) destroy_plugin(p);
}

NvDsInferStatus RecipeModelParser::parseModel(nvinfer1::INetworkDefinition& network) {
    std::string why;
    try {
        const std::string model = desc_.model ? desc_.model : params_.onnx_file;
        if (model.empty()) {
            why = "no ONNX model: set onnx-file in the nvinfer config";
        } else {
            TrtRecipeNetwork recipe_network(network);
            if (parse_onnx(network, model, &why) && apply_recipe(desc_.recipe, recipe_network, &why)) {
                std::vector<MadePlugin> made = recipe_network.take_plugins();
                plugins_.insert(plugins_.end(), made.begin(), made.end());
                return NVDSINFER_SUCCESS;
            }
        }
    } catch (...) {
        why = "out of memory";
    }
    engine_log_error("NvDsInferCreateModelParser", why);
    return NVDSINFER_CUSTOM_LIB_FAILED;
}

IModelParser* create_model_parser(const ModelParserDesc& desc, const NvDsInferContextInitParams* params) noexcept {
    EngineParams p = read_init_params(params);
    if (desc.model == nullptr && p.onnx_file.empty()) {
        engine_log_error("NvDsInferCreateModelParser", "no ONNX model: set onnx-file in the nvinfer config");
        return nullptr;
    }
    IModelParser* parser = new (std::nothrow) RecipeModelParser(desc, std::move(p));
    if (parser == nullptr) engine_log_error("NvDsInferCreateModelParser", "out of memory");
    return parser;
}

}  // namespace ds
}  // namespace trtplug

#pragma GCC diagnostic pop

#endif  // TRTPLUG_DS_ENGINE_NO_TENSORRT
