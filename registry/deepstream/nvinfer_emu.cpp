// nvinfer emulation: loads a custom library the way Gst-nvinfer does and calls one of its functions
// (an output parser, or NvDsInferInitializeInputLayers) with layers read from files, then releases
// what a parser allocated the way nvinfer does (masks with delete[], attribute labels with free()).
// Or, for `trtplug deepstream check`, only opens the library and looks names up in it. CPU only.
//
//   nvinfer_emu PLAN RESULT
//
// Plan and result are record files (registry/testing/records.h; docs/deepstream.md lists their
// records), written and read by trtplug/deepstream/emulator_records.py:
//   trtplug-nvinfer-plan format=1 kind=bbox|instance_mask|classifier|input_layers|probe library=PATH
//       [function=NAME] [calls=N] [max_batch=N] [log=FILE]
//   network width=W height=H channels=C           NvDsInferNetworkInfo
//   detection classes=N pre_cluster=V,.. post_cluster=V,..   NvDsInferParseDetectionParams
//   classifier threshold=V                        classifier-threshold
//   layer name=NAME dtype=CODE dims=D1,..,DN file=FILE   an output layer; FILE holds its bytes
//   input name=NAME dtype=CODE dims=D1,..,DN      input_layers: a non-image input layer
//   symbol name=NAME                              probe: a name to look up
// FILE paths are relative to the plan's folder. The library is opened with dlopen(RTLD_LAZY) and
// the function looked up with dlsym, as nvinfer does. `calls` calls a parser N times (fresh output
// vectors each time). With `log`, what the library writes to stderr during the call goes to FILE
// (which survives a crash) and then into `log` records.
//
// The result is written record by record, flushing each, so a crash leaves the step it crashed in
// (a `begin` without its `step`); the case is the function's name (the library's path for a probe):
//   trtplug-nvinfer-result format=1
//   begin case=ID step=load|lookup|call|release
//   log case=ID step=call text=LINE
//   step case=ID step=STEP status=ok|fail message=TEXT   (nvinfer's own message for load/lookup)
//   returned ok=1|0 [description=TEXT]            what the function returned
//   object class_id= left= top= width= height= confidence= [rotation_angle=]
//          [mask_width= mask_height= mask_size= mask=HEX]   (instance_mask; HEX: float32 values)
//   attribute index= value= confidence= [label=]  (classifier)
//   input name=NAME data=HEX                      (input_layers: the whole buffer after the call)
//   problem message=TEXT                          misuse of nvinfer's ownership or size rules
//   symbol name=NAME found=1|0                    (probe)
//   info name=trtplug_library_info|trtplug_deepstream_info text=TEXT   (probe, when exported)
//   error message=TEXT                            the plan could not be run
//   end
// Exit status: 0 the function was called (or the probe ran), 2 unusable plan or data, 3 dlopen
// failed, 4 dlsym failed.
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../testing/records.h"
#include "trtplug_nvdsinfer.h"

