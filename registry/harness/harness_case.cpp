// The step protocol, the checks both plugin interfaces share and the device buffers every case
// driver of the harness uses.
#include "harness_case.h"

#include <cstring>

TRTPLUG_TRT_V2_BEGIN

namespace harness {

using records::Record;

bool CaseSteps::errors_logged(size_t mark, std::string* first) const {
    for (const LogLine& l : logger_finder().logger.since(mark)) {
        if (l.severity <= static_cast<int32_t>(nvinfer1::ILogger::Severity::kERROR)) {
            if (first) *first = l.text;
            return true;
        }
    }
    return false;
}

bool CaseSteps::message_logged(size_t mark, const std::string& text) const {
    for (const LogLine& l : logger_finder().logger.since(mark)) {
        if (l.severity <= static_cast<int32_t>(nvinfer1::ILogger::Severity::kERROR) &&
            l.text.find(text) != std::string::npos) {
            return true;
        }
    }
    return false;
}

bool CaseSteps::step(const char* name, const std::function<Outcome(std::string*)>& body, bool errors_expected) {
    ctx_.out.write(Record("begin").add("case", c_.id).add("step", name));
    const size_t mark = logger_finder().logger.mark();
    std::string msg;
    Outcome outcome = body(&msg);
    std::string logged;
    if (outcome == Outcome::kOk && !errors_expected && errors_logged(mark, &logged)) {
        outcome = Outcome::kFail;
        msg = "the plugin logged an error: " + logged;
    }
    for (const LogLine& l : logger_finder().logger.since(mark)) {
        ctx_.out.write(Record("log").add("case", c_.id).add("severity", static_cast<int64_t>(l.severity)).add("text", l.text));
    }
    const char* word = outcome == Outcome::kOk ? "ok" : outcome == Outcome::kSkip ? "skip" : "fail";
    ctx_.out.write(Record("step").add("case", c_.id).add("step", name).add("status", word).add("message", msg));
    return outcome != Outcome::kFail;
}

bool CaseSteps::build_steps() {
    using Body = std::function<Outcome(std::string*)>;
    const bool types_rejected = c_.expect == "types-rejected";
    const std::vector<std::pair<const char*, Body>> steps = {
        {"clone", [&](std::string* m) { return clone(m); }},
        {"output-dims", [&](std::string* m) { return output_dims(false, m); }},
        {"output-dims-dynamic", [&](std::string* m) { return output_dims(true, m); }},
        {"output-types", [&](std::string* m) { return output_types(m); }},
        {"formats", [&](std::string* m) { return formats(m); }},
        {"configure", [&](std::string* m) { return configure(m); }},
    };
    bool ok = true;
    for (const auto& s : steps) {
        if (!ok || expected_failure_seen_) break;
        if (types_rejected && std::strcmp(s.first, "output-types") == 0) continue;
        ok = step(s.first, s.second, types_rejected && std::strcmp(s.first, "configure") == 0);
    }
    return ok;
}

bool CaseSteps::expectation_met() {
    if (expected_failure_seen_ || c_.expect.empty()) return true;
    ctx_.out.write(Record("step").add("case", c_.id).add("step", "expectation").add("status", "fail").add(
        "message", "the plan expects '" + c_.expect + "', but every step succeeded"));
    return false;
}

bool CaseSteps::creator_matches(const char* name, const char* version, const char* plugin_namespace,
                                std::string* msg) const {
    if (c_.plugin == name && c_.version == version && c_.plugin_namespace == plugin_namespace) return true;
    *msg = std::string("the creator found reports '") + name + "' version '" + version + "' namespace '" +
           plugin_namespace + "'";
    return false;
}

bool CaseSteps::fields_listed(const nvinfer1::PluginFieldCollection* fields, const char* lead, std::string* msg) {
    if (fields == nullptr || fields->nbFields < 0 || (fields->nbFields > 0 && fields->fields == nullptr)) {
        *msg = "getFieldNames() returned no valid field list";
        return false;
    }
    *msg = lead;
    for (int32_t i = 0; i < fields->nbFields; ++i) {
        const nvinfer1::PluginField& f = fields->fields[i];
        *msg += std::string(" ") + (f.name ? f.name : "?") + "(" +
                trtplug::trt::field_type_name(static_cast<int32_t>(f.type)) + " x" + std::to_string(f.length) + ")";
    }
    return true;
}

Outcome CaseSteps::check_formats(const std::vector<nvinfer1::PluginTensorDesc>& io, const SupportsFormat& supports,
                                 const std::function<std::string()>& note, std::string* msg) const {
    const int32_t n = static_cast<int32_t>(io.size());
    int32_t rejected_at = -1;
    for (int32_t pos = 0; pos < n && rejected_at < 0; ++pos) {
        if (!supports(pos, io)) rejected_at = pos;
    }
    if (c_.expect == "types-rejected") {
        if (rejected_at < 0) {
            *msg = "supportsFormatCombination accepted a combination the plugin does not declare";
            return Outcome::kFail;
        }
        *msg = "rejected at position " + std::to_string(rejected_at) + " as expected";
        return Outcome::kOk;
    }
    if (rejected_at >= 0) {
        *msg = "supportsFormatCombination rejects the declared combination at position " + std::to_string(rejected_at) +
               " (" + dtype_label(static_cast<int32_t>(io[static_cast<size_t>(rejected_at)].type)) + ", linear)";
        return Outcome::kFail;
    }
    if (!io.empty()) {
        std::vector<nvinfer1::PluginTensorDesc> other = io;
        other[0].format = nvinfer1::TensorFormat::kCHW32;
        if (supports(0, other)) {
            *msg = "supportsFormatCombination accepts the non-linear format kCHW32";
            return Outcome::kFail;
        }
        std::string accepted;
        for (int32_t t = 0; t <= 11; ++t) {
            other = io;
            other[0].type = static_cast<nvinfer1::DataType>(t);
            if (supports(0, other)) accepted += (accepted.empty() ? "" : ", ") + std::string(dtype_label(t));
        }
        *msg = "position 0 accepts: " + (accepted.empty() ? std::string("nothing") : accepted) + (note ? note() : "");
    }
    return Outcome::kOk;
}

std::vector<nvinfer1::PluginTensorDesc> linear_descs(const CaseSpec& c) {
    std::vector<nvinfer1::PluginTensorDesc> io;
    for (const std::vector<TensorSpec>* list : {&c.inputs, &c.outputs}) {
        for (const TensorSpec& t : *list) {
            nvinfer1::PluginTensorDesc d{};
            d.dims.nbDims = t.rank;
            for (int32_t i = 0; i < t.rank; ++i) d.dims.d[i] = static_cast<trtplug::trt::DimValue>(t.dims[i]);
            d.type = static_cast<nvinfer1::DataType>(t.dtype);
            d.format = nvinfer1::TensorFormat::kLINEAR;
            d.scale = 1.0f;
            io.push_back(d);
        }
    }
    return io;
}

std::vector<nvinfer1::DynamicPluginTensorDesc> profile_descs(const std::vector<nvinfer1::PluginTensorDesc>& io) {
    std::vector<nvinfer1::DynamicPluginTensorDesc> descs(io.size());
    for (size_t i = 0; i < io.size(); ++i) {
        descs[i].desc = io[i];
        descs[i].min = io[i].dims;
        descs[i].max = io[i].dims;
#if NV_TENSORRT_MAJOR >= 10
        descs[i].opt = io[i].dims;
#endif
    }
    return descs;
}

DeviceTensors::~DeviceTensors() {
    for (Driver::DevicePtr p : buffers_) ctx_.driver.release(p);
}

size_t DeviceTensors::bytes_of(const TensorSpec& t) {
    size_t n = dtype_size(t.dtype);
    for (int32_t a = 0; a < t.rank; ++a) n *= static_cast<size_t>(t.dims[a]);
    return n;
}

bool DeviceTensors::allocate(size_t workspace_bytes, std::string* msg) {
    Driver& drv = ctx_.driver;
    auto device_buffer = [&](size_t bytes, Driver::DevicePtr* p) {
        if (!drv.alloc(p, bytes, msg)) return false;
        buffers_.push_back(*p);
        return true;
    };
    for (const TensorSpec& t : c_.inputs) {
        Driver::DevicePtr p = 0;
        if (!device_buffer(bytes_of(t), &p)) return false;
        if (t.file.empty()) {
            if (!drv.fill(p, 0x3C, bytes_of(t), msg)) return false;
        } else {
            std::vector<unsigned char> host;
            if (!read_file(resolve(ctx_.plan, t.file), &host, msg)) return false;
            if (host.size() != bytes_of(t)) {
                *msg = t.file + " holds " + std::to_string(host.size()) + " bytes, the input needs " +
                       std::to_string(bytes_of(t));
                return false;
            }
            if (!drv.upload(p, host.data(), host.size(), msg)) return false;
        }
        inputs.push_back(reinterpret_cast<const void*>(static_cast<uintptr_t>(p)));
    }
    for (const TensorSpec& t : c_.outputs) {
        Driver::DevicePtr p = 0;
        if (!device_buffer(bytes_of(t), &p) || !drv.fill(p, 0xFF, bytes_of(t), msg)) return false;
        outputs.push_back(reinterpret_cast<void*>(static_cast<uintptr_t>(p)));
    }
    if (workspace_bytes > 0) {
        Driver::DevicePtr p = 0;
        if (!device_buffer(workspace_bytes, &p)) return false;
        workspace = reinterpret_cast<void*>(static_cast<uintptr_t>(p));
    }
    return true;
}

bool DeviceTensors::write_outputs(std::string* msg) {
    if (!ctx_.driver.sync(msg)) return false;
    for (size_t k = 0; k < c_.outputs.size(); ++k) {
        std::vector<unsigned char> host(bytes_of(c_.outputs[k]));
        if (!ctx_.driver.download(host.data(), reinterpret_cast<uintptr_t>(outputs[k]), host.size(), msg)) return false;
        if (!write_file(resolve(ctx_.plan, c_.outputs[k].file), host.data(), host.size(), msg)) return false;
    }
    return true;
}

}  // namespace harness

TRTPLUG_TRT_V2_END
