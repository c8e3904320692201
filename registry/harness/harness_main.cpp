// trtplug lifecycle harness: drives every plugin of a trtplug library the way TensorRT does,
// without TensorRT.
//
//   trtplug_harness PLAN RESULT
//   trtplug_harness --bench ITERATIONS REPEATS PLAN RESULT
//
// For each library of the plan: refuse it when it was built for another TensorRT major, load it
// (IPluginRegistry::loadLibrary or plain dlopen + static registration). For each case: creator
// lookup by name/version/namespace -> createPlugin(fields) or deserializePlugin(blob) -> clone ->
// output dimensions (static, and with a symbolic batch dimension) -> output types -> format
// combinations -> configurePlugin -> getWorkspaceSize -> enqueue (only with a GPU) -> serialize ->
// deserializePlugin -> compare -> destroy. Results go to RESULT record by record (records.h,
// harness_plan.h); the exit status is 0 when every case passed, 1 when one failed, 2 when the
// plan could not be run at all.
//
// --bench (needs a GPU; refused with status 2 without one): each case runs the lifecycle up to
// getWorkspaceSize, then times REPEATS rounds of ITERATIONS back-to-back enqueues of the configured
// plugin on one stream (CUDA events around each round, host time of the enqueue calls) and writes
// "bench case=ID iterations=N gpu=US,... host=US,..." (microseconds per enqueue, one per round).
// Inputs with no file are filled with the byte 0x3C (finite values for every float type).
#include <dlfcn.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "harness_case.h"

TRTPLUG_TRT_V2_BEGIN

namespace harness {
namespace {

using records::Record;

constexpr const char* kVersionMarker = "TRTPLUG_TENSORRT_VERSION=";

// The TensorRT version recorded in a library file, read without loading it: a library built for
// another major must be refused before its static registrars call into this registry.
bool library_version(const std::string& path, int32_t* version, std::string* why) {
    std::vector<unsigned char> data;
    if (!read_file(path, &data, why)) return false;
    const size_t n = std::strlen(kVersionMarker);
    for (size_t i = 0; i + n < data.size(); ++i) {
        if (data[i] != static_cast<unsigned char>(kVersionMarker[0]) || std::memcmp(&data[i], kVersionMarker, n) != 0) {
            continue;
        }
        // "<major>.<minor>.<patch>"
        int32_t parts[3] = {0, 0, 0};
        size_t j = i + n;
        int32_t part = 0;
        size_t digits = 0;
        for (; j < data.size() && part < 3; ++j) {
            const unsigned char ch = data[j];
            if (ch >= '0' && ch <= '9' && digits < 4) {
                parts[part] = parts[part] * 10 + (ch - '0');
                ++digits;
            } else if (ch == '.' && digits > 0) {
                ++part;
                digits = 0;
            } else {
                break;
            }
        }
        if (part != 2 || digits == 0) continue;
        const int32_t v = parts[0] * 10000 + parts[1] * 100 + parts[2];
        *version = v;
        return true;
    }
    *why = path + " is not a trtplug TensorRT plugin library (it records no TensorRT version)";
    return false;
}

// ------------------------------------------------------------------------------------------
// One case: the plugin objects it made and the steps that use them.
class CaseRun : private CaseSteps {
public:
    CaseRun(Context& ctx, const CaseSpec& spec) : CaseSteps(ctx, spec) {}
    ~CaseRun() {
        for (nvinfer1::IPluginV2* p : {restored_, clone_, plugin_}) {
            if (p) p->destroy();
        }
    }

    bool run();

private:
    Outcome lookup(std::string* msg);
    Outcome create(std::string* msg);
    Outcome workspace(std::string* msg);
    Outcome enqueue(std::string* msg);
    Outcome bench(std::string* msg);
    Outcome serialize(std::string* msg);
    Outcome deserialize(std::string* msg);
    Outcome compare(std::string* msg);
    Outcome destroy(std::string* msg);

    // The build-phase steps (CaseSteps::build_steps).
    Outcome clone(std::string* msg) override;
    Outcome output_dims(bool symbolic_batch, std::string* msg) override;
    Outcome output_types(std::string* msg) override;
    Outcome formats(std::string* msg) override;
    Outcome configure(std::string* msg) override;

    bool serialized(nvinfer1::IPluginV2* p, std::vector<unsigned char>* bytes, std::string* msg) const;
    bool static_dims(nvinfer1::IPluginV2DynamicExt* p, std::vector<nvinfer1::Dims>* out, std::string* msg) const;

