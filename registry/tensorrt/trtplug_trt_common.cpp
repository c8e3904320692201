// The pieces IPluginV2DynamicExt and IPluginV3 share (see trtplug_trt_common.h), and the entry
// points every library with a TensorRT adapter exports.
#include "trtplug_trt_common.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <string>

#include "trtplug_expr_symbolic.h"

namespace trtplug {
namespace trt {

using detail::strf;

bool to_dtype(nvinfer1::DataType type, DType* out) noexcept { return detail::dtype_from_trt(type, out); }

// ------------------------------------------------------------------------------ logging
void log_plugin(Severity severity, const std::string& plugin_namespace, const PluginDesc& desc,
                const char* message) noexcept {
    log_line(severity, plugin_namespace.c_str(), desc.name, message);
}

void log_pluginf(Severity severity, const std::string& plugin_namespace, const PluginDesc& desc, const char* fmt,
                 ...) noexcept {
    char line[1024];  // a fixed buffer: usable where allocating could throw
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    log_line(severity, plugin_namespace.c_str(), desc.name, line);
}

// ------------------------------------------------------------------------ data types
std::string describe_types(const nvinfer1::PluginTensorDesc* inputs, int32_t n_inputs,
                           const nvinfer1::PluginTensorDesc* outputs, int32_t n_outputs) {
    std::string text;
    for (int32_t i = 0; i < n_inputs; ++i) text += (i ? ", " : "") + std::string(trt_dtype_name(inputs[i].type));
    text += " -> ";
    for (int32_t i = 0; i < n_outputs; ++i) text += (i ? ", " : "") + std::string(trt_dtype_name(outputs[i].type));
    return text;
}

std::string supported_types(const PluginDesc& desc) {
    std::string text;
    for (int32_t v = 0; v < desc.n_variants; ++v) {
        text += v ? "; " : "";
        for (int32_t i = 0; i < desc.n_inputs + desc.n_outputs; ++i) {
            if (i == desc.n_inputs) text += " -> ";
            else if (i) text += ", ";
            text += detail::dtype_name(desc.variants[v].io_types[i]);
        }
    }
    return text.empty() ? "(none)" : text;
}

int32_t variant_for_types(const PluginDesc& desc, const nvinfer1::PluginTensorDesc* inputs,
                          const nvinfer1::PluginTensorDesc* outputs, std::string* error) noexcept {
    const int32_t n_in = desc.n_inputs;
    const int32_t n_out = desc.n_outputs;
    DType types[kMaxTensors];
    bool representable = n_in + n_out <= kMaxTensors;
    for (int32_t i = 0; representable && i < n_in + n_out; ++i) {
        representable = to_dtype(i < n_in ? inputs[i].type : outputs[i - n_in].type, &types[i]);
    }
    const int32_t variant = representable ? find_variant(desc, types) : -1;
    if (variant < 0) {
        try {
            *error = "no variant for the data types (" + describe_types(inputs, n_in, outputs, n_out) +
                     "); supported: " + supported_types(desc);
        } catch (...) {
            error->clear();
        }
    }
    return variant;
}

nvinfer1::DataType output_type_for(const PluginDesc& desc, int32_t index, const nvinfer1::DataType* input_types,
                                   int32_t nb_inputs) noexcept {
    const int32_t n_in = desc.n_inputs;
    if (desc.n_variants == 0 || index < 0 || index >= desc.n_outputs) return nvinfer1::DataType::kFLOAT;
    int32_t best = 0;
    int32_t best_len = -1;
    for (int32_t v = 0; v < desc.n_variants; ++v) {
        int32_t len = 0;
        for (int32_t i = 0; i < n_in && i < nb_inputs && input_types; ++i, ++len) {
            DType t;
            if (!to_dtype(input_types[i], &t) || t != desc.variants[v].io_types[i]) break;
        }
        if (len > best_len) {
            best = v;
            best_len = len;
        }
    }
    return static_cast<nvinfer1::DataType>(static_cast<int32_t>(desc.variants[best].io_types[n_in + index]));
}

bool format_query_valid(const PluginDesc& desc, const void* in_out, int32_t pos, int32_t nb_inputs,
                        int32_t nb_outputs) noexcept {
    return in_out != nullptr && nb_inputs == desc.n_inputs && nb_outputs == desc.n_outputs && pos >= 0 &&
           pos < nb_inputs + nb_outputs && pos < kMaxTensors;
}

bool format_supported(const PluginDesc& desc, int32_t pos, const nvinfer1::DataType* types,
                      nvinfer1::TensorFormat format) noexcept {
    if (format != nvinfer1::TensorFormat::kLINEAR || pos < 0 || pos >= kMaxTensors) return false;
    DType core[kMaxTensors];
    for (int32_t i = 0; i <= pos; ++i) {
        if (!to_dtype(types[i], &core[i])) return false;
    }
    return variant_prefix_supported(desc, core, pos);
}

// ---------------------------------------------------------------------------- shapes
bool DimsExprBuilder::constant(int64_t v, Value* out, std::string* error) {
    if (static_cast<int64_t>(static_cast<DimValue>(v)) != v) {
        *error = strf("constant %lld does not fit this TensorRT version's dimension type", static_cast<long long>(v));
        return false;
    }
    *out = builder_.constant(static_cast<DimValue>(v));
    return checked(*out, error);
}

bool DimsExprBuilder::dim(int32_t input, int32_t axis, Value* out, std::string* error) {
    *out = inputs_[input].d[axis];
    if (*out == nullptr) {
        *error = strf("TensorRT passed no expression for dimension %d of input %d", axis, input);
        return false;
    }
    return true;
}

bool DimsExprBuilder::numel(int32_t input, Value* out, std::string* error) {
    if (inputs_[input].nbDims == 0) return constant(1, out, error);
    Value acc = nullptr;
    for (int32_t a = 0; a < inputs_[input].nbDims; ++a) {
        Value d = nullptr;
        if (!dim(input, a, &d, error)) return false;
        acc = acc ? builder_.operation(nvinfer1::DimensionOperation::kPROD, *acc, *d) : d;
        if (!checked(acc, error)) return false;
    }
    *out = acc;
    return true;
}

bool DimsExprBuilder::binary(ExprOp op, const Value& a, const Value& b, Value* out, std::string* error) {
    using Op = nvinfer1::DimensionOperation;
    switch (op) {  // the operations TensorRT lacks, from those it has
        case kOpMod: {  // a - (a // b) * b
            Value q = nullptr, qb = nullptr;
            return binary(kOpFloorDiv, a, b, &q, error) && apply(Op::kPROD, *q, *b, &qb, error) &&
                   apply(Op::kSUB, *a, *qb, out, error);
        }
        case kOpEq: return apply(Op::kEQUAL, *a, *b, out, error);
        case kOpNe: return negated(Op::kEQUAL, *a, *b, out, error);
        case kOpLt: return apply(Op::kLESS, *a, *b, out, error);
        case kOpGt: return apply(Op::kLESS, *b, *a, out, error);
        case kOpLe: return negated(Op::kLESS, *b, *a, out, error);
        case kOpGe: return negated(Op::kLESS, *a, *b, out, error);
        case kOpAnd: return apply(Op::kPROD, *a, *b, out, error);  // conditions are 0 or 1
        case kOpOr: return apply(Op::kMAX, *a, *b, out, error);
        default: break;
    }
    Op trt_op;
    switch (op) {
        case kOpAdd: trt_op = Op::kSUM; break;
        case kOpSub: trt_op = Op::kSUB; break;
        case kOpMul: trt_op = Op::kPROD; break;
        case kOpFloorDiv: trt_op = Op::kFLOOR_DIV; break;
        case kOpCeilDiv: trt_op = Op::kCEIL_DIV; break;
        case kOpMin: trt_op = Op::kMIN; break;
        case kOpMax: trt_op = Op::kMAX; break;
        default:
            *error = strf("operation %lld has no TensorRT dimension operation", static_cast<long long>(op));
            return false;
    }
    if ((op == kOpFloorDiv || op == kOpCeilDiv) && b->isConstant() && b->getConstantValue() == 0) {
        *error = "division by a constant zero";
        return false;
    }
    *out = builder_.operation(trt_op, *a, *b);
    return checked(*out, error);
}

bool DimsExprBuilder::checked(Value v, std::string* error) {
    if (v == nullptr) *error = "TensorRT's expression builder returned no expression";
    return v != nullptr;
}

bool DimsExprBuilder::apply(nvinfer1::DimensionOperation op, const nvinfer1::IDimensionExpr& a,
                            const nvinfer1::IDimensionExpr& b, Value* out, std::string* error) {
    *out = builder_.operation(op, a, b);
    return checked(*out, error);
}

bool DimsExprBuilder::negated(nvinfer1::DimensionOperation op, const nvinfer1::IDimensionExpr& a,
                              const nvinfer1::IDimensionExpr& b, Value* out, std::string* error) {
    Value holds = nullptr, one = nullptr;
    return apply(op, a, b, &holds, error) && constant(1, &one, error) &&
           apply(nvinfer1::DimensionOperation::kSUB, *one, *holds, out, error);
}

Shape known_dims(const nvinfer1::DimsExprs& dims) noexcept {
    Shape s;
    s.rank = dims.nbDims < 0 ? 0 : (dims.nbDims > kMaxRank ? kMaxRank : dims.nbDims);
    for (int32_t a = 0; a < s.rank; ++a) {
        const nvinfer1::IDimensionExpr* d = dims.d[a];
        s.dims[a] = d != nullptr && d->isConstant() && d->getConstantValue() >= 0 ? d->getConstantValue() : -1;
    }
    return s;
}

bool output_dims_exprs(const PluginDesc& desc, const AttrValues& values, int32_t output_index,
                       const nvinfer1::DimsExprs* inputs, int32_t nb_inputs, nvinfer1::IExprBuilder& builder,
                       nvinfer1::DimsExprs* out, std::string* error) {
    if (output_index < 0 || output_index >= desc.n_outputs) {
        *error = strf("output index %d out of range (%d outputs)", output_index, desc.n_outputs);
        return false;
    }
    if (nb_inputs != desc.n_inputs || (nb_inputs > 0 && inputs == nullptr) || nb_inputs > kMaxTensors) {
        *error = strf("got %d inputs, the plugin takes %d", nb_inputs, desc.n_inputs);
        return false;
    }
    for (int32_t i = 0; i < nb_inputs; ++i) {
        const int32_t want = desc.input_ranks ? desc.input_ranks[i] : -1;
        if (inputs[i].nbDims < 0 || inputs[i].nbDims > kMaxRank || (want >= 0 && inputs[i].nbDims != want)) {
            *error = strf("input %d ('%s') has rank %d, expected %s%d", i, desc.io_names[i], inputs[i].nbDims,
                          want >= 0 ? "" : "at most ", want >= 0 ? want : kMaxRank);
            return false;
        }
    }
    Shape known[kMaxTensors];
    for (int32_t i = 0; i < nb_inputs; ++i) known[i] = known_dims(inputs[i]);
    Error err;
    if (check_known_shapes(desc, values, known, output_index, &err) != Status::kOk) {
        *error = err.message;
        return false;
    }
    const OutputDesc& od = desc.outputs[output_index];
    if (od.copy_input_shape) {
        if (od.input < 0 || od.input >= nb_inputs) {
            *error = strf("output %d copies the shape of input %d, which does not exist", output_index, od.input);
            return false;
        }
        *out = inputs[od.input];
        return true;
    }
    if (od.rank < 0 || od.rank > kMaxRank) {
        *error = strf("output %d has rank %d", output_index, od.rank);
        return false;
    }
    DimsExprBuilder walker(inputs, nb_inputs, builder);
    nvinfer1::DimsExprs result{};
    result.nbDims = od.rank;
    for (int32_t a = 0; a < od.rank; ++a) {
        std::string why;
        if (!eval_symbolic(od.shape[a], walker, &desc, &values, &result.d[a], &why)) {
            *error = strf("output '%s' dimension %d: %s", desc.io_names[desc.n_inputs + output_index], a, why.c_str());
            return false;
        }
    }
    *out = result;
    return true;
}

#if NV_TENSORRT_MAJOR >= 10
bool declare_size_tensors(const PluginDesc& desc, nvinfer1::DimsExprs* outputs, int32_t nb_outputs,
                          nvinfer1::IExprBuilder& builder, std::string* error) {
    nvinfer1::IDimensionExpr const* declared[kMaxTensors] = {};
    for (int32_t k = 0; k < nb_outputs && k < kMaxTensors; ++k) {
        const OutputDesc& od = desc.outputs[k];
        if (od.size_output < 0) continue;
        const char* name = desc.io_names[desc.n_inputs + k];
        if (od.size_output >= nb_outputs || od.size_output >= kMaxTensors || od.size_dim < 0 ||
            od.size_dim >= outputs[k].nbDims || outputs[k].d[od.size_dim] == nullptr) {
            *error = strf("output %d ('%s'): data-dependent dim %d counted by output %d does not exist", k, name,
                          od.size_dim, od.size_output);
            return false;
        }
        nvinfer1::IDimensionExpr const*& size = declared[od.size_output];
        if (size == nullptr) {
            const nvinfer1::IDimensionExpr& upper = *outputs[k].d[od.size_dim];
            size = builder.declareSizeTensor(od.size_output, upper, upper);
            if (size == nullptr) {
                *error = strf("output %d ('%s'): TensorRT refused size tensor output %d ('%s')", k, name,
                              od.size_output, desc.io_names[desc.n_inputs + od.size_output]);
                return false;
            }
        }
        outputs[k].d[od.size_dim] = size;
    }
    return true;
}
#endif

bool capacity_shape(const nvinfer1::DynamicPluginTensorDesc& in, Shape* out) noexcept {
    const Shape max = detail::shape_from_dims(in.max);
    const Shape now = detail::shape_from_dims(in.desc.dims);
    const bool max_ok = in.max.nbDims == in.desc.dims.nbDims && in.max.nbDims >= 0 && in.max.nbDims <= kMaxRank;
    bool now_ok = in.desc.dims.nbDims >= 0 && in.desc.dims.nbDims <= kMaxRank;
    for (int32_t a = 0; now_ok && a < now.rank; ++a) now_ok = now.dims[a] >= 0;
    if (!max_ok) {
        *out = now;
        return now_ok;
    }
    *out = max;
    for (int32_t a = 0; a < max.rank; ++a) {
        if (out->dims[a] < 0) return false;
        if (now_ok && now.dims[a] > out->dims[a]) out->dims[a] = now.dims[a];
    }
    return true;
}

const char* const kProfileLabels[kProfileShapeSets] = {"current", "profile's min", "profile's opt", "profile's max"};

const nvinfer1::Dims* profile_dims(const nvinfer1::DynamicPluginTensorDesc& d, int32_t which) noexcept {
    switch (which) {
        case 0: return &d.desc.dims;
        case 1: return &d.min;
#if NV_TENSORRT_MAJOR >= 10
        case 2: return &d.opt;
#endif
        case 3: return &d.max;
        default: return nullptr;
    }
}

bool concrete_shapes(nvinfer1::DynamicPluginTensorDesc const* in, int32_t nb_inputs, int32_t which,
                     Shape* shapes) noexcept {
    for (int32_t i = 0; i < nb_inputs; ++i) {
        const nvinfer1::Dims* d = profile_dims(in[i], which);
        if (d == nullptr || d->nbDims < 0 || d->nbDims > kMaxRank) return false;
        shapes[i] = detail::shape_from_dims(*d);
        for (int32_t a = 0; a < shapes[i].rank; ++a) {
            if (shapes[i].dims[a] < 0) return false;
        }
    }
    return true;
}

bool profile_shapes_accepted(const PluginDesc& desc, const AttrValues& values,
                             nvinfer1::DynamicPluginTensorDesc const* in, int32_t nb_inputs, std::string* error) {
    for (int32_t which = 0; which < kProfileShapeSets; ++which) {
        Shape shapes[kMaxTensors];
        if (nb_inputs > kMaxTensors || !concrete_shapes(in, nb_inputs, which, shapes)) continue;
        Error err;
        Status s = check_constraints(desc, values, shapes, &err);
        for (int32_t o = 0; s == Status::kOk && o < desc.n_outputs; ++o) {
            Shape ignored;
            s = output_shape(desc, values, shapes, o, &ignored, &err);
        }
        if (s == Status::kOk) continue;
        std::string given;
        for (int32_t i = 0; i < nb_inputs; ++i) {
            given += (i ? ", " : "") + std::string(desc.io_names[i]) + " " + detail::shape_text(shapes[i]);
        }
        *error = std::string("the ") + kProfileLabels[which] + " input shapes (" + given + "): " + err.message;
        return false;
    }
    return true;
}

bool configure_for(const PluginDesc& desc, const AttrValues& values, nvinfer1::DynamicPluginTensorDesc const* in,
                   int32_t nb_inputs, nvinfer1::DynamicPluginTensorDesc const* out, int32_t nb_outputs,
                   Configuration* config, std::string* error) noexcept {
    *config = Configuration{};
    try {
        if (nb_inputs != desc.n_inputs || nb_outputs != desc.n_outputs || (nb_inputs && !in) ||
            (nb_outputs && !out) || nb_inputs > kMaxTensors || nb_outputs > kMaxTensors) {
            *error = strf("got %d inputs and %d outputs, the plugin has %d and %d", nb_inputs, nb_outputs,
                          desc.n_inputs, desc.n_outputs);
            return false;
        }
        nvinfer1::PluginTensorDesc ins[kMaxTensors];
        nvinfer1::PluginTensorDesc outs[kMaxTensors];
        Shape shapes[kMaxTensors];
        bool capacity_ok = true;
        for (int32_t i = 0; i < nb_inputs; ++i) {
            ins[i] = in[i].desc;
            capacity_ok = capacity_shape(in[i], &shapes[i]) && capacity_ok;
        }
        for (int32_t i = 0; i < nb_outputs; ++i) outs[i] = out[i].desc;
        std::string no_variant;
        const int32_t variant = variant_for_types(desc, ins, outs, &no_variant);
        Error err;
        if (check_inputs(desc, shapes, nb_inputs, &err) != Status::kOk) {
            *error = err.message;
            return false;
        }
        if (!profile_shapes_accepted(desc, values, in, nb_inputs, error)) {
            config->shapes_rejected = true;
            return false;
        }
        if (variant < 0) {
            *error = no_variant;
            return false;
        }
        if (!capacity_ok) return true;  // no concrete max shapes yet: enqueue sizes for its own shapes
        size_t bytes = 0;
        if (workspace_size(desc, values, variant, shapes, &bytes, &err) != Status::kOk) {
            *error = "the workspace for the max input shapes: " + err.message;
            return false;
        }
        config->workspace_capacity = bytes;
        config->workspace_known = true;
        return true;
    } catch (...) {
        *error = "out of memory";
        return false;
    }
}

bool enqueue_planned(const PluginDesc& desc, const AttrValues& values, int32_t tactic, LaunchCache& launches,
                     const Configuration& config, nvinfer1::PluginTensorDesc const* input_desc,
                     nvinfer1::PluginTensorDesc const* output_desc, void const* const* inputs, void* const* outputs,
                     void* workspace, cudaStream_t stream, std::string* error) noexcept {
    try {
        const int32_t n_in = desc.n_inputs;
        const int32_t n_out = desc.n_outputs;
        if ((n_in && (!input_desc || !inputs)) || (n_out && (!output_desc || !outputs)) || n_in > kMaxTensors ||
            n_out > kMaxTensors) {
            *error = "missing tensor descriptions or pointers";
            return false;
        }
        if (config.shapes_rejected) {
            *error = "not launching: configurePlugin rejected the input shapes (see its error)";
            return false;
        }
        const int32_t variant = variant_for_types(desc, input_desc, output_desc, error);
        if (variant < 0) return false;
        TensorShapes in_shapes(input_desc, n_in);
        TensorShapes out_shapes(output_desc, n_out);
        Error err;
        LaunchPlanRef plan;
        if (launches.plan(desc, values, variant, tactic, in_shapes, &plan, &err) != Status::kOk) {
            *error = err.message;
            return false;
        }
        const size_t needed = plan_workspace_bytes(*plan);
        // Without a configuration, the size for the current shapes is all that is known.
        const size_t capacity = config.workspace_known ? config.workspace_capacity : needed;
        if (needed > capacity) {
            *error = strf("the workspace needs %zu bytes for these input shapes, but TensorRT allocated %zu (the size "
                          "for the max input shapes given to configurePlugin): the workspace shapes must not need "
                          "more for any input shapes of the profile than for its max shapes", needed, capacity);
            return false;
        }
        TensorArgs args{in_shapes, out_shapes, inputs, outputs, workspace, capacity};
        if (trtplug::enqueue(desc, *plan, args, static_cast<void*>(stream), &err) != Status::kOk) {
            *error = err.message;
            return false;
        }
        return true;
    } catch (...) {
        *error = "out of memory";
        return false;
    }
}

// ---------------------------------------------------------------------------- fields
nvinfer1::PluginFieldType advertised_type(AttrType type) noexcept {
    switch (type) {
        case AttrType::kFloat:
        case AttrType::kFloatList: return nvinfer1::PluginFieldType::kFLOAT32;
        case AttrType::kString: return nvinfer1::PluginFieldType::kCHAR;
        case AttrType::kInt:
        case AttrType::kBool:
        case AttrType::kIntList: break;
    }
    return nvinfer1::PluginFieldType::kINT32;
}

bool to_field_type(nvinfer1::PluginFieldType type, FieldType* out) noexcept {
    switch (static_cast<int32_t>(type)) {
        case 0: *out = FieldType::kFloat16; return true;
        case 1: *out = FieldType::kFloat32; return true;
        case 2: *out = FieldType::kFloat64; return true;
        case 3: *out = FieldType::kInt8; return true;
        case 4: *out = FieldType::kInt16; return true;
        case 5: *out = FieldType::kInt32; return true;
        case 6: *out = FieldType::kChar; return true;
        case 10: *out = FieldType::kInt64; return true;
    }
    return false;
}

std::vector<nvinfer1::PluginField> advertised_fields(const PluginDesc& desc) {
    std::vector<nvinfer1::PluginField> fields;
    for (int32_t i = 0; i < desc.n_attrs; ++i) {
        const AttrDesc& a = desc.attrs[i];
        const bool scalar = a.type == AttrType::kInt || a.type == AttrType::kFloat || a.type == AttrType::kBool;
        fields.emplace_back(a.name, nullptr, advertised_type(a.type), scalar ? 1 : a.max_length);
    }
    return fields;
}

bool attrs_from_fields(const PluginDesc& desc, const nvinfer1::PluginFieldCollection* fields, AttrValues* values,
                       std::string* error) {
    attrs_default(desc, values);
    Error err;
    if (fields != nullptr) {
        if (fields->nbFields < 0 || (fields->nbFields > 0 && fields->fields == nullptr)) {
            *error = "the PluginFieldCollection holds " + std::to_string(fields->nbFields) + " fields and " +
                     (fields->fields ? "a" : "no") + " field array";
            return false;
        }
        for (int32_t i = 0; i < fields->nbFields; ++i) {
            const nvinfer1::PluginField& f = fields->fields[i];
            if (f.name == nullptr || f.name[0] == '\0') {
                *error = "PluginField " + std::to_string(i) + " has no name";
                return false;
            }
            FieldType type;
            if (!to_field_type(f.type, &type)) {
                *error = std::string("field '") + f.name + "' has PluginFieldType " +
                         field_type_name(static_cast<int32_t>(f.type)) + ", which no trtplug attribute accepts";
                return false;
            }
            if (f.length < 0 || (f.length > 0 && f.data == nullptr)) {
                *error = std::string("field '") + f.name + "' has length " + std::to_string(f.length) +
                         (f.data ? "" : " and no data");
                return false;
            }
            if (attrs_set_field(desc, values, f.name, type, f.data, f.length, &err) != Status::kOk) {
                *error = err.message;
                return false;
            }
        }
    }
    if (attrs_validate(desc, *values, &err) != Status::kOk) {
        *error = err.message;
        return false;
    }
    return true;
}

FieldNames::FieldNames(const PluginDesc& desc, const char* plugin_namespace) noexcept {
    try {
        fields_ = advertised_fields(desc);
    } catch (...) {
        fields_.clear();
        log_line(Severity::kError, plugin_namespace, desc.name, "out of memory while listing the plugin fields");
    }
    collection_.nbFields = static_cast<int32_t>(fields_.size());
    collection_.fields = fields_.empty() ? nullptr : fields_.data();
}

// ------------------------------------------------------------------------- log routing
namespace {

std::atomic<nvinfer1::ILoggerFinder*> g_logger_finder{nullptr};

void tensorrt_log_sink(Severity severity, const char* line, void*) {
    nvinfer1::ILogger* logger = nullptr;
    if (nvinfer1::ILoggerFinder* finder = g_logger_finder.load()) {
        try {
            logger = finder->findLogger();
        } catch (...) {
            logger = nullptr;
        }
    }
    if (logger != nullptr) {
        logger->log(static_cast<nvinfer1::ILogger::Severity>(static_cast<int32_t>(severity)), line);
    } else if (severity == Severity::kError || severity == Severity::kWarning) {
        std::fprintf(stderr, "%s\n", line);
    }
}

#define TRTPLUG_STR_(x) #x
#define TRTPLUG_STR(x) TRTPLUG_STR_(x)

// The TensorRT version this library was built against, readable without loading it: a loader for
// another major (the lifecycle harness, `trtplug test`) refuses the file before its static
// registrars could call a registry with a different vtable layout.
__attribute__((used)) const char kVersionMarker[] =
    "TRTPLUG_TENSORRT_VERSION=" TRTPLUG_STR(NV_TENSORRT_MAJOR) "." TRTPLUG_STR(NV_TENSORRT_MINOR) "." TRTPLUG_STR(
        NV_TENSORRT_PATCH);

}  // namespace
}  // namespace trt
}  // namespace trtplug

void setLoggerFinder(nvinfer1::ILoggerFinder* finder) noexcept {
    trtplug::trt::g_logger_finder.store(finder);
    trtplug::set_log_sink(finder ? trtplug::trt::tensorrt_log_sink : nullptr, nullptr);
}

int32_t trtplug_tensorrt_version(void) noexcept { return trtplug::trt::kBuiltTensorRTVersion; }
