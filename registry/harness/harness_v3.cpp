// The IPluginV3 lifecycle, driven the way TensorRT 10 and 11 drive it.
//
// Build phase (IBuilder): creator lookup -> createPlugin(fields, kBUILD) -> capability interfaces
// -> clone -> output shapes through the expression builder (static, and with a symbolic batch) ->
// output data types -> format combinations -> configurePlugin -> getWorkspaceSize -> tactics ->
// getFieldsToSerialize (what the engine stores).
// Runtime phase (IRuntime / IExecutionContext): createPlugin(stored fields, kRUNTIME) ->
// attachToContext -> setTactic -> onShapeChange -> enqueue (only with a GPU) -> compare -> delete.
//
// `tactic=ID` makes the builder choose that tactic (setTactic on its clone, as after timing) before
// the fields are stored; the plugin restored from them must serialize to the same fields (the
// tactic survives) before the runtime sets the tactic again and enqueues.
//
// A case's plan records are those of the V2 lifecycle (harness_plan.h); `deserialize=FILE` makes
// the plugin in the runtime phase from one field holding FILE's bytes (what `save_blob` wrote),
// and `phase=runtime` passes the plan's own fields to the runtime phase.
#include <cstring>
#include <memory>

#include "harness_case.h"

#if NV_TENSORRT_MAJOR >= 10

namespace harness {
namespace {

using records::Record;

// The field a trtplug IPluginV3 plugin serializes itself into (trtplug_trt_v3_plugin.h).
constexpr const char* kSerializedField = "trtplug_serialized";

// A PluginField with its own copies of name and data: what an engine file keeps of the fields.
struct StoredField {
    std::string name;
    nvinfer1::PluginFieldType type = nvinfer1::PluginFieldType::kUNKNOWN;
    int32_t length = 0;
    std::vector<unsigned char> data;
};

size_t field_bytes(nvinfer1::PluginFieldType type, int32_t length) {
    size_t element = 1;
    switch (type) {
        case nvinfer1::PluginFieldType::kFLOAT16: element = 2; break;
        case nvinfer1::PluginFieldType::kFLOAT32: element = 4; break;
        case nvinfer1::PluginFieldType::kFLOAT64: element = 8; break;
        case nvinfer1::PluginFieldType::kINT16: element = 2; break;
        case nvinfer1::PluginFieldType::kINT32: element = 4; break;
        case nvinfer1::PluginFieldType::kINT64: element = 8; break;
        default: element = 1; break;  // kINT8, kCHAR, kUNKNOWN (length counts bytes)
    }
    return length > 0 ? element * static_cast<size_t>(length) : 0;
}

class FieldSet {
public:
    void add(StoredField f) { fields_.push_back(std::move(f)); }
    const std::vector<StoredField>& fields() const { return fields_; }
    bool operator==(const FieldSet& o) const {
        if (fields_.size() != o.fields_.size()) return false;
        for (size_t i = 0; i < fields_.size(); ++i) {
            const StoredField& a = fields_[i];
            const StoredField& b = o.fields_[i];
            if (a.name != b.name || a.type != b.type || a.length != b.length || a.data != b.data) return false;
        }
        return true;
    }
    // The collection createPlugin receives; valid while this set lives and is not changed.
    const nvinfer1::PluginFieldCollection* collection() {
        views_.clear();
        for (const StoredField& f : fields_) {
            views_.emplace_back(f.name.c_str(), f.data.empty() ? nullptr : f.data.data(), f.type, f.length);
        }
        collection_.nbFields = static_cast<int32_t>(views_.size());
        collection_.fields = views_.empty() ? nullptr : views_.data();
        return &collection_;
    }

private:
    std::vector<StoredField> fields_;
    std::vector<nvinfer1::PluginField> views_;
    nvinfer1::PluginFieldCollection collection_{};
};

// Copies what getFieldsToSerialize returned, as TensorRT does when it writes the engine.
bool store_fields(const nvinfer1::PluginFieldCollection* fc, FieldSet* out, std::string* msg) {
    if (fc == nullptr || fc->nbFields < 0 || (fc->nbFields > 0 && fc->fields == nullptr)) {
        *msg = "getFieldsToSerialize() returned no valid field collection";
        return false;
    }
    for (int32_t i = 0; i < fc->nbFields; ++i) {
        const nvinfer1::PluginField& f = fc->fields[i];
        if (f.name == nullptr || f.length < 0 || (f.length > 0 && f.data == nullptr)) {
            *msg = "getFieldsToSerialize() field " + std::to_string(i) + " has no name, a negative length or no data";
            return false;
        }
        StoredField s;
        s.name = f.name;
        s.type = f.type;
        s.length = f.length;
        const unsigned char* bytes = static_cast<const unsigned char*>(f.data);
        s.data.assign(bytes, bytes + field_bytes(f.type, f.length));
        out->add(std::move(s));
    }
    return true;
}

class ResourceContext final : public nvinfer1::IPluginResourceContext {
public:
    nvinfer1::IGpuAllocator* getGpuAllocator() const noexcept override { return nullptr; }
    nvinfer1::IErrorRecorder* getErrorRecorder() const noexcept override { return nullptr; }
};

bool interface_is(nvinfer1::IVersionedInterface* capability, const char* kind, std::string* msg) {
    if (capability == nullptr) {
        *msg = std::string("getCapabilityInterface returned null for ") + kind;
        return false;
    }
    const nvinfer1::InterfaceInfo info = capability->getInterfaceInfo();
    if (info.kind == nullptr || std::strcmp(info.kind, kind) != 0) {
        *msg = std::string("the capability asked for as ") + kind + " reports '" + (info.kind ? info.kind : "") + "'";
        return false;
    }
    return true;
}

class CaseRunV3 : private CaseSteps {
public:
    CaseRunV3(Context& ctx, const CaseSpec& spec) : CaseSteps(ctx, spec) {}
    ~CaseRunV3() { release(); }