namespace {

using namespace trtplug::ds;
using records::Record;

constexpr int kPlanFormat = 1;
constexpr int kResultFormat = 1;
const size_t kDtypeSizes[] = {4, 2, 1, 4, 8, 1};  // NvDsInferDataType: FLOAT, HALF, INT8, INT32, INT64, UINT8

struct LayerSpec {
    std::string name, file;
    int32_t dtype = 0;
    std::vector<unsigned> dims;
};

struct Plan {
    std::string dir, kind, library, function, log;
    int32_t calls = 1;
    unsigned max_batch = 1;
    NvDsInferNetworkInfo net{0, 0, 0};
    unsigned classes = 0;
    std::vector<float> pre, post;
    float classifier_threshold = 0.0f;
    std::vector<LayerSpec> layers, inputs;
    std::vector<std::string> symbols;
};

bool read_unsigned(const Record& r, const char* key, unsigned* out) {
    int64_t v = 0;
    if (!r.int64(key, &v) || v < 0 || v > UINT32_MAX) return false;
    *out = static_cast<unsigned>(v);
    return true;
}

bool read_floats(const Record& r, const char* key, std::vector<float>* out) {
    std::vector<double> values;
    if (!r.double_list(key, &values)) return false;
    out->assign(values.begin(), values.end());
    return true;
}

// layer|input name=NAME dtype=CODE dims=D1,..,DN [file=FILE]
bool read_layer(const Record& r, LayerSpec* l) {
    std::vector<int64_t> dims;
    if (!r.text("name", &l->name) || l->name.empty() || !r.int32("dtype", &l->dtype) || l->dtype < 0 ||
        l->dtype > 5 || !r.int64_list("dims", &dims) || dims.size() > 8) {
        return false;
    }
    for (int64_t d : dims) {
        if (d < 0 || d > UINT32_MAX) return false;
        l->dims.push_back(static_cast<unsigned>(d));
    }
    l->file = r.text("file");
    return true;
}

bool parse_plan(const std::string& path, Plan* plan, std::string* error) {
    records::Reader in;
    if (!in.open(path, error)) return false;
    const size_t slash = path.rfind('/');
    plan->dir = slash == std::string::npos ? "." : path.substr(0, slash);
    auto bad = [&](const std::string& why) {
        *error = in.where() + why;
        return false;
    };
    Record r;
    bool header_seen = false;
    while (in.next(&r, error)) {
        const std::string& kind = r.kind();
        if (!header_seen) {
            header_seen = true;
            int32_t format = 0;
            if (kind != "trtplug-nvinfer-plan" || !r.int32("format", &format) || format != kPlanFormat) {
                return bad("not an nvinfer emulation plan (expected 'trtplug-nvinfer-plan format=" +
                           std::to_string(kPlanFormat) + "' on the first line)");
            }
            plan->kind = r.text("kind");
            plan->function = r.text("function");
            plan->log = r.text("log");
            if (!r.text("library", &plan->library) || plan->library.empty() || plan->kind.empty() ||
                (plan->kind != "probe" && plan->function.empty())) {
                return bad("expected: trtplug-nvinfer-plan format=1 kind=KIND library=PATH function=NAME");
            }
            if ((r.has("calls") && (!r.int32("calls", &plan->calls) || plan->calls < 1)) ||
                (r.has("max_batch") && !read_unsigned(r, "max_batch", &plan->max_batch))) {
                return bad("calls and max_batch must be positive integers");
            }
            continue;
        }
        if (kind == "network") {
            if (!read_unsigned(r, "width", &plan->net.width) || !read_unsigned(r, "height", &plan->net.height) ||
                !read_unsigned(r, "channels", &plan->net.channels)) {
                return bad("expected: network width=W height=H channels=C");
            }
        } else if (kind == "detection") {
            if (!read_unsigned(r, "classes", &plan->classes) || !read_floats(r, "pre_cluster", &plan->pre) ||
                !read_floats(r, "post_cluster", &plan->post)) {
                return bad("expected: detection classes=N pre_cluster=V,.. post_cluster=V,..");
            }
        } else if (kind == "classifier") {
            double threshold = 0;
            const std::string* v = r.find("threshold");
            if (!v || !records::to_double(*v, &threshold)) return bad("expected: classifier threshold=V");
            plan->classifier_threshold = static_cast<float>(threshold);
        } else if (kind == "layer" || kind == "input") {
            LayerSpec l;
            if (!read_layer(r, &l)) return bad("expected: " + kind + " name=NAME dtype=0..5 dims=D1,..,DN (up to 8)");
            (kind == "layer" ? plan->layers : plan->inputs).push_back(l);
        } else if (kind == "symbol") {
            std::string name;
            if (!r.text("name", &name)) return bad("expected: symbol name=NAME");
            plan->symbols.push_back(name);
        } else {
            return bad("unknown record '" + kind + "'");
        }
    }
    if (!error->empty()) return false;
    if (!header_seen) {
        *error = path + ": empty plan";
        return false;
    }
    return true;
}

std::string in_plan_dir(const Plan& plan, const std::string& file) {
    return file.empty() || file[0] == '/' ? file : plan.dir + "/" + file;
}

std::string number(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.9g", v);  // float32 values read back exactly
    return buf;
}

// Each layer gets its own exactly-sized host buffer, so a function reading past a layer's end is
// caught by AddressSanitizer.
struct Buffers {
    std::vector<void*> ptrs;
    void* add(size_t bytes) {
        void* p = std::malloc(bytes ? bytes : 1);
        if (p) ptrs.push_back(p);
        return p;
    }
    ~Buffers() {
        for (void* p : ptrs) std::free(p);
    }
};

NvDsInferLayerInfo layer_info(const LayerSpec& l, void* buffer, int binding, bool is_input) {
    NvDsInferLayerInfo info{};
    info.dataType = static_cast<NvDsInferDataType>(l.dtype);
    info.inferDims.numDims = static_cast<unsigned>(l.dims.size());
    unsigned numel = 1;
    for (size_t i = 0; i < l.dims.size(); ++i) {
        info.inferDims.d[i] = l.dims[i];
        numel *= l.dims[i];
    }
    info.inferDims.numElements = numel;
    info.bindingIndex = binding;  // binding 0 is the image input
    info.layerName = l.name.c_str();
    info.buffer = buffer;
    info.isInput = is_input ? 1 : 0;
    return info;
}

bool load_output_layers(const Plan& plan, Buffers& bufs, std::vector<NvDsInferLayerInfo>* infos, std::string* err) {
    int binding = 1;
    for (const auto& l : plan.layers) {
        const std::string path = in_plan_dir(plan, l.file);
        std::ifstream f(path, std::ios::binary);
        if (!f) {
            *err = "layer " + l.name + ": cannot read " + path;
            return false;
        }
        const std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        size_t expected = kDtypeSizes[l.dtype];
        for (unsigned d : l.dims) expected *= d;
        if (bytes.size() != expected) {
            *err = "layer " + l.name + ": " + path + " holds " + std::to_string(bytes.size()) + " bytes, its dims " +
                   std::to_string(expected);
            return false;
        }
        void* p = bufs.add(bytes.size());
        if (!p) {
            *err = "out of memory";
            return false;
        }
        if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
        infos->push_back(layer_info(l, p, binding++, false));
    }
    return true;
}

// Sends what is written to stderr while it is alive to a file (which a crash leaves behind).
class StderrCapture {
public:
    explicit StderrCapture(const std::string& path) {
        if (path.empty()) return;
        std::fflush(stderr);
        const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) return;
        saved_ = dup(2);
        if (saved_ >= 0) dup2(fd, 2);
        close(fd);
        path_ = path;
    }
    StderrCapture(const StderrCapture&) = delete;
    StderrCapture& operator=(const StderrCapture&) = delete;
    // Restores stderr and returns what was captured.
    std::string finish() {
        if (saved_ < 0) return "";
        std::fflush(stderr);
        dup2(saved_, 2);
        close(saved_);
        saved_ = -1;
        std::ifstream f(path_, std::ios::binary);
        return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    }
    ~StderrCapture() { finish(); }

private:
    std::string path_;
    int saved_ = -1;
};