    std::string layer_ = "layer";
    CreatorV2* creator_ = nullptr;
    nvinfer1::IPluginV2DynamicExt* plugin_ = nullptr;
    nvinfer1::IPluginV2DynamicExt* clone_ = nullptr;
    nvinfer1::IPluginV2DynamicExt* restored_ = nullptr;
    std::vector<nvinfer1::PluginTensorDesc> io_;
    std::vector<unsigned char> blob_;
};

bool CaseRun::serialized(nvinfer1::IPluginV2* p, std::vector<unsigned char>* bytes, std::string* msg) const {
    const size_t size = p->getSerializationSize();
    constexpr size_t kCanary = 64;
    bytes->assign(size + kCanary, 0xA5);
    p->serialize(bytes->data());
    for (size_t i = size; i < size + kCanary; ++i) {
        if ((*bytes)[i] != 0xA5) {
            *msg = "serialize() wrote past the " + std::to_string(size) + " bytes getSerializationSize() reported";
            return false;
        }
    }
    bytes->resize(size);
    return true;
}

Outcome CaseRun::lookup(std::string* msg) {
    auto lib = ctx_.libraries.find(c_.library);
    if (lib == ctx_.libraries.end() || !lib->second.ok) {
        *msg = "library " + c_.library + " did not load: " + (lib == ctx_.libraries.end() ? "" : lib->second.error);
        return Outcome::kFail;
    }
    creator_ = registry().find(c_.plugin, c_.version, c_.plugin_namespace);
    const std::string wanted = "plugin '" + c_.plugin + "' version '" + c_.version + "' in namespace '" +
                               c_.plugin_namespace + "'";
    if (creator_ == nullptr) {
        *msg = "no creator for " + wanted + "; the registry holds: " + registry().describe();
        if (c_.expect == "lookup-fail") {
            expected_failure_seen_ = true;
            return Outcome::kOk;
        }
        return Outcome::kFail;
    }
    if (c_.expect == "lookup-fail") {
        *msg = "found a creator for " + wanted + ", expected none";
        return Outcome::kFail;
    }
    const bool found = creator_matches(creator_->getPluginName(), creator_->getPluginVersion(),
                                       creator_->getPluginNamespace(), msg) &&
                       fields_listed(creator_->getFieldNames(), "fields:", msg);
    return found ? Outcome::kOk : Outcome::kFail;
}

Outcome CaseRun::create(std::string* msg) {
    const size_t mark = logger_finder().logger.mark();
    nvinfer1::IPluginV2* made = nullptr;
    const bool from_blob = !c_.deserialize_file.empty();
    if (from_blob) {
        std::vector<unsigned char> blob;
        if (!read_file(resolve(ctx_.plan, c_.deserialize_file), &blob, msg)) return Outcome::kFail;
        made = creator_->deserializePlugin(layer_.c_str(), blob.data(), blob.size());
    } else {
        std::vector<nvinfer1::PluginField> fields;
        for (const FieldSpec& f : c_.fields) {
            fields.emplace_back(f.name.c_str(), f.data.empty() ? nullptr : f.data.data(),
                                static_cast<nvinfer1::PluginFieldType>(f.type), f.length);
        }
        nvinfer1::PluginFieldCollection fc{};
        fc.nbFields = static_cast<int32_t>(fields.size());
        fc.fields = fields.empty() ? nullptr : fields.data();
        made = creator_->createPlugin(layer_.c_str(), c_.null_fields ? nullptr : &fc);
    }
    const char* what = from_blob ? "deserializePlugin" : "createPlugin";
    const std::string expected = from_blob ? "deserialize-fail" : "create-fail";
    if (c_.expect == expected) {
        if (made != nullptr) {
            made->destroy();
            *msg = std::string(what) + " accepted what it should have rejected";
            return Outcome::kFail;
        }
        if (!message_logged(mark, c_.expect_message)) {
            *msg = std::string(what) + " returned null, but logged no error containing '" + c_.expect_message + "'";
            return Outcome::kFail;
        }
        *msg = std::string(what) + " rejected it as expected";
        expected_failure_seen_ = true;
        return Outcome::kOk;
    }
    if (made == nullptr) {
        std::string first;
        errors_logged(mark, &first);
        *msg = std::string(what) + " returned null" + (first.empty() ? " and logged nothing" : ": " + first);
        return Outcome::kFail;
    }
    const int32_t kind = (made->getTensorRTVersion() >> 24) & 0xFF;
    if (kind != 3) {  // PluginVersion::kV2_DYNAMICEXT
        made->destroy();
        *msg = "the plugin is not an IPluginV2DynamicExt (version byte " + std::to_string(kind) + ")";
        return Outcome::kFail;
    }
    plugin_ = static_cast<nvinfer1::IPluginV2DynamicExt*>(made);
    plugin_->setPluginNamespace(creator_->getPluginNamespace());  // as TensorRT does after creation
    if (c_.plugin != plugin_->getPluginType() || c_.version != plugin_->getPluginVersion()) {
        *msg = std::string("the plugin reports type '") + plugin_->getPluginType() + "' version '" +
               plugin_->getPluginVersion() + "'";
        return Outcome::kFail;
    }
    *msg = std::string(what) + " made the plugin";
    return Outcome::kOk;
}

Outcome CaseRun::clone(std::string* msg) {
    nvinfer1::IPluginV2* copy = plugin_->clone();
    if (copy == nullptr) {
        *msg = "clone() returned null";
        return Outcome::kFail;
    }
    clone_ = static_cast<nvinfer1::IPluginV2DynamicExt*>(copy);
    std::vector<unsigned char> a, b;
    if (!serialized(plugin_, &a, msg) || !serialized(clone_, &b, msg)) return Outcome::kFail;
    if (a != b) {
        *msg = "the clone serializes differently from the original";
        return Outcome::kFail;
    }
    if (std::strcmp(clone_->getPluginNamespace(), plugin_->getPluginNamespace()) != 0) {
        *msg = "the clone lost the plugin namespace";
        return Outcome::kFail;
    }
    return Outcome::kOk;
}

bool CaseRun::static_dims(nvinfer1::IPluginV2DynamicExt* p, std::vector<nvinfer1::Dims>* out, std::string* msg) const {
    ExprBuilder builder;
    std::vector<nvinfer1::DimsExprs> ins(c_.inputs.size());
    for (size_t i = 0; i < c_.inputs.size(); ++i) {
        ins[i].nbDims = c_.inputs[i].rank;
        for (int32_t a = 0; a < c_.inputs[i].rank; ++a) ins[i].d[a] = builder.make(true, c_.inputs[i].dims[a]);
    }
    out->clear();
    for (int32_t k = 0; k < p->getNbOutputs(); ++k) {
        nvinfer1::DimsExprs e = p->getOutputDimensions(k, ins.data(), static_cast<int32_t>(ins.size()), builder);
        nvinfer1::Dims d{};
        if (e.nbDims < 0 || e.nbDims > nvinfer1::Dims::MAX_DIMS) {
            *msg = "getOutputDimensions(" + std::to_string(k) + ") returned no shape (nbDims " +
                   std::to_string(e.nbDims) + ")" + (builder.error().empty() ? "" : ": " + builder.error());
            return false;
        }
        d.nbDims = e.nbDims;
        for (int32_t a = 0; a < e.nbDims; ++a) {
            if (e.d[a] == nullptr || !e.d[a]->isConstant()) {
                *msg = "output " + std::to_string(k) + " dimension " + std::to_string(a) +
                       (e.d[a] ? " is not constant although every input dimension is" : " is null");
                return false;
            }
            d.d[a] = e.d[a]->getConstantValue();
        }
        out->push_back(d);
    }
    return true;
}

Outcome CaseRun::output_dims(bool symbolic_batch, std::string* msg) {
    const int32_t n_out = clone_->getNbOutputs();
    if (n_out != static_cast<int32_t>(c_.outputs.size())) {
        *msg = "getNbOutputs() is " + std::to_string(n_out) + ", the plan expects " + std::to_string(c_.outputs.size());
        return Outcome::kFail;
    }
    if (!symbolic_batch) {
        std::vector<nvinfer1::Dims> dims;
        if (!static_dims(clone_, &dims, msg)) return Outcome::kFail;
        for (int32_t k = 0; k < n_out; ++k) {
            const TensorSpec& want = c_.outputs[static_cast<size_t>(k)];
            int64_t got[8] = {};
            for (int32_t a = 0; a < dims[k].nbDims; ++a) got[a] = dims[k].d[a];
            bool same = dims[k].nbDims == want.rank;
            for (int32_t a = 0; same && a < want.rank; ++a) same = got[a] == want.dims[a];
            if (!same) {
                *msg = "output " + std::to_string(k) + " has shape " + dims_text(dims[k].nbDims, got) + ", expected " +
                       dims_text(want.rank, want.dims);
                return Outcome::kFail;
            }
            *msg += (k ? " " : "") + dims_text(want.rank, want.dims);
        }
        return Outcome::kOk;
    }
    // Dynamic batch: dimension 0 of every input is symbolic, as TensorRT passes it for an
    // optimization profile; every output dimension must evaluate to the static value.
    ExprBuilder builder;
    std::vector<nvinfer1::DimsExprs> ins(c_.inputs.size());
    for (size_t i = 0; i < c_.inputs.size(); ++i) {
        ins[i].nbDims = c_.inputs[i].rank;
        for (int32_t a = 0; a < c_.inputs[i].rank; ++a) ins[i].d[a] = builder.make(a != 0, c_.inputs[i].dims[a]);
    }
    std::string symbolic;
    for (int32_t k = 0; k < n_out; ++k) {
        nvinfer1::DimsExprs e = clone_->getOutputDimensions(k, ins.data(), static_cast<int32_t>(ins.size()), builder);
        const TensorSpec& want = c_.outputs[static_cast<size_t>(k)];
        if (e.nbDims != want.rank) {
            *msg = "with a symbolic batch, output " + std::to_string(k) + " has rank " + std::to_string(e.nbDims) +
                   ", expected " + std::to_string(want.rank) + (builder.error().empty() ? "" : ": " + builder.error());
            return Outcome::kFail;
        }
        for (int32_t a = 0; a < e.nbDims; ++a) {
            const DimExpr* d = static_cast<const DimExpr*>(e.d[a]);
            if (d == nullptr || d->value() != want.dims[a]) {
                *msg = "with a symbolic batch, output " + std::to_string(k) + " dimension " + std::to_string(a) +
                       (d ? " evaluates to " + std::to_string(d->value()) : std::string(" is null")) + ", expected " +
                       std::to_string(want.dims[a]);
                return Outcome::kFail;
            }
            if (!d->constant()) symbolic += (symbolic.empty() ? "" : ", ") + std::to_string(k) + "[" + std::to_string(a) + "]";
        }
    }
    *msg = "batch-dependent output dimensions: " + (symbolic.empty() ? std::string("none") : symbolic);
    return Outcome::kOk;
}

Outcome CaseRun::output_types(std::string* msg) {
    std::vector<nvinfer1::DataType> types;
    for (const TensorSpec& t : c_.inputs) types.push_back(static_cast<nvinfer1::DataType>(t.dtype));
    for (size_t k = 0; k < c_.outputs.size(); ++k) {
        const int32_t got = static_cast<int32_t>(
            clone_->getOutputDataType(static_cast<int32_t>(k), types.data(), static_cast<int32_t>(types.size())));
        if (got != c_.outputs[k].dtype) {
            *msg = "output " + std::to_string(k) + " has data type " + dtype_label(got) + ", expected " +
                   dtype_label(c_.outputs[k].dtype);
            return Outcome::kFail;
        }
    }
    return Outcome::kOk;
}

Outcome CaseRun::formats(std::string* msg) {
    io_ = linear_descs(c_);
    const int32_t n_in = static_cast<int32_t>(c_.inputs.size());
    const int32_t n_out = static_cast<int32_t>(c_.outputs.size());
    auto supports = [&](int32_t pos, const std::vector<nvinfer1::PluginTensorDesc>& io) {
        return clone_->supportsFormatCombination(pos, io.data(), n_in, n_out);
    };
    return check_formats(io_, supports, nullptr, msg);
}

Outcome CaseRun::configure(std::string* msg) {
    const size_t mark = logger_finder().logger.mark();
    std::vector<nvinfer1::DynamicPluginTensorDesc> descs = profile_descs(io_);
    const int32_t n_in = static_cast<int32_t>(c_.inputs.size());
    clone_->configurePlugin(descs.data(), n_in, descs.data() + n_in, static_cast<int32_t>(c_.outputs.size()));
    if (c_.expect == "types-rejected") {
        if (!message_logged(mark, c_.expect_message)) {
            *msg = "configurePlugin logged no error containing '" + c_.expect_message + "'";
            return Outcome::kFail;
        }
        expected_failure_seen_ = true;
        *msg = "configurePlugin reported the combination as expected";
    }
    return Outcome::kOk;
}

Outcome CaseRun::workspace(std::string* msg) {
    const int32_t n_in = static_cast<int32_t>(c_.inputs.size());
    const size_t bytes =
        clone_->getWorkspaceSize(io_.data(), n_in, io_.data() + n_in, static_cast<int32_t>(c_.outputs.size()));
    *msg = std::to_string(bytes) + " bytes";
    return Outcome::kOk;
}

Outcome CaseRun::enqueue(std::string* msg) {
    if (!ctx_.gpu) {
        *msg = "no GPU: " + ctx_.no_gpu_reason;
        return Outcome::kSkip;
    }
    Driver& drv = ctx_.driver;
    if (clone_->initialize() != 0) {
        *msg = "initialize() failed";
        return Outcome::kFail;
    }
    std::vector<Driver::DevicePtr> buffers;
    struct Release {
        Driver& d;
        std::vector<Driver::DevicePtr>& b;
        nvinfer1::IPluginV2DynamicExt* p;
        ~Release() {
            for (auto ptr : b) d.release(ptr);
            p->terminate();
        }
    } release{drv, buffers, clone_};
    auto bytes_of = [](const TensorSpec& t) {
        size_t n = dtype_size(t.dtype);
        for (int32_t a = 0; a < t.rank; ++a) n *= static_cast<size_t>(t.dims[a]);
        return n;
    };
    std::vector<const void*> in_ptrs;
    std::vector<void*> out_ptrs;
    for (const TensorSpec& t : c_.inputs) {
        std::vector<unsigned char> host;
        if (!read_file(resolve(ctx_.plan, t.file), &host, msg)) return Outcome::kFail;
        if (host.size() != bytes_of(t)) {
            *msg = t.file + " holds " + std::to_string(host.size()) + " bytes, the input needs " +
                   std::to_string(bytes_of(t));
            return Outcome::kFail;
        }
        Driver::DevicePtr p = 0;
        if (!drv.alloc(&p, host.size(), msg)) return Outcome::kFail;
        buffers.push_back(p);
        if (!drv.upload(p, host.data(), host.size(), msg)) return Outcome::kFail;
        in_ptrs.push_back(reinterpret_cast<const void*>(static_cast<uintptr_t>(p)));
    }
    for (const TensorSpec& t : c_.outputs) {
        Driver::DevicePtr p = 0;
        if (!drv.alloc(&p, bytes_of(t), msg)) return Outcome::kFail;
        buffers.push_back(p);
        // A pattern no kernel writes by chance (NaN for floats): unwritten outputs are visible.
        if (!drv.fill(p, 0xFF, bytes_of(t), msg)) return Outcome::kFail;
        out_ptrs.push_back(reinterpret_cast<void*>(static_cast<uintptr_t>(p)));
    }
    const int32_t n_in = static_cast<int32_t>(c_.inputs.size());
    const size_t ws_bytes =
        clone_->getWorkspaceSize(io_.data(), n_in, io_.data() + n_in, static_cast<int32_t>(c_.outputs.size()));
    Driver::DevicePtr ws = 0;
    if (ws_bytes > 0) {
        if (!drv.alloc(&ws, ws_bytes, msg)) return Outcome::kFail;
        buffers.push_back(ws);
    }
    const int32_t rc = clone_->enqueue(io_.data(), io_.data() + n_in, in_ptrs.data(), out_ptrs.data(),
                                       ws ? reinterpret_cast<void*>(static_cast<uintptr_t>(ws)) : nullptr,
                                       static_cast<cudaStream_t>(drv.stream()));
    if (rc != 0) {
        *msg = "enqueue() returned " + std::to_string(rc);
        return Outcome::kFail;
    }
    if (!drv.sync(msg)) return Outcome::kFail;
    for (size_t k = 0; k < c_.outputs.size(); ++k) {
        std::vector<unsigned char> host(bytes_of(c_.outputs[k]));
        if (!drv.download(host.data(), reinterpret_cast<uintptr_t>(out_ptrs[k]), host.size(), msg)) {
            return Outcome::kFail;
        }
        if (!write_file(resolve(ctx_.plan, c_.outputs[k].file), host.data(), host.size(), msg)) return Outcome::kFail;
    }
    *msg = "ran on " + ctx_.driver.describe();
    return Outcome::kOk;
}

Outcome CaseRun::bench(std::string* msg) {
    Driver& drv = ctx_.driver;
    if (clone_->initialize() != 0) {
        *msg = "initialize() failed";
        return Outcome::kFail;
    }
    std::vector<Driver::DevicePtr> buffers;
    std::vector<void*> events;
    struct Release {
        Driver& d;
        std::vector<Driver::DevicePtr>& b;
        std::vector<void*>& e;
        nvinfer1::IPluginV2DynamicExt* p;
        ~Release() {
            for (auto ptr : b) d.release(ptr);
            for (void* ev : e) d.event_destroy(ev);
            p->terminate();
        }
    } release{drv, buffers, events, clone_};
    auto device_buffer = [&](const TensorSpec& t, bool input, void** out) {
        size_t bytes = dtype_size(t.dtype);
        for (int32_t a = 0; a < t.rank; ++a) bytes *= static_cast<size_t>(t.dims[a]);
        Driver::DevicePtr p = 0;
        if (!drv.alloc(&p, bytes, msg)) return false;
        buffers.push_back(p);
        *out = reinterpret_cast<void*>(static_cast<uintptr_t>(p));
        if (!input || t.file.empty()) return drv.fill(p, 0x3C, bytes, msg);
        std::vector<unsigned char> host;
        if (!read_file(resolve(ctx_.plan, t.file), &host, msg)) return false;
        if (host.size() != bytes) {
            *msg = t.file + " holds " + std::to_string(host.size()) + " bytes, the input needs " + std::to_string(bytes);
            return false;
        }
        return drv.upload(p, host.data(), bytes, msg);
    };
    std::vector<const void*> in_ptrs;
    std::vector<void*> out_ptrs;
    for (const TensorSpec& t : c_.inputs) {
        void* p = nullptr;
        if (!device_buffer(t, true, &p)) return Outcome::kFail;
        in_ptrs.push_back(p);
    }
    for (const TensorSpec& t : c_.outputs) {
        void* p = nullptr;
        if (!device_buffer(t, false, &p)) return Outcome::kFail;
        out_ptrs.push_back(p);
    }
    const int32_t n_in = static_cast<int32_t>(c_.inputs.size());
    const size_t ws_bytes =
        clone_->getWorkspaceSize(io_.data(), n_in, io_.data() + n_in, static_cast<int32_t>(c_.outputs.size()));
    void* ws = nullptr;
    if (ws_bytes > 0) {
        Driver::DevicePtr p = 0;
        if (!drv.alloc(&p, ws_bytes, msg)) return Outcome::kFail;
        buffers.push_back(p);
        ws = reinterpret_cast<void*>(static_cast<uintptr_t>(p));
    }
    void* start = nullptr;
    void* stop = nullptr;
    if (!drv.event_create(&start, msg)) return Outcome::kFail;
    events.push_back(start);
    if (!drv.event_create(&stop, msg)) return Outcome::kFail;
    events.push_back(stop);
    auto launch = [&]() {
        return clone_->enqueue(io_.data(), io_.data() + n_in, in_ptrs.data(), out_ptrs.data(), ws,
                               static_cast<cudaStream_t>(drv.stream()));
    };
    for (int32_t i = 0; i < 3; ++i) {  // warm-up: modules load on the first enqueue
        const int32_t rc = launch();
        if (rc != 0) {
            *msg = "enqueue() returned " + std::to_string(rc);
            return Outcome::kFail;
        }
    }
    if (!drv.sync(msg)) return Outcome::kFail;
    const int32_t n = ctx_.bench_iterations;
    std::string gpu, host;
    for (int32_t r = 0; r < ctx_.bench_repeats; ++r) {
        if (!drv.event_record(start, msg)) return Outcome::kFail;
        const auto t0 = std::chrono::steady_clock::now();
        int32_t rc = 0;
        for (int32_t i = 0; i < n && rc == 0; ++i) rc = launch();
        const auto t1 = std::chrono::steady_clock::now();
        if (rc != 0) {
            *msg = "enqueue() returned " + std::to_string(rc);
            return Outcome::kFail;
        }
        float ms = 0.0f;
        if (!drv.event_record(stop, msg) || !drv.elapsed_ms(start, stop, &ms, msg)) return Outcome::kFail;
        const double host_us = std::chrono::duration<double, std::micro>(t1 - t0).count() / n;
        char word[64];
        std::snprintf(word, sizeof word, "%s%.4f", r ? "," : "", static_cast<double>(ms) * 1000.0 / n);
        gpu += word;
        std::snprintf(word, sizeof word, "%s%.4f", r ? "," : "", host_us);
        host += word;
    }
    ctx_.out.write(Record("bench").add("case", c_.id).add("iterations", static_cast<int64_t>(n)).add("gpu", gpu).add("host", host));
    *msg = "ran on " + drv.describe();
    return Outcome::kOk;
}

Outcome CaseRun::serialize(std::string* msg) {
    if (!serialized(clone_, &blob_, msg)) return Outcome::kFail;
    if (!c_.save_blob.empty() && !write_file(resolve(ctx_.plan, c_.save_blob), blob_.data(), blob_.size(), msg)) {
        return Outcome::kFail;
    }
    *msg = std::to_string(blob_.size()) + " bytes";
    return Outcome::kOk;
}

Outcome CaseRun::deserialize(std::string* msg) {
    nvinfer1::IPluginV2* made = creator_->deserializePlugin(layer_.c_str(), blob_.data(), blob_.size());
    if (made == nullptr) {
        *msg = "deserializePlugin rejected the plugin's own serialization";
        return Outcome::kFail;
    }
    restored_ = static_cast<nvinfer1::IPluginV2DynamicExt*>(made);
    restored_->setPluginNamespace(creator_->getPluginNamespace());
    return Outcome::kOk;
}

Outcome CaseRun::compare(std::string* msg) {
    if (std::strcmp(restored_->getPluginType(), clone_->getPluginType()) != 0 ||
        std::strcmp(restored_->getPluginVersion(), clone_->getPluginVersion()) != 0 ||
        restored_->getNbOutputs() != clone_->getNbOutputs()) {
        *msg = "the deserialized plugin differs in type, version or number of outputs";
        return Outcome::kFail;
    }
    std::vector<unsigned char> again;
    if (!serialized(restored_, &again, msg)) return Outcome::kFail;
    if (again != blob_) {
        *msg = "the deserialized plugin serializes to different bytes";
        return Outcome::kFail;
    }
    std::vector<nvinfer1::Dims> a, b;
    if (!static_dims(clone_, &a, msg) || !static_dims(restored_, &b, msg)) return Outcome::kFail;
    for (size_t k = 0; k < a.size(); ++k) {
        bool same = a[k].nbDims == b[k].nbDims;
        for (int32_t i = 0; same && i < a[k].nbDims; ++i) same = a[k].d[i] == b[k].d[i];
        if (!same) {
            *msg = "the deserialized plugin computes a different shape for output " + std::to_string(k);
            return Outcome::kFail;
        }
    }
    return Outcome::kOk;
}

Outcome CaseRun::destroy(std::string*) {
    for (nvinfer1::IPluginV2DynamicExt** p : {&restored_, &clone_, &plugin_}) {
        if (*p) (*p)->destroy();
        *p = nullptr;
    }
    return Outcome::kOk;
}

bool CaseRun::run() {
    layer_ = "layer_" + c_.id;
    case_mark_ = logger_finder().logger.mark();
    bool ok = step("lookup", [&](std::string* m) { return lookup(m); }, c_.expect == "lookup-fail");
    const bool expects_create_failure = c_.expect == "create-fail" || c_.expect == "deserialize-fail";
    if (ok && !expected_failure_seen_) {
        ok = step("create", [&](std::string* m) { return create(m); }, expects_create_failure);
    }
    ok = ok && build_steps() && expectation_met();
    if (ok && !expected_failure_seen_ && ctx_.bench_iterations > 0) {
        ok = step("workspace", [&](std::string* m) { return workspace(m); }) &&
             step("bench", [&](std::string* m) { return bench(m); });
    } else if (ok && !expected_failure_seen_) {
        ok = step("workspace", [&](std::string* m) { return workspace(m); }) &&
             step("enqueue", [&](std::string* m) { return enqueue(m); }) &&
             step("serialize", [&](std::string* m) { return serialize(m); }) &&
             step("deserialize", [&](std::string* m) { return deserialize(m); }) &&
             step("compare", [&](std::string* m) { return compare(m); });
    }
    if (plugin_ || clone_ || restored_) {
        ok = step("destroy", [&](std::string* m) { return destroy(m); }) && ok;
    }
    ctx_.out.write(Record("case").add("id", c_.id).add("status", ok ? "pass" : "fail"));
    return ok;
}

// ------------------------------------------------------------------------------------------
void load_library(Context& ctx, LibrarySpec& spec) {
    // dlopen searches the library path for a name without '/': a plan means a file.
    if (spec.path.find('/') == std::string::npos) spec.path = "./" + spec.path;
    LoadedLibrary& lib = ctx.libraries[spec.id];
    lib.spec = &spec;
    int32_t built = 0;
    if (!library_version(spec.path, &built, &lib.error)) {
        ctx.out.write(Record("library").add("id", spec.id).add("status", "fail").add("message", lib.error));
        return;
    }
    if (built / 10000 != kHarnessTensorRTVersion / 10000) {
        lib.error = spec.path + " was built for TensorRT " + version_text(built) + ", but this harness runs TensorRT " +
                    version_text(kHarnessTensorRTVersion) + ": build the library against TensorRT " +
                    std::to_string(kHarnessTensorRTVersion / 10000) + " headers (trtplug compile --tensorrt-include DIR)";
        ctx.out.write(Record("library").add("id", spec.id).add("status", "fail").add("message", lib.error));
        return;
    }
    std::vector<Registry::Entry> before = registry().entries();
    std::string detail;
    if (spec.load == "loader") {
        lib.handle = registry().loadLibrary(spec.path.c_str());
        if (lib.handle == nullptr) {
            lib.error = "IPluginRegistry::loadLibrary failed: " + registry().last_error();
            ctx.out.write(Record("library").add("id", spec.id).add("status", "fail").add("message", lib.error));
            return;
        }
        int32_t n = 0;
        for (const Registry::Entry& e : registry().entries()) n += e.library == lib.handle;
        detail = "loadLibrary registered " + std::to_string(n) + " creator(s)";
    } else {
        lib.handle = dlopen(spec.path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (lib.handle == nullptr) {
            const char* why = dlerror();
            lib.error = std::string("dlopen failed: ") + (why ? why : "unknown reason");
            ctx.out.write(Record("library").add("id", spec.id).add("status", "fail").add("message", lib.error));
            return;
        }
        for (const Registry::Entry& e : registry().entries()) {
            bool old = false;
            for (const Registry::Entry& b : before) old = old || b.creator == e.creator;
            if (!old) lib.static_creators.push_back(e.creator);
        }
        detail = "static registration at load registered " + std::to_string(lib.static_creators.size()) + " creator(s)";
    }
    lib.ok = true;
    ctx.out.write(Record("library").add("id", spec.id).add("status", "ok").add(
        "message", "TensorRT " + version_text(built) + " library; " + detail));
}

void unload_library(Context& ctx, LoadedLibrary& lib) {
    if (!lib.ok) return;
    const std::string& path = lib.spec->path;
    std::string problem;
    if (lib.spec->load == "loader") {
        registry().deregisterLibrary(lib.handle);
        for (const Registry::Entry& e : registry().entries()) {
            if (e.library == lib.handle) problem = "creators remain registered after deregisterLibrary";
        }
    } else {
        dlclose(lib.handle);
        if (void* still = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD)) {
            dlclose(still);
            problem = "the library stayed loaded after dlclose";
        } else {
            for (const Registry::Entry& e : registry().entries()) {
                for (CreatorEntry* c : lib.static_creators) {
                    if (e.creator == c) problem = "the library was unloaded, but its creators are still registered";
                }
            }
        }
    }
    ctx.out.write(Record("unload").add("id", lib.spec->id).add("status", problem.empty() ? "ok" : "fail").add("message", problem));
}

// "--bench ITERATIONS REPEATS": both positive numbers.
bool parse_bench_args(char** argv, Context* ctx) {
    auto positive = [](const char* text, int32_t* out) {
        char* end = nullptr;
        const long v = std::strtol(text, &end, 10);
        if (end == text || *end != '\0' || v < 1 || v > 1000000) return false;
        *out = static_cast<int32_t>(v);
        return true;
    };
    return positive(argv[2], &ctx->bench_iterations) && positive(argv[3], &ctx->bench_repeats);
}

int run(int argc, char** argv) {
    const char* program = argc > 0 ? argv[0] : "trtplug_harness";
    Context ctx;
    const bool bench = argc == 6 && std::strcmp(argv[1], "--bench") == 0;
    if (!(argc == 3 || bench) || (bench && !parse_bench_args(argv, &ctx))) {
        std::fprintf(stderr, "usage: %s PLAN RESULT\n       %s --bench ITERATIONS REPEATS PLAN RESULT\n", program,
                     program);
        return 2;
    }
    const char* plan_path = bench ? argv[4] : argv[1];
    const char* result_path = bench ? argv[5] : argv[2];
    std::string error;
    if (!ctx.out.open(result_path, &error)) {
        std::fprintf(stderr, "trtplug harness: %s\n", error.c_str());
        return 2;
    }
    ctx.out.write(Record("trtplug-result").add("format", static_cast<int64_t>(kPlanFormat)));
    ctx.out.write(Record("harness").add("tensorrt", version_text(kHarnessTensorRTVersion)));
    if (!parse_plan(plan_path, &ctx.plan, &error)) {
        ctx.out.write(Record("error").add("message", error));
        std::fprintf(stderr, "trtplug harness: %s\n", error.c_str());
        return 2;
    }
    if (bench) {
        ctx.gpu = ctx.driver.open(&ctx.no_gpu_reason);
        if (!ctx.gpu) {
            ctx.out.write(Record("error").add("message", "the bench mode needs a GPU: " + ctx.no_gpu_reason));
            std::fprintf(stderr, "trtplug harness: the bench mode needs a GPU: %s\n", ctx.no_gpu_reason.c_str());
            return 2;
        }
    } else if (ctx.plan.mode == "cpu") {
        ctx.no_gpu_reason = "the plan asks for the CPU lifecycle only";
    } else {
        ctx.gpu = ctx.driver.open(&ctx.no_gpu_reason);
        if (!ctx.gpu && ctx.plan.mode == "gpu") {
            ctx.out.write(Record("error").add("message", "the plan requires a GPU: " + ctx.no_gpu_reason));
            return 2;
        }
    }
    ctx.out.write(Record("device").add("kind", ctx.gpu ? "gpu" : "cpu").add(
        "name", ctx.gpu ? ctx.driver.describe() : ctx.no_gpu_reason));
    bool all_ok = true;
    for (LibrarySpec& spec : ctx.plan.libraries) {
        load_library(ctx, spec);
        all_ok = ctx.libraries[spec.id].ok && all_ok;
    }
    for (const CaseSpec& c : ctx.plan.cases) {
        if (is_v3_case(c)) {
            all_ok = run_v3_case(ctx, c) && all_ok;
            continue;
        }
        CaseRun run(ctx, c);
        all_ok = run.run() && all_ok;
    }
    for (auto it = ctx.plan.libraries.rbegin(); it != ctx.plan.libraries.rend(); ++it) {
        unload_library(ctx, ctx.libraries[it->id]);
    }
    ctx.out.write(Record("end"));
    return all_ok ? 0 : 1;
}

}  // namespace
}  // namespace harness

TRTPLUG_TRT_V2_END

int main(int argc, char** argv) { return harness::run(argc, argv); }