    bool run();

private:
    Outcome lookup(std::string* msg);
    Outcome create(std::string* msg);
    Outcome capabilities(std::string* msg);
    // The build-phase steps (CaseSteps::build_steps).
    Outcome clone(std::string* msg) override;
    Outcome output_dims(bool symbolic_batch, std::string* msg) override;
    Outcome output_types(std::string* msg) override;
    Outcome formats(std::string* msg) override;
    Outcome configure(std::string* msg) override;

    Outcome workspace(std::string* msg);
    Outcome tactics(std::string* msg);
    Outcome serialize(std::string* msg);
    Outcome deserialize(std::string* msg);
    Outcome attach(std::string* msg);
    Outcome shape_change(std::string* msg);
    Outcome enqueue(std::string* msg);
    Outcome compare(std::string* msg);
    Outcome destroy(std::string* msg);

    void release();
    std::vector<nvinfer1::DynamicPluginTensorDesc> dynamic_descs() const;
    bool shapes(nvinfer1::IPluginV3OneBuild* build, bool symbolic_batch, std::vector<nvinfer1::DimsExprs>* out,
                ExprBuilder* builder, std::string* msg) const;
    static nvinfer1::IPluginV3OneBuild* build_of(nvinfer1::IPluginV3* p) {
        return static_cast<nvinfer1::IPluginV3OneBuild*>(p->getCapabilityInterface(nvinfer1::PluginCapabilityType::kBUILD));
    }
    static nvinfer1::IPluginV3OneRuntime* runtime_of(nvinfer1::IPluginV3* p) {
        return static_cast<nvinfer1::IPluginV3OneRuntime*>(
            p->getCapabilityInterface(nvinfer1::PluginCapabilityType::kRUNTIME));
    }
    static nvinfer1::IPluginV3OneCore* core_of(nvinfer1::IPluginV3* p) {
        return static_cast<nvinfer1::IPluginV3OneCore*>(p->getCapabilityInterface(nvinfer1::PluginCapabilityType::kCORE));
    }
    // Makes a plugin from fields in one phase; `expected` is the plan's expectation it may meet.
    Outcome make(const nvinfer1::PluginFieldCollection* fields, nvinfer1::TensorRTPhase phase, const char* expected,
                 nvinfer1::IPluginV3** made, std::string* msg);