class Emulation {
public:
    Emulation(const Plan& plan, records::Writer& out) : plan_(plan), out_(out) {
        case_ = plan.kind == "probe" ? plan.library : plan.function;
    }

    int run() {
        std::string message;
        begin("load");
        handle_ = dlopen(plan_.library.c_str(), RTLD_LAZY);
        if (!handle_) message = dlerror_text("unknown error");
        if (plan_.kind == "probe") {
            end("load", handle_ != nullptr, message);
            return probe();
        }
        if (!handle_) return fail("load", "Could not open custom lib: " + plan_.library + ": " + message, 3);
        end("load", true, "");

        begin("lookup");
        dlerror();
        void* sym = dlsym(handle_, plan_.function.c_str());
        if (!sym) {
            return fail("lookup", "dlsym failed to get func " + plan_.function + " pointer: " +
                                      dlerror_text("symbol is null"), 4);
        }
        end("lookup", true, "");

        if (plan_.kind == "input_layers") return initialize_input_layers(sym);
        return parse(sym);
    }

    ~Emulation() {
        if (handle_) dlclose(handle_);  // nvinfer closes the library when its context goes away
    }

private:
    static std::string dlerror_text(const char* fallback) {
        const char* e = dlerror();
        return e ? e : fallback;
    }

    void begin(const char* step) { out_.write(Record("begin").add("case", case_).add("step", step)); }
    void end(const char* step, bool ok, const std::string& message) {
        out_.write(Record("step").add("case", case_).add("step", step).add("status", ok ? "ok" : "fail").add(
            "message", message));
    }
    int fail(const char* step, const std::string& message, int status) {
        end(step, false, message);
        return status;
    }
    void problem(const std::string& message) { out_.write(Record("problem").add("message", message)); }

