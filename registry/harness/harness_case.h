// What every case driver of the lifecycle harness shares: the run's context (plan, result file,
// GPU, loaded libraries), the step protocol (begin / log / step records) and small helpers.
//
// harness_main.cpp drives IPluginV2DynamicExt plugins, harness_v3.cpp IPluginV3 ones; which one
// runs a case is decided by the kind of creator the registry holds for it (is_v3_case).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "harness_driver.h"
#include "harness_nvinfer.h"
#include "harness_plan.h"

namespace harness {

constexpr int32_t kHarnessTensorRTVersion = trtplug::trt::kBuiltTensorRTVersion;

inline std::string version_text(int32_t v) {
    return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

inline size_t dtype_size(int32_t dtype) {
    switch (dtype) {
        case 0: return 4;  // float32
        case 1: return 2;  // float16
        case 2: return 1;  // int8
        case 3: return 4;  // int32
        case 4: return 1;  // bool
        case 5: return 1;  // uint8
        case 6: return 1;  // fp8
        case 7: return 2;  // bfloat16
        case 8: return 8;  // int64
    }
    return 0;
}

inline const char* dtype_label(int32_t dtype) {
    return trtplug::trt::trt_dtype_name(static_cast<nvinfer1::DataType>(dtype));
}

inline std::string dims_text(int32_t rank, const int64_t* dims) {
    std::string s = "(";
    for (int32_t i = 0; i < rank; ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
    return s + (rank == 1 ? ",)" : ")");
}

struct LoadedLibrary {
    const LibrarySpec* spec = nullptr;
    void* handle = nullptr;
    bool ok = false;
    std::string error;
    std::vector<CreatorEntry*> static_creators;  // registered by the library's static registrars
};

enum class Outcome { kOk, kFail, kSkip };

struct Context {
    Plan plan;
    records::Writer out;
    Driver driver;
    bool gpu = false;
    std::string no_gpu_reason;
    int32_t bench_iterations = 0;  // > 0: bench mode
    int32_t bench_repeats = 0;
    std::map<std::string, LoadedLibrary> libraries;
};

// The case's tensors, inputs then outputs, in linear format with the case's shapes and types.
std::vector<nvinfer1::PluginTensorDesc> linear_descs(const CaseSpec& c);
// The same tensors as a build profile whose min, opt and max shapes are the case's shapes.
std::vector<nvinfer1::DynamicPluginTensorDesc> profile_descs(const std::vector<nvinfer1::PluginTensorDesc>& io);

// The steps of one case, recorded as the harness's result format says, and the checks both plugin
// interfaces make alike (only the TensorRT calls differ: the drivers pass them in).
class CaseSteps {
protected:
    CaseSteps(Context& ctx, const CaseSpec& spec) : ctx_(ctx), c_(spec) {}
    virtual ~CaseSteps() = default;

    // Runs one step: records its start, its outcome and the lines the plugin logged meanwhile.
    // A step fails when it says so or when the plugin logged an error it was not expected to.
    bool step(const char* name, const std::function<Outcome(std::string*)>& body, bool errors_expected = false);
    bool errors_logged(size_t mark, std::string* first) const;
    bool message_logged(size_t mark, const std::string& text) const;

    // The build-phase steps each driver implements for its interface.
    virtual Outcome clone(std::string* msg) = 0;
    virtual Outcome output_dims(bool symbolic_batch, std::string* msg) = 0;
    virtual Outcome output_types(std::string* msg) = 0;
    virtual Outcome formats(std::string* msg) = 0;
    virtual Outcome configure(std::string* msg) = 0;
    // Runs clone, output-dims, output-dims-dynamic, output-types, formats and configure in this
    // order until one fails or meets the failure the plan expects. A case that expects its types
    // rejected skips output-types and expects configure to log an error.
    bool build_steps();
    // False, with a failing `expectation` step, when the plan expects a failure no step met.
    bool expectation_met();

    // lookup, once a creator is found: it reports the case's name, version and namespace.
    bool creator_matches(const char* name, const char* version, const char* plugin_namespace, std::string* msg) const;
    // lookup: getFieldNames() gave a valid list; the message is `lead` and the fields.
    static bool fields_listed(const nvinfer1::PluginFieldCollection* fields, const char* lead, std::string* msg);

    // Whether the plugin supports the tensors `io` at position `pos`: its supportsFormatCombination
    // (an IPluginV3 one is given `io` as profile_descs).
    using SupportsFormat = std::function<bool(int32_t pos, const std::vector<nvinfer1::PluginTensorDesc>& io)>;
    // formats: the declared combination `io` is accepted at every position (or, when the plan
    // expects its types rejected, refused at one), the non-linear kCHW32 is refused, and the
    // message lists the types position 0 accepts, then `note()` when given.
    Outcome check_formats(const std::vector<nvinfer1::PluginTensorDesc>& io, const SupportsFormat& supports,
                          const std::function<std::string()>& note, std::string* msg) const;

    Context& ctx_;
    const CaseSpec& c_;
    bool expected_failure_seen_ = false;
    size_t case_mark_ = 0;
};

// Device buffers for one enqueue: inputs read from the plan's files (or filled with 0x3C when a
// file is not given), outputs filled with 0xFF (NaN for floats: unwritten outputs show), a
// workspace; all freed on destruction.
class DeviceTensors {
public:
    DeviceTensors(Context& ctx, const CaseSpec& spec) : ctx_(ctx), c_(spec) {}
    ~DeviceTensors();
    DeviceTensors(const DeviceTensors&) = delete;
    DeviceTensors& operator=(const DeviceTensors&) = delete;

    bool allocate(size_t workspace_bytes, std::string* msg);
    // Waits for the stream, then writes each output to the file the plan names.
    bool write_outputs(std::string* msg);

    std::vector<const void*> inputs;
    std::vector<void*> outputs;
    void* workspace = nullptr;

private:
    static size_t bytes_of(const TensorSpec& t);

    Context& ctx_;
    const CaseSpec& c_;
    std::vector<Driver::DevicePtr> buffers_;
};

// Whether the registry holds an IPluginV3 creator for the case's plugin (false before TensorRT 10).
bool is_v3_case(const CaseSpec& c);
// Runs the case through the IPluginV3 lifecycle (harness_v3.cpp); true when it passed.
bool run_v3_case(Context& ctx, const CaseSpec& c);

}  // namespace harness
