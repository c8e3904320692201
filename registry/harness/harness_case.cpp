// The step protocol and device buffers every case driver of the harness uses.
#include "harness_case.h"

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