    // Runs `body` (the calls) as the `call` step, its stderr captured into log records.
    template <class Body>
    void call(Body&& body) {
        begin("call");
        std::string log;
        {
            StderrCapture capture(in_plan_dir(plan_, plan_.log));
            body();
            log = capture.finish();
        }
        std::istringstream lines(log);
        std::string line;
        while (std::getline(lines, line)) {
            if (!line.empty()) out_.write(Record("log").add("case", case_).add("step", "call").add("text", line));
        }
        end("call", true, "");
    }

    // What `trtplug deepstream check` needs to know about a custom library.
    int probe() {
        if (!handle_) return 0;
        for (const std::string& name : plan_.symbols) {
            dlerror();
            const bool found = dlsym(handle_, name.c_str()) != nullptr;
            out_.write(Record("symbol").add("name", name).add("found", found ? "1" : "0"));
        }
        for (const char* name : {"trtplug_library_info", "trtplug_deepstream_info"}) {
            auto fn = reinterpret_cast<const char* (*)()>(dlsym(handle_, name));
            if (fn) out_.write(Record("info").add("name", name).add("text", fn()));
        }
        return 0;
    }

    // nvinfer's NvDsInferInitializeInputLayers call: one exactly-sized host buffer per non-image input
    // (bindings from 1) of numElements * elementSize * maxBatchSize bytes, filled with a marker byte so
    // unwritten bytes show.
    int initialize_input_layers(void* sym) {
        Buffers bufs;
        std::vector<NvDsInferLayerInfo> infos;
        std::vector<size_t> bytes;
        int binding = 1;
        for (const auto& l : plan_.inputs) {
            size_t n = kDtypeSizes[l.dtype] * plan_.max_batch;
            for (unsigned d : l.dims) n *= d;
            void* p = bufs.add(n);
            if (!p) return plan_error("out of memory");
            std::memset(p, 0xCD, n ? n : 1);
            bytes.push_back(n);
            infos.push_back(layer_info(l, p, binding++, true));
        }
        auto fn = reinterpret_cast<NvDsInferInitializeInputLayersFunc>(sym);
        bool ok = false;
        call([&] { ok = fn(infos, plan_.net, plan_.max_batch); });
        out_.write(Record("returned").add("ok", ok ? "1" : "0"));
        for (size_t i = 0; i < infos.size(); ++i) {
            out_.write(Record("input").add("name", infos[i].layerName).add_hex("data", infos[i].buffer, bytes[i]));
        }
        return 0;
    }

    template <typename Obj>
    Record box(const Obj& o) {
        return Record("object").add("class_id", static_cast<int64_t>(o.classId)).add("left", number(o.left)).add(
            "top", number(o.top)).add("width", number(o.width)).add("height", number(o.height)).add(
            "confidence", number(o.detectionConfidence));
    }

    void left_objects(bool ok, size_t n, const char* what) {
        if (!ok && n) problem("parser returned false but left " + std::to_string(n) + " " + what);
    }

