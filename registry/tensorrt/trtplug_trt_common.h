// What the two TensorRT plugin interfaces trtplug implements have in common: IPluginV2DynamicExt
// (trtplug_trt_plugin.h) and IPluginV3 (trtplug_trt_v3_plugin.h) read the same tensor
// descriptions, build output dimensions with the same IExprBuilder, accept the same PluginFields
// and log the same way. Those pieces live here, once, and forward to the core.
//
// Also the library entry points both interfaces export: setLoggerFinder and
// trtplug_tensorrt_version (the creator list, getCreators / getPluginCreators, is per interface).
#pragma once

#include <cstdint>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

#include "trtplug_core.h"
#include "trtplug_launch_cache.h"
#include "trtplug_library.h"
#include "trtplug_trt_compat.h"
#include "trtplug_util.h"

namespace trtplug {
namespace trt {

// Most tensors (inputs + outputs) one plugin may have.
constexpr int32_t kMaxTensors = 64;

// Maps TensorRT's DataType to the core's DType; false for types trtplug kernels never take.
bool to_dtype(nvinfer1::DataType type, DType* out) noexcept;

// ------------------------------------------------------------------------------ logging
// "[trtplug] <namespace>::<plugin>: <message>", built in a fixed buffer: never throws.
void log_plugin(Severity severity, const std::string& plugin_namespace, const PluginDesc& desc,
                const char* message) noexcept;
void log_pluginf(Severity severity, const std::string& plugin_namespace, const PluginDesc& desc, const char* fmt,
                 ...) noexcept __attribute__((format(printf, 4, 5)));

// ------------------------------------------------------------------------ data types
// "float32, float32 -> float16" for a list of TensorRT tensor descriptions. May throw std::bad_alloc.
std::string describe_types(const nvinfer1::PluginTensorDesc* inputs, int32_t n_inputs,
                           const nvinfer1::PluginTensorDesc* outputs, int32_t n_outputs);
// "float32 -> float32; float16 -> float16": every declared dtype combination. May throw std::bad_alloc.
std::string supported_types(const PluginDesc& desc);

// The variant (index into desc.variants) for these io types, or -1 with *error saying why.
int32_t variant_for_types(const PluginDesc& desc, const nvinfer1::PluginTensorDesc* inputs,
                          const nvinfer1::PluginTensorDesc* outputs, std::string* error) noexcept;
// The type output `index` has when the inputs have `input_types`: that of the variant whose
// leading input types agree longest with them (an exact match when there is one; a combination
// no variant declares is refused later, by supportsFormatCombination).
nvinfer1::DataType output_type_for(const PluginDesc& desc, int32_t index, const nvinfer1::DataType* input_types,
                                   int32_t nb_inputs) noexcept;
// Whether a supportsFormatCombination query describes the plugin's tensors and asks about one of them
// (TensorRT asks many times while it explores formats: a rejection is normal and not logged).
bool format_query_valid(const PluginDesc& desc, const void* in_out, int32_t pos, int32_t nb_inputs,
                        int32_t nb_outputs) noexcept;
// Whether some variant accepts types[0..pos] in linear format at pos (supportsFormatCombination).
bool format_supported(const PluginDesc& desc, int32_t pos, const nvinfer1::DataType* types,
                      nvinfer1::TensorFormat format) noexcept;

// ---------------------------------------------------------------------------- shapes
// Builds IDimensionExpr trees from a traced shape expression (see trtplug_expr_symbolic.h).
class DimsExprBuilder {
public:
    using Value = const nvinfer1::IDimensionExpr*;

    DimsExprBuilder(const nvinfer1::DimsExprs* inputs, int32_t n_inputs, nvinfer1::IExprBuilder& builder)
        : inputs_(inputs), n_inputs_(n_inputs), builder_(builder) {}

    int32_t n_inputs() const { return n_inputs_; }
    int32_t rank(int32_t input) const { return inputs_[input].nbDims; }

    bool constant(int64_t v, Value* out, std::string* error);
    bool dim(int32_t input, int32_t axis, Value* out, std::string* error);
    bool numel(int32_t input, Value* out, std::string* error);
    bool binary(ExprOp op, const Value& a, const Value& b, Value* out, std::string* error);

private:
    static bool checked(Value v, std::string* error);
    bool apply(nvinfer1::DimensionOperation op, const nvinfer1::IDimensionExpr& a, const nvinfer1::IDimensionExpr& b,
               Value* out, std::string* error);
    // 1 - (a op b), for a condition op TensorRT has only the complement of.
    bool negated(nvinfer1::DimensionOperation op, const nvinfer1::IDimensionExpr& a,
                 const nvinfer1::IDimensionExpr& b, Value* out, std::string* error);