    std::string layer_ = "layer";
    CreatorV3* creator_ = nullptr;
    nvinfer1::IPluginV3* plugin_ = nullptr;    // build phase, as added to the network
    nvinfer1::IPluginV3* clone_ = nullptr;     // the builder's copy, configured and timed
    nvinfer1::IPluginV3* restored_ = nullptr;  // runtime phase, from the stored fields
    nvinfer1::IPluginV3* attached_ = nullptr;  // restored_ attached to an execution context
    ResourceContext resources_;
    std::vector<nvinfer1::PluginTensorDesc> io_;
    FieldSet stored_;
    size_t workspace_bytes_ = 0;
    int32_t tactic_ = 0;  // the TensorRT tactic id chosen in the build phase
};

void CaseRunV3::release() {
    for (nvinfer1::IPluginV3** p : {&attached_, &restored_, &clone_, &plugin_}) {
        delete *p;  // TensorRT deletes the IPluginV3 objects it made or was given
        *p = nullptr;
    }
}

std::vector<nvinfer1::DynamicPluginTensorDesc> CaseRunV3::dynamic_descs() const { return profile_descs(io_); }

Outcome CaseRunV3::lookup(std::string* msg) {
    creator_ = registry().find_v3(c_.plugin, c_.version, c_.plugin_namespace);
    if (creator_ == nullptr) {
        *msg = "no IPluginV3 creator for plugin '" + c_.plugin + "' version '" + c_.version + "'";
        return Outcome::kFail;
    }
    const bool found = creator_matches(creator_->getPluginName(), creator_->getPluginVersion(),
                                       creator_->getPluginNamespace(), msg) &&
                       fields_listed(creator_->getFieldNames(), "IPluginCreatorV3One; fields:", msg);
    return found ? Outcome::kOk : Outcome::kFail;
}

Outcome CaseRunV3::make(const nvinfer1::PluginFieldCollection* fields, nvinfer1::TensorRTPhase phase,
                        const char* expected, nvinfer1::IPluginV3** made, std::string* msg) {
    const size_t mark = logger_finder().logger.mark();
    const bool runtime = phase == nvinfer1::TensorRTPhase::kRUNTIME;
    const std::string what = std::string("createPlugin(") + (runtime ? "kRUNTIME" : "kBUILD") + ")";
    *made = creator_->createPlugin(layer_.c_str(), fields, phase);
    if (c_.expect == expected) {
        if (*made != nullptr) {
            *msg = what + " accepted what it should have rejected";
            return Outcome::kFail;
        }
        if (!message_logged(mark, c_.expect_message)) {
            *msg = what + " returned null, but logged no error containing '" + c_.expect_message + "'";
            return Outcome::kFail;
        }
        size_t errors = 0;
        for (const LogLine& l : logger_finder().logger.since(mark)) {
            errors += l.severity <= static_cast<int32_t>(nvinfer1::ILogger::Severity::kERROR);
        }
        if (errors != 1) {
            *msg = what + " rejected it with " + std::to_string(errors) + " error lines, expected one";
            return Outcome::kFail;
        }
        *msg = what + " rejected it as expected";
        expected_failure_seen_ = true;
        return Outcome::kOk;
    }
    if (*made == nullptr) {
        std::string first;
        errors_logged(mark, &first);
        *msg = what + " returned null" + (first.empty() ? " and logged nothing" : ": " + first);
        return Outcome::kFail;
    }
    const nvinfer1::InterfaceInfo info = (*made)->getInterfaceInfo();
    if (info.kind == nullptr || std::strcmp(info.kind, "PLUGIN") != 0 || info.major != 1) {
        *msg = what + " made an object that is not an IPluginV3";
        return Outcome::kFail;
    }
    *msg = what + " made the plugin";
    return Outcome::kOk;
}

Outcome CaseRunV3::create(std::string* msg) {
    FieldSet given;
    if (!c_.deserialize_file.empty()) {
        StoredField blob;
        blob.name = kSerializedField;
        if (!read_file(resolve(ctx_.plan, c_.deserialize_file), &blob.data, msg)) return Outcome::kFail;
        blob.length = static_cast<int32_t>(blob.data.size());
        given.add(std::move(blob));
        return make(given.collection(), nvinfer1::TensorRTPhase::kRUNTIME, "deserialize-fail", &plugin_, msg);
    }
    for (const FieldSpec& f : c_.fields) {
        StoredField s;
        s.name = f.name;
        s.type = static_cast<nvinfer1::PluginFieldType>(f.type);
        s.length = f.length;
        s.data = f.data;
        given.add(std::move(s));
    }
    const bool runtime = c_.phase == "runtime";
    return make(c_.null_fields ? nullptr : given.collection(),
                runtime ? nvinfer1::TensorRTPhase::kRUNTIME : nvinfer1::TensorRTPhase::kBUILD,
                runtime ? "deserialize-fail" : "create-fail", &plugin_, msg);
}

Outcome CaseRunV3::capabilities(std::string* msg) {
    if (!interface_is(core_of(plugin_), "PLUGIN_V3ONE_CORE", msg) ||
        !interface_is(build_of(plugin_), "PLUGIN_V3ONE_BUILD", msg) ||
        !interface_is(runtime_of(plugin_), "PLUGIN_V3ONE_RUNTIME", msg)) {
        return Outcome::kFail;
    }
    nvinfer1::IPluginV3OneCore* core = core_of(plugin_);
    if (c_.plugin != core->getPluginName() || c_.version != core->getPluginVersion() ||
        std::strcmp(core->getPluginNamespace(), creator_->getPluginNamespace()) != 0) {
        *msg = std::string("the plugin reports '") + core->getPluginName() + "' version '" + core->getPluginVersion() +
               "' namespace '" + core->getPluginNamespace() + "', its creator another";
        return Outcome::kFail;
    }
    const nvinfer1::InterfaceInfo build = build_of(plugin_)->getInterfaceInfo();
    *msg = "core, build (version " + std::to_string(build.major) + "), runtime";
    return Outcome::kOk;
}

Outcome CaseRunV3::clone(std::string* msg) {
    clone_ = plugin_->clone();
    if (clone_ == nullptr) {
        *msg = "clone() returned null";
        return Outcome::kFail;
    }
    FieldSet a, b;
    if (!store_fields(runtime_of(plugin_)->getFieldsToSerialize(), &a, msg) ||
        !store_fields(runtime_of(clone_)->getFieldsToSerialize(), &b, msg)) {
        return Outcome::kFail;
    }
    if (!(a == b)) {
        *msg = "the clone serializes differently from the original";
        return Outcome::kFail;
    }
    if (std::strcmp(core_of(clone_)->getPluginNamespace(), core_of(plugin_)->getPluginNamespace()) != 0) {
        *msg = "the clone lost the plugin namespace";
        return Outcome::kFail;
    }
    return Outcome::kOk;
}

bool CaseRunV3::shapes(nvinfer1::IPluginV3OneBuild* build, bool symbolic_batch, std::vector<nvinfer1::DimsExprs>* out,
                       ExprBuilder* builder, std::string* msg) const {
    std::vector<nvinfer1::DimsExprs> ins(c_.inputs.size());
    for (size_t i = 0; i < c_.inputs.size(); ++i) {
        ins[i].nbDims = c_.inputs[i].rank;
        for (int32_t a = 0; a < c_.inputs[i].rank; ++a) {
            ins[i].d[a] = builder->make(!(symbolic_batch && a == 0), c_.inputs[i].dims[a]);
        }
    }
    const int32_t n_out = build->getNbOutputs();
    out->assign(static_cast<size_t>(n_out > 0 ? n_out : 0), nvinfer1::DimsExprs{});
    const int32_t rc = build->getOutputShapes(ins.data(), static_cast<int32_t>(ins.size()), nullptr, 0, out->data(),
                                              n_out, *builder);
    if (rc != 0) {
        *msg = "getOutputShapes returned " + std::to_string(rc) + (builder->error().empty() ? "" : ": " + builder->error());
        return false;
    }
    return true;
}

Outcome CaseRunV3::output_dims(bool symbolic_batch, std::string* msg) {
    nvinfer1::IPluginV3OneBuild* build = build_of(clone_);
    const int32_t n_out = build->getNbOutputs();
    if (n_out != static_cast<int32_t>(c_.outputs.size())) {
        *msg = "getNbOutputs() is " + std::to_string(n_out) + ", the plan expects " + std::to_string(c_.outputs.size());
        return Outcome::kFail;
    }
    ExprBuilder builder;
    std::vector<nvinfer1::DimsExprs> dims;
    if (!shapes(build, symbolic_batch, &dims, &builder, msg)) return Outcome::kFail;
    std::string text, symbolic;
    for (int32_t k = 0; k < n_out; ++k) {
        const TensorSpec& want = c_.outputs[static_cast<size_t>(k)];
        const nvinfer1::DimsExprs& e = dims[static_cast<size_t>(k)];
        if (e.nbDims != want.rank) {
            *msg = "output " + std::to_string(k) + " has rank " + std::to_string(e.nbDims) + ", expected " +
                   std::to_string(want.rank);
            return Outcome::kFail;
        }
        for (int32_t a = 0; a < e.nbDims; ++a) {
            const DimExpr* d = static_cast<const DimExpr*>(e.d[a]);
            // A data-dependent dim (a size tensor's) is never constant; it carries its upper bound.
            if (d == nullptr || d->value() != want.dims[a] || (!symbolic_batch && !d->constant() && !d->size_tensor())) {
                *msg = "output " + std::to_string(k) + " dimension " + std::to_string(a) +
                       (d ? " evaluates to " + std::to_string(d->value()) + (d->constant() ? "" : " (not constant)")
                          : std::string(" is null")) +
                       ", expected " + std::to_string(want.dims[a]);
                return Outcome::kFail;
            }
            if (!d->constant() && !d->size_tensor()) symbolic += (symbolic.empty() ? "" : ", ") + std::to_string(k) + "[" + std::to_string(a) + "]";
        }
        text += (k ? " " : "") + dims_text(want.rank, want.dims);
    }
    for (int32_t k : builder.size_tensors()) {  // TensorRT's rule: a size tensor output is 0-d
        if (k < 0 || k >= n_out || dims[static_cast<size_t>(k)].nbDims != 0) {
            *msg = "size tensor declared at output " + std::to_string(k) + ", which is not a 0-d output";
            return Outcome::kFail;
        }
        text += " size tensor " + std::to_string(k);
    }
    *msg = symbolic_batch ? "batch-dependent output dimensions: " + (symbolic.empty() ? std::string("none") : symbolic)
                          : text;
    return Outcome::kOk;
}

Outcome CaseRunV3::output_types(std::string* msg) {
    std::vector<nvinfer1::DataType> in;
    for (const TensorSpec& t : c_.inputs) in.push_back(static_cast<nvinfer1::DataType>(t.dtype));
    std::vector<nvinfer1::DataType> out(c_.outputs.size(), nvinfer1::DataType::kFLOAT);
    const int32_t rc = build_of(clone_)->getOutputDataTypes(out.data(), static_cast<int32_t>(out.size()), in.data(),
                                                           static_cast<int32_t>(in.size()));
    if (rc != 0) {
        *msg = "getOutputDataTypes returned " + std::to_string(rc);
        return Outcome::kFail;
    }
    for (size_t k = 0; k < out.size(); ++k) {
        if (static_cast<int32_t>(out[k]) != c_.outputs[k].dtype) {
            *msg = "output " + std::to_string(k) + " has data type " + dtype_label(static_cast<int32_t>(out[k])) +
                   ", expected " + dtype_label(c_.outputs[k].dtype);
            return Outcome::kFail;
        }
    }
    return Outcome::kOk;
}

Outcome CaseRunV3::formats(std::string* msg) {
    io_ = linear_descs(c_);
    nvinfer1::IPluginV3OneBuild* build = build_of(clone_);
    const int32_t n_in = static_cast<int32_t>(c_.inputs.size());
    const int32_t n_out = static_cast<int32_t>(c_.outputs.size());
    auto supports = [&](int32_t pos, const std::vector<nvinfer1::PluginTensorDesc>& io) {
        return build->supportsFormatCombination(pos, profile_descs(io).data(), n_in, n_out);
    };
    auto limit = [&]() { return "; combination limit " + std::to_string(build->getFormatCombinationLimit()); };
    return check_formats(io_, supports, limit, msg);
}

Outcome CaseRunV3::configure(std::string* msg) {
    const size_t mark = logger_finder().logger.mark();
    std::vector<nvinfer1::DynamicPluginTensorDesc> descs = dynamic_descs();
    const int32_t n_in = static_cast<int32_t>(c_.inputs.size());
    const int32_t rc = build_of(clone_)->configurePlugin(descs.data(), n_in, descs.data() + n_in,
                                                         static_cast<int32_t>(c_.outputs.size()));
    if (c_.expect == "types-rejected") {
        if (rc == 0 || !message_logged(mark, c_.expect_message)) {
            *msg = "configurePlugin returned " + std::to_string(rc) + " and logged no error containing '" +
                   c_.expect_message + "'";
            return Outcome::kFail;
        }
        expected_failure_seen_ = true;
        *msg = "configurePlugin refused the combination as expected";
        return Outcome::kOk;
    }
    if (rc != 0) {
        *msg = "configurePlugin returned " + std::to_string(rc);
        return Outcome::kFail;
    }
    return Outcome::kOk;
}

Outcome CaseRunV3::workspace(std::string* msg) {
    std::vector<nvinfer1::DynamicPluginTensorDesc> descs = dynamic_descs();
    const int32_t n_in = static_cast<int32_t>(c_.inputs.size());
    workspace_bytes_ = build_of(clone_)->getWorkspaceSize(descs.data(), n_in, descs.data() + n_in,
                                                          static_cast<int32_t>(c_.outputs.size()));
    *msg = std::to_string(workspace_bytes_) + " bytes";
    return Outcome::kOk;
}

Outcome CaseRunV3::tactics(std::string* msg) {
    nvinfer1::IPluginV3OneBuild* build = build_of(clone_);
    const int32_t n = build->getNbTactics();
    if (n < 0) {
        *msg = "getNbTactics() returned " + std::to_string(n);
        return Outcome::kFail;
    }
    std::vector<int32_t> tactics(static_cast<size_t>(n), 0);
    if (n > 0 && build->getValidTactics(tactics.data(), n) != 0) {
        *msg = "getValidTactics failed";
        return Outcome::kFail;
    }
    std::string offered;
    for (size_t i = 0; i < tactics.size(); ++i) {
        const int32_t t = tactics[i];
        if (t == 0) {
            *msg = "getValidTactics offered tactic 0, which TensorRT reserves for the default";
            return Outcome::kFail;
        }
        for (size_t j = 0; j < i; ++j) {
            if (tactics[j] == t) {
                *msg = "getValidTactics offered tactic " + std::to_string(t) + " twice";
                return Outcome::kFail;
            }
        }
        offered += (i ? ", " : "") + std::to_string(t);
    }
    tactic_ = c_.tactic < 0 ? 0 : c_.tactic;
    bool known = tactic_ == 0;
    for (int32_t t : tactics) known = known || t == tactic_;
    if (!known) {
        *msg = "the plan chooses tactic " + std::to_string(tactic_) + ", which getValidTactics did not offer (" +
               (offered.empty() ? std::string("none") : offered) + ")";
        return Outcome::kFail;
    }
    // The builder times each tactic on its clone, then sets the fastest before storing the fields.
    if (runtime_of(clone_)->setTactic(tactic_) != 0) {
        *msg = "setTactic(" + std::to_string(tactic_) + ") failed on the builder's clone";
        return Outcome::kFail;
    }
    const char* id = build->getTimingCacheID();
    *msg = std::to_string(n) + " custom tactic(s)" + (offered.empty() ? "" : " (" + offered + ")") + "; chose " +
           std::to_string(tactic_) + "; timing cache id " + (id ? id : "(none: not cached)");
    return Outcome::kOk;
}

Outcome CaseRunV3::serialize(std::string* msg) {
    if (!store_fields(runtime_of(clone_)->getFieldsToSerialize(), &stored_, msg)) return Outcome::kFail;
    size_t bytes = 0;
    for (const StoredField& f : stored_.fields()) bytes += f.data.size();
    if (!c_.save_blob.empty()) {
        const StoredField* blob = nullptr;
        for (const StoredField& f : stored_.fields()) blob = f.name == kSerializedField ? &f : blob;
        if (blob == nullptr) {
            *msg = std::string("save_blob needs the field '") + kSerializedField + "', which the plugin did not store";
            return Outcome::kFail;
        }
        if (!write_file(resolve(ctx_.plan, c_.save_blob), blob->data.data(), blob->data.size(), msg)) {
            return Outcome::kFail;
        }
    }
    *msg = std::to_string(stored_.fields().size()) + " field(s), " + std::to_string(bytes) + " bytes";
    return Outcome::kOk;
}

Outcome CaseRunV3::deserialize(std::string* msg) {
    restored_ = creator_->createPlugin(layer_.c_str(), stored_.collection(), nvinfer1::TensorRTPhase::kRUNTIME);
    if (restored_ == nullptr) {
        *msg = "createPlugin(kRUNTIME) rejected the plugin's own serialized fields";
        return Outcome::kFail;
    }
    if (!interface_is(core_of(restored_), "PLUGIN_V3ONE_CORE", msg) ||
        !interface_is(runtime_of(restored_), "PLUGIN_V3ONE_RUNTIME", msg)) {
        return Outcome::kFail;
    }
    // Before the runtime sets anything: what the engine stored (the chosen tactic among it) must
    // be what the restored plugin holds.
    FieldSet again;
    if (!store_fields(runtime_of(restored_)->getFieldsToSerialize(), &again, msg)) return Outcome::kFail;
    if (!(again == stored_)) {
        *msg = "the plugin restored from the stored fields serializes to different fields (tactic " +
               std::to_string(tactic_) + " chosen)";
        return Outcome::kFail;
    }
    return Outcome::kOk;
}

Outcome CaseRunV3::attach(std::string* msg) {
    attached_ = runtime_of(restored_)->attachToContext(&resources_);
    if (attached_ == nullptr) {
        *msg = "attachToContext returned null";
        return Outcome::kFail;
    }
    if (attached_ == restored_) {
        attached_ = nullptr;
        *msg = "attachToContext returned the plugin itself, not a clone";
        return Outcome::kFail;
    }
    return interface_is(runtime_of(attached_), "PLUGIN_V3ONE_RUNTIME", msg) ? Outcome::kOk : Outcome::kFail;
}

Outcome CaseRunV3::shape_change(std::string* msg) {
    nvinfer1::IPluginV3OneRuntime* rt = runtime_of(attached_);
    const int32_t n_in = static_cast<int32_t>(c_.inputs.size());
    if (rt->setTactic(tactic_) != 0) {
        *msg = "setTactic(" + std::to_string(tactic_) + ") (the tactic the engine chose) failed";
        return Outcome::kFail;
    }
    const int32_t rc = rt->onShapeChange(io_.data(), n_in, io_.data() + n_in, static_cast<int32_t>(c_.outputs.size()));
    if (rc != 0) {
        *msg = "onShapeChange returned " + std::to_string(rc);
        return Outcome::kFail;
    }
    return Outcome::kOk;
}

Outcome CaseRunV3::enqueue(std::string* msg) {
    if (!ctx_.gpu) {
        *msg = "no GPU: " + ctx_.no_gpu_reason;
        return Outcome::kSkip;
    }
    DeviceTensors tensors(ctx_, c_);
    // The engine allocates what getWorkspaceSize answered at build time.
    if (!tensors.allocate(workspace_bytes_, msg)) return Outcome::kFail;
    const int32_t n_in = static_cast<int32_t>(c_.inputs.size());
    const int32_t rc = runtime_of(attached_)->enqueue(io_.data(), io_.data() + n_in, tensors.inputs.data(),
                                                      tensors.outputs.data(), tensors.workspace,
                                                      static_cast<cudaStream_t>(ctx_.driver.stream()));
    if (rc != 0) {
        *msg = "enqueue() returned " + std::to_string(rc);
        return Outcome::kFail;
    }
    if (!tensors.write_outputs(msg)) return Outcome::kFail;
    *msg = "ran on " + ctx_.driver.describe() + (tactic_ ? " with tactic " + std::to_string(tactic_) : "");
    return Outcome::kOk;
}

Outcome CaseRunV3::compare(std::string* msg) {
    FieldSet again;
    if (!store_fields(runtime_of(attached_)->getFieldsToSerialize(), &again, msg)) return Outcome::kFail;
    if (!(again == stored_)) {
        *msg = "the plugin restored in the runtime phase serializes to different fields";
        return Outcome::kFail;
    }
    nvinfer1::IPluginV3OneCore* core = core_of(attached_);
    if (c_.plugin != core->getPluginName() || c_.version != core->getPluginVersion()) {
        *msg = "the restored plugin differs in name or version";
        return Outcome::kFail;
    }
    return Outcome::kOk;
}

Outcome CaseRunV3::destroy(std::string*) {
    release();
    return Outcome::kOk;
}

bool CaseRunV3::run() {
    layer_ = "layer_" + c_.id;
    case_mark_ = logger_finder().logger.mark();
    const bool expects_create_failure = c_.expect == "create-fail" || c_.expect == "deserialize-fail";
    bool ok = step("lookup", [&](std::string* m) { return lookup(m); }) &&
              step("create", [&](std::string* m) { return create(m); }, expects_create_failure);
    if (ok && !expected_failure_seen_) ok = step("capabilities", [&](std::string* m) { return capabilities(m); });
    ok = ok && build_steps() && expectation_met();
    if (ok && !expected_failure_seen_) {
        ok = step("workspace", [&](std::string* m) { return workspace(m); }) &&
             step("tactics", [&](std::string* m) { return tactics(m); }) &&
             step("serialize", [&](std::string* m) { return serialize(m); }) &&
             step("deserialize", [&](std::string* m) { return deserialize(m); }) &&
             step("attach", [&](std::string* m) { return attach(m); }) &&
             step("shape-change", [&](std::string* m) { return shape_change(m); }) &&
             step("enqueue", [&](std::string* m) { return enqueue(m); }) &&
             step("compare", [&](std::string* m) { return compare(m); });
    }
    if (plugin_ || clone_ || restored_ || attached_) {
        ok = step("destroy", [&](std::string* m) { return destroy(m); }) && ok;
    }
    ctx_.out.write(Record("case").add("id", c_.id).add("status", ok ? "pass" : "fail"));
    return ok;
}

}  // namespace

bool is_v3_case(const CaseSpec& c) { return registry().find_v3(c.plugin, c.version, c.plugin_namespace) != nullptr; }

bool run_v3_case(Context& ctx, const CaseSpec& c) {
    if (ctx.bench_iterations > 0) {
        ctx.out.write(Record("step").add("case", c.id).add("step", "bench").add("status", "fail").add(
            "message", "the bench mode drives IPluginV2 libraries only; build one with --interface v2 to time it"));
        ctx.out.write(Record("case").add("id", c.id).add("status", "fail"));
        return false;
    }
    CaseRunV3 run(ctx, c);
    return run.run();
}

}  // namespace harness

#else  // TensorRT 8.6: no IPluginV3

namespace harness {
bool is_v3_case(const CaseSpec&) { return false; }
bool run_v3_case(Context&, const CaseSpec&) { return false; }
}  // namespace harness

#endif