    int parse(void* sym) {
        Buffers bufs;
        std::vector<NvDsInferLayerInfo> layers;
        std::string err;
        if (!load_output_layers(plan_, bufs, &layers, &err)) return plan_error(err);
        NvDsInferParseDetectionParams dp;
        dp.numClassesConfigured = plan_.classes;
        dp.perClassPreclusterThreshold = plan_.pre;
        dp.perClassPostclusterThreshold = plan_.post;
        bool ok = false;

        if (plan_.kind == "bbox") {
            auto fn = reinterpret_cast<NvDsInferParseCustomFunc>(sym);
            std::vector<NvDsInferObjectDetectionInfo> objs;
            call([&] {
                for (int c = 0; c < plan_.calls; ++c) {
                    objs.clear();
                    ok = fn(layers, plan_.net, dp, objs);
                }
            });
            out_.write(Record("returned").add("ok", ok ? "1" : "0"));
            for (const auto& o : objs) {
                Record r = box(o);
#if TRTPLUG_DS_HAS_ROTATION_ANGLE
                r.add("rotation_angle", number(o.rotation_angle));
#endif
                out_.write(r);
            }
            left_objects(ok, objs.size(), "objects");
#if TRTPLUG_DS_HAS_INSTANCE_MASK
        } else if (plan_.kind == "instance_mask") {
            auto fn = reinterpret_cast<NvDsInferInstanceMaskParseCustomFunc>(sym);
            std::vector<NvDsInferInstanceMaskInfo> objs;
            auto release = [&] {
                for (auto& o : objs) delete[] o.mask;  // nvinfer's release of instance masks
                objs.clear();
            };
            call([&] {
                for (int c = 0; c < plan_.calls; ++c) {
                    release();
                    ok = fn(layers, plan_.net, dp, objs);
                }
            });
            out_.write(Record("returned").add("ok", ok ? "1" : "0"));
            for (size_t i = 0; i < objs.size(); ++i) {
                const auto& o = objs[i];
                Record r = box(o);
                r.add("mask_width", static_cast<int64_t>(o.mask_width)).add(
                    "mask_height", static_cast<int64_t>(o.mask_height)).add("mask_size", static_cast<int64_t>(o.mask_size));
                const size_t n = static_cast<size_t>(o.mask_width) * o.mask_height;
                if (o.mask && o.mask_size == n * sizeof(float)) {
                    r.add_hex("mask", o.mask, o.mask_size);
                } else if (o.mask) {
                    problem("object " + std::to_string(i) + ": mask_size " + std::to_string(o.mask_size) +
                            " is not mask_width*mask_height*4");
                }
                out_.write(r);
            }
            left_objects(ok, objs.size(), "objects");
            begin("release");
            release();
            end("release", true, "");
#endif
        } else if (plan_.kind == "classifier") {
            auto fn = reinterpret_cast<NvDsInferClassiferParseCustomFunc>(sym);
            std::vector<NvDsInferAttribute> attrs;
            std::string desc;
            auto release = [&] {
                for (auto& a : attrs) std::free(const_cast<char*>(a.attributeLabel));  // nvinfer's release of labels
                attrs.clear();
            };
            call([&] {
                for (int c = 0; c < plan_.calls; ++c) {
                    release();
                    desc.clear();
                    ok = fn(layers, plan_.net, plan_.classifier_threshold, attrs, desc);
                }
            });
            out_.write(Record("returned").add("ok", ok ? "1" : "0").add("description", desc));
            for (const auto& a : attrs) {
                Record r("attribute");
                r.add("index", static_cast<int64_t>(a.attributeIndex)).add("value", static_cast<int64_t>(a.attributeValue)).add(
                    "confidence", number(a.attributeConfidence));
                if (a.attributeLabel) r.add("label", a.attributeLabel);
                out_.write(r);
            }
            left_objects(ok, attrs.size(), "attributes");
            begin("release");
            release();
            end("release", true, "");
        } else {
            return plan_error("kind '" + plan_.kind + "' is not supported by this DeepStream version's emulation");
        }
        return 0;
    }

    int plan_error(const std::string& message) {
        out_.write(Record("error").add("message", message));
        return 2;
    }

    const Plan& plan_;
    records::Writer& out_;
    std::string case_;
    void* handle_ = nullptr;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: nvinfer_emu PLAN RESULT\n");
        return 2;
    }
    records::Writer out;
    std::string error;
    if (!out.open(argv[2], &error)) {
        std::fprintf(stderr, "nvinfer_emu: %s\n", error.c_str());
        return 2;
    }
    out.write(Record("trtplug-nvinfer-result").add("format", static_cast<int64_t>(kResultFormat)));
    Plan plan;
    int status = 2;
    if (parse_plan(argv[1], &plan, &error)) {
        Emulation emulation(plan, out);
        status = emulation.run();
    } else {
        out.write(Record("error").add("message", error));
    }
    out.write(Record("end"));
    return status;
}