    const nvinfer1::DimsExprs* inputs_;
    int32_t n_inputs_;
    nvinfer1::IExprBuilder& builder_;
};

// The shapes of a call's tensors, constructed only for the tensors there are: enqueue runs on every
// inference, and default-constructing kMaxTensors shapes would zero 4.6 KiB each time.
class TensorShapes {
public:
    TensorShapes(nvinfer1::PluginTensorDesc const* tensors, int32_t n) noexcept {
        for (int32_t i = 0; i < n; ++i) new (&storage_[i]) Shape(detail::shape_from_dims(tensors[i].dims));
    }
    operator const Shape*() const noexcept { return reinterpret_cast<const Shape*>(storage_); }

private:
    static_assert(std::is_trivially_destructible<Shape>::value, "TensorShapes never destroys its shapes");
    typename std::aligned_storage<sizeof(Shape), alignof(Shape)>::type storage_[kMaxTensors];
};

// An input's dims as far as they are constant; -1 marks a dim TensorRT only knows symbolically.
Shape known_dims(const nvinfer1::DimsExprs& dims) noexcept;

// The dimension expressions of output `output_index` for these input expressions: the checks the
// constant dims decide (ranks, constraints, output dims) fail now, the rest at configure and enqueue.
// False with *error (no prefix) when TensorRT cannot be given a shape.
bool output_dims_exprs(const PluginDesc& desc, const AttrValues& values, int32_t output_index,
                       const nvinfer1::DimsExprs* inputs, int32_t nb_inputs, nvinfer1::IExprBuilder& builder,
                       nvinfer1::DimsExprs* out, std::string* error);

#if NV_TENSORRT_MAJOR >= 10
// Replaces the data-dependent dim of each such output (holding its upper bound, as
// output_dims_exprs gives it) by the size tensor TensorRT is told of, once per size tensor, with
// that upper bound as bound and auto-tuning value. Size tensors themselves stay 0-d.
bool declare_size_tensors(const PluginDesc& desc, nvinfer1::DimsExprs* outputs, int32_t nb_outputs,
                          nvinfer1::IExprBuilder& builder, std::string* error);
#endif

// The input shape the workspace TensorRT allocates was sized for: the profile's max dims (or the
// current ones, where larger or where there is no max).
bool capacity_shape(const nvinfer1::DynamicPluginTensorDesc& in, Shape* out) noexcept;

// The shape sets configurePlugin describes: 0 current, 1 the profile's min, 2 opt, 3 max.
constexpr int32_t kProfileShapeSets = 4;
extern const char* const kProfileLabels[kProfileShapeSets];
// The dims of one shape set, or null where this TensorRT version has none.
const nvinfer1::Dims* profile_dims(const nvinfer1::DynamicPluginTensorDesc& d, int32_t which) noexcept;
// Concrete shapes of one set, false when some dim is unknown (-1) or the set is missing.
bool concrete_shapes(nvinfer1::DynamicPluginTensorDesc const* in, int32_t nb_inputs, int32_t which,
                     Shape* shapes) noexcept;
// Whether every concrete shape set configurePlugin describes satisfies the constraints and gives
// valid output dims; false with *error naming the first that does not.
bool profile_shapes_accepted(const PluginDesc& desc, const AttrValues& values,
                             nvinfer1::DynamicPluginTensorDesc const* in, int32_t nb_inputs, std::string* error);

// What configurePlugin learns for enqueue: whether the shapes were refused, and the workspace
// TensorRT allocates (getWorkspaceSize at the max shapes).
struct Configuration {
    bool shapes_rejected = false;
    bool workspace_known = false;
    size_t workspace_capacity = 0;
};
// configurePlugin's checks; false with *error (no prefix) when something was refused. `config`
// always holds what enqueue must respect afterwards.
bool configure_for(const PluginDesc& desc, const AttrValues& values, nvinfer1::DynamicPluginTensorDesc const* in,
                   int32_t nb_inputs, nvinfer1::DynamicPluginTensorDesc const* out, int32_t nb_outputs,
                   Configuration* config, std::string* error) noexcept;

// enqueue of tactic `tactic` (a core tactic index) through a plugin instance's launch cache; false
// with *error (no prefix).
bool enqueue_planned(const PluginDesc& desc, const AttrValues& values, int32_t tactic, LaunchCache& launches,
                     const Configuration& config, nvinfer1::PluginTensorDesc const* input_desc,
                     nvinfer1::PluginTensorDesc const* output_desc, void const* const* inputs, void* const* outputs,
                     void* workspace, cudaStream_t stream, std::string* error) noexcept;

// ---------------------------------------------------------------------------- fields
// The PluginFieldType each attribute type is advertised with (what ONNX importers pass).
nvinfer1::PluginFieldType advertised_type(AttrType type) noexcept;
// The core's FieldType for a PluginFieldType trtplug attributes accept; false for the others.
bool to_field_type(nvinfer1::PluginFieldType type, FieldType* out) noexcept;
// getFieldNames(): one field per attribute, no data. May throw std::bad_alloc.
std::vector<nvinfer1::PluginField> advertised_fields(const PluginDesc& desc);
// Attribute values from createPlugin's fields (null: every default), each checked by the core
// (name, type, length, range). False with *error (no prefix) naming the field.
bool attrs_from_fields(const PluginDesc& desc, const nvinfer1::PluginFieldCollection* fields, AttrValues* values,
                       std::string* error);

// What a creator's getFieldNames() returns, made once with the creator: advertised_fields(desc), or
// no fields (with one line logged for plugin_namespace::desc.name) where there was no memory for them.
class FieldNames {
public:
    FieldNames(const PluginDesc& desc, const char* plugin_namespace) noexcept;
    FieldNames(const FieldNames&) = delete;
    FieldNames& operator=(const FieldNames&) = delete;

    const nvinfer1::PluginFieldCollection* collection() const noexcept { return &collection_; }

private:
    std::vector<nvinfer1::PluginField> fields_;
    nvinfer1::PluginFieldCollection collection_{};
};

}  // namespace trt
}  // namespace trtplug

// Exported by every library with a TensorRT adapter, whichever interface it implements.
TRTPLUG_EXPORT void setLoggerFinder(nvinfer1::ILoggerFinder* finder) noexcept;
TRTPLUG_EXPORT int32_t trtplug_tensorrt_version(void) noexcept;
