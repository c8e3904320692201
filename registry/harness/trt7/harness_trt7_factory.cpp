// trtplug TensorRT 7 factory harness: drives a library's NvDsInferPluginFactoryRuntimeGet factory the
// way TensorRT 7 (DeepStream 5.x) does, without TensorRT. Compiled against TensorRT 7.x headers.
//
//   trtplug_trt7_harness PLAN RESULT
//
// Once: dlopen(RTLD_LAZY) as nvinfer does -> dlsym Get/Destroy -> Get. Per case:
// createPlugin(layer, blob) -> getNbOutputs/getOutputDimensions -> supportsFormat ->
// configureWithFormat -> getWorkspaceSize -> initialize + enqueue (GPU only) -> serialize ->
// createPlugin(serialized) -> serialize again (same bytes) -> initialize + enqueue of the restored
// plugin without configuring it, as the TensorRT 7 runtime does (GPU only; same outputs) ->
// terminate. Then Destroy (plus Destroy(nullptr) and Destroy of a foreign pointer, which must be
// left alone). Each step's output on stderr (the library's log lines) is captured into RESULT.
//
// Plan and result are record files (registry/testing/records.h; docs/tensorrt.md lists their records):
//   trtplug-trt7-plan format=2 mode=auto|cpu|gpu library=PATH
//   case id=ID layer=NAME blob=FILE type=T batch=B max_batch=MAXBATCH [expect=create-fail|dims-rejected|
//        types-rejected expect_message=TEXT]   (TEXT must appear in the captured log)
//   input dims=D1,..,DR file=FILE    dims without the batch; FILE holds B samples
//   output dims=D1,..,DR file=FILE   written after enqueue
//   end
// Result records: harness, device, library, entry, begin/log/step per step, case, destroy, end.
// Exit status: 0 every case passed, 1 one failed, 2 the plan could not be run.
#include <NvInferRuntime.h>
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "harness_driver.h"
#include "../../testing/records.h"

namespace {

#if NV_TENSORRT_MAJOR >= 8
#error "the TensorRT 7 factory harness needs TensorRT 7.x headers (IPluginExt and IPluginFactory)"
#endif

using GetFn = bool (*)(nvinfer1::IPluginFactory*&);
using DestroyFn = void (*)(nvinfer1::IPluginFactory*);

using records::Record;

struct Tensor {
    std::vector<int32_t> dims;  // without the batch
    std::string file;
};

struct Case {
    std::string id, layer, blob, expect, expect_message;
    int32_t type = 0, batch = 1, max_batch = 1;
    std::vector<Tensor> inputs, outputs;
};

struct Plan {
    std::string dir, mode = "auto", library;
    std::vector<Case> cases;
};

bool read_bytes(const std::string& path, std::vector<unsigned char>* data, std::string* why) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        *why = "cannot read " + path;
        return false;
    }
    data->assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    return true;
}

bool write_bytes(const std::string& path, const void* data, size_t n, std::string* why) {
    std::ofstream f(path, std::ios::binary);
    f.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
    if (!f) {
        *why = "cannot write " + path;
        return false;
    }
    return true;
}

bool read_tensor(const Record& r, Tensor* t) {
    std::vector<int64_t> dims;
    if (!r.int64_list("dims", &dims) || dims.size() >= 8 || !r.text("file", &t->file)) return false;
    for (int64_t d : dims) {
        if (d < 0 || d > INT32_MAX) return false;
        t->dims.push_back(static_cast<int32_t>(d));
    }
    return true;
}

bool parse_plan(const std::string& path, Plan* plan, std::string* why) {
    records::Reader in;
    if (!in.open(path, why)) return false;
    const size_t slash = path.find_last_of('/');
    plan->dir = slash == std::string::npos ? "." : path.substr(0, slash);
    Record r;
    Case* c = nullptr;
    bool header = false;
    while (in.next(&r, why)) {
        const std::string& kind = r.kind();
        bool ok = true;
        if (!header) {
            int32_t format = 0;
            ok = kind == "trtplug-trt7-plan" && r.int32("format", &format) && format == 2 &&
                 r.text("library", &plan->library);
            plan->mode = r.text("mode", "auto");
            header = true;
        } else if (kind == "case") {
            plan->cases.emplace_back();
            c = &plan->cases.back();
            ok = r.text("id", &c->id) && r.text("layer", &c->layer) && r.text("blob", &c->blob) &&
                 r.int32("type", &c->type) && r.int32("batch", &c->batch) && r.int32("max_batch", &c->max_batch) &&
                 c->batch >= 1 && c->max_batch >= c->batch;
            c->expect = r.text("expect");
            c->expect_message = r.text("expect_message");
        } else if (c == nullptr) {
            ok = false;
        } else if (kind == "input" || kind == "output") {
            Tensor t;
            ok = read_tensor(r, &t);
            (kind == "input" ? c->inputs : c->outputs).push_back(t);
        } else if (kind == "end") {
            c = nullptr;
        } else {
            ok = false;
        }
        if (!ok) {
            *why = in.where() + "cannot read this '" + kind + "' record";
            return false;
        }
    }
    if (!why->empty()) return false;
    if (plan->library.empty()) {
        *why = "the plan names no library";
        return false;
    }
    return true;
}

// Collects what is written to stderr (the library's log lines) while it is alive.
class StderrCapture {
public:
    StderrCapture() {
        std::fflush(stderr);
        file_ = std::tmpfile();
        saved_ = dup(2);
        if (file_ != nullptr && saved_ >= 0) dup2(fileno(file_), 2);
    }
    std::string finish() {
        std::fflush(stderr);
        std::string out;
        if (saved_ >= 0) {
            dup2(saved_, 2);
            close(saved_);
            saved_ = -1;
        }
        if (file_ != nullptr) {
            std::rewind(file_);
            char buf[4096];
            size_t n;
            while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0) out.append(buf, n);
            std::fclose(file_);
            file_ = nullptr;
        }
        return out;
    }
    ~StderrCapture() { finish(); }

private:
    std::FILE* file_ = nullptr;
    int saved_ = -1;
};

size_t dtype_size(int32_t t) {
    switch (t) {
        case 0: return 4;
        case 1: return 2;
        case 2: return 1;
        case 3: return 4;
        case 4: return 1;
    }
    return 0;
}

nvinfer1::Dims to_dims(const std::vector<int32_t>& d) {
    nvinfer1::Dims out{};
    out.nbDims = static_cast<int32_t>(d.size());
    for (size_t i = 0; i < d.size(); ++i) out.d[i] = d[i];
    return out;
}

std::string dims_text(const nvinfer1::Dims& d) {
    std::string s = "(";
    for (int32_t i = 0; i < d.nbDims; ++i) s += (i ? ", " : "") + std::to_string(d.d[i]);
    return s + (d.nbDims == 1 ? ",)" : ")");
}

size_t numel(const std::vector<int32_t>& d) {
    size_t n = 1;
    for (int32_t v : d) n *= static_cast<size_t>(v < 0 ? 0 : v);
    return n;
}

class ForeignFactory : public nvinfer1::IPluginFactory {
public:
    nvinfer1::IPlugin* createPlugin(const char*, const void*, size_t) override { return nullptr; }
};

struct Context {
    Plan plan;
    records::Writer out;
    harness::Driver driver;
    bool gpu = false;
};

class CaseRun {
public:
    CaseRun(Context& ctx, const Case& c, nvinfer1::IPluginFactory* factory) : ctx_(ctx), c_(c), factory_(factory) {}

    bool run() {
        const bool ok = steps();
        ctx_.out.write(Record("case").add("id", c_.id).add("status", ok ? "pass" : "fail"));
        return ok;
    }

private:
    // Runs one step with stderr captured; `body` returns 1 ok, 0 fail, -1 skip and sets message.
    // A quiet step fails when the library logged anything during it.
    template <class Body>
    int step(const char* name, Body&& body, bool quiet = false) {
        ctx_.out.write(Record("begin").add("case", c_.id).add("step", name));
        std::string message;
        int status;
        std::string log;
        {
            StderrCapture capture;
            status = body(&message);
            log = capture.finish();
        }
        last_log_ = log;
        if (quiet && status > 0 && !log.empty()) {
            status = 0;
            message += "; but the library logged: " + log.substr(0, log.find('\n'));
        }
        std::istringstream lines(log);
        std::string l;
        while (std::getline(lines, l)) {
            if (!l.empty()) ctx_.out.write(Record("log").add("case", c_.id).add("step", name).add("text", l));
        }
        ctx_.out.write(Record("step").add("case", c_.id).add("step", name).add(
            "status", status > 0 ? "ok" : status < 0 ? "skip" : "fail").add("message", message));
        return status;
    }

    bool steps() {
        std::vector<unsigned char> blob;
        std::string why;
        if (!read_bytes(ctx_.plan.dir + "/" + c_.blob, &blob, &why)) {
            step("create", [&](std::string* m) { *m = why; return 0; });
            return false;
        }
        nvinfer1::IPluginExt* plugin = nullptr;
        const bool expect_create_fail = c_.expect == "create-fail";
        int s = step("create", [&](std::string* m) {
            nvinfer1::IPlugin* p = factory_->createPlugin(c_.layer.c_str(), blob.data(), blob.size());
            if (expect_create_fail) {
                if (p != nullptr) {
                    *m = "createPlugin succeeded, a failure was expected";
                    return 0;
                }
                *m = "createPlugin returned null as expected";
                return 1;
            }
            if (p == nullptr) {
                *m = "createPlugin returned null";
                return 0;
            }
            // The factory makes IPluginExt objects only (TensorRT 7 checks getTensorRTVersion too).
            plugin = static_cast<nvinfer1::IPluginExt*>(p);
            *m = "IPluginExt, TensorRT version " + std::to_string(plugin->getTensorRTVersion());
            return 1;
        });
        if (expect_create_fail) {
            if (s > 0 && last_log_.find(c_.expect_message) == std::string::npos) {
                step("expect", [&](std::string* m) {
                    *m = "the log does not contain '" + c_.expect_message + "'";
                    return 0;
                });
                return false;
            }
            return s > 0;
        }
        if (s <= 0) return false;

        std::vector<nvinfer1::Dims> in_dims, out_dims;
        for (const Tensor& t : c_.inputs) in_dims.push_back(to_dims(t.dims));
        for (const Tensor& t : c_.outputs) out_dims.push_back(to_dims(t.dims));
        const int32_t n_in = static_cast<int32_t>(in_dims.size());
        const int32_t n_out = static_cast<int32_t>(out_dims.size());

        if (c_.expect == "dims-rejected") {
            return step("output-dims", [&](std::string* m) {
                       for (int32_t o = 0; o < n_out; ++o) {
                           if (plugin->getOutputDimensions(o, in_dims.data(), n_in).nbDims < 0) {
                               *m = "output " + std::to_string(o) + " got no dims, as expected";
                               return 1;
                           }
                       }
                       *m = "every output got dims, a refusal was expected";
                       return 0;
                   }) > 0 &&
                   last_log_.find(c_.expect_message) != std::string::npos;
        }
        if (step("output-dims", [&](std::string* m) {
                if (plugin->getNbOutputs() != n_out) {
                    *m = "getNbOutputs " + std::to_string(plugin->getNbOutputs()) + ", the plan has " +
                         std::to_string(n_out);
                    return 0;
                }
                for (int32_t o = 0; o < n_out; ++o) {
                    const nvinfer1::Dims d = plugin->getOutputDimensions(o, in_dims.data(), n_in);
                    *m += (o ? " " : "") + dims_text(d);
                    bool same = d.nbDims == out_dims[o].nbDims;
                    for (int32_t a = 0; same && a < d.nbDims; ++a) same = d.d[a] == out_dims[o].d[a];
                    if (!same) {
                        *m = "output " + std::to_string(o) + ": " + dims_text(d) + ", the plan expects " +
                             dims_text(out_dims[o]);
                        return 0;
                    }
                }
                return 1;
            }) <= 0) {
            return false;
        }
        const auto type = static_cast<nvinfer1::DataType>(c_.type);
        const bool expect_rejected = c_.expect == "types-rejected";
        s = step("formats", [&](std::string* m) {
            const bool supported = plugin->supportsFormat(type, nvinfer1::PluginFormat::kLINEAR);
            *m = std::string("supportsFormat(") + std::to_string(c_.type) + ", kLINEAR) = " + (supported ? "true" : "false");
            return supported != expect_rejected ? 1 : 0;
        });
        if (s <= 0) return false;
        if (expect_rejected) {
            return step("configure", [&](std::string* m) {
                       plugin->configureWithFormat(in_dims.data(), n_in, out_dims.data(), n_out, type,
                                                   nvinfer1::PluginFormat::kLINEAR, c_.max_batch);
                       *m = "configureWithFormat refused the type";
                       return 1;
                   }) > 0 &&
                   last_log_.find(c_.expect_message) != std::string::npos;
        }
        if (step("configure", [&](std::string* m) {
                plugin->configureWithFormat(in_dims.data(), n_in, out_dims.data(), n_out, type,
                                            nvinfer1::PluginFormat::kLINEAR, c_.max_batch);
                *m = "max batch " + std::to_string(c_.max_batch);
                return 1;
            }, true) <= 0) {
            return false;
        }
        if (step("workspace", [&](std::string* m) {
                *m = std::to_string(plugin->getWorkspaceSize(c_.max_batch)) + " bytes";
                return 1;
            }, true) <= 0) {
            return false;
        }
        std::vector<std::vector<unsigned char>> first_outputs;
        if (enqueue_step("enqueue", plugin, &first_outputs) == 0) return false;

        std::vector<unsigned char> serialized;
        if (step("serialize", [&](std::string* m) {
                serialized.assign(plugin->getSerializationSize(), 0);
                plugin->serialize(serialized.data());
                *m = std::to_string(serialized.size()) + " bytes";
                return 1;
            }, true) <= 0) {
            return false;
        }
        nvinfer1::IPluginExt* restored = nullptr;
        if (step("recreate", [&](std::string* m) {
                nvinfer1::IPlugin* p = factory_->createPlugin(c_.layer.c_str(), serialized.data(), serialized.size());
                if (p == nullptr) {
                    *m = "createPlugin of the serialized plugin returned null";
                    return 0;
                }
                restored = static_cast<nvinfer1::IPluginExt*>(p);
                std::vector<unsigned char> again(restored->getSerializationSize(), 0);
                restored->serialize(again.data());
                if (again != serialized) {
                    *m = "the recreated plugin serializes to different bytes";
                    return 0;
                }
                *m = "same " + std::to_string(again.size()) + " bytes";
                return 1;
            }, true) <= 0) {
            return false;
        }
        std::vector<std::vector<unsigned char>> second_outputs;
        const int e = enqueue_step("enqueue-restored", restored, &second_outputs);
        if (e == 0) return false;
        if (e > 0 && step("compare", [&](std::string* m) {
                if (second_outputs != first_outputs) {
                    *m = "the restored plugin's outputs differ from the configured plugin's";
                    return 0;
                }
                *m = "restored plugin gives the same outputs";
                return 1;
            }) <= 0) {
            return false;
        }
        return step("terminate", [&](std::string* m) {
                   plugin->terminate();
                   restored->terminate();
                   *m = "plugins stay owned by the factory";
                   return 1;
               }) > 0;
    }

    // 1 ok, 0 fail, -1 skipped (no GPU).
    int enqueue_step(const char* name, nvinfer1::IPluginExt* plugin, std::vector<std::vector<unsigned char>>* outs) {
        return step(name, [&](std::string* m) {
            if (!ctx_.gpu) {
                *m = "no GPU";
                return -1;
            }
            if (plugin->initialize() != 0) {
                *m = "initialize failed";
                return 0;
            }
            harness::Driver& drv = ctx_.driver;
            std::vector<harness::Driver::DevicePtr> ptrs;
            auto release = [&]() {
                for (auto p : ptrs) drv.release(p);
            };
            std::string why;
            std::vector<const void*> in_ptrs;
            std::vector<void*> out_ptrs;
            const size_t elem = dtype_size(c_.type);
            for (const Tensor& t : c_.inputs) {
                std::vector<unsigned char> data;
                const size_t bytes = numel(t.dims) * elem * static_cast<size_t>(c_.batch);
                harness::Driver::DevicePtr p = 0;
                if (!read_bytes(ctx_.plan.dir + "/" + t.file, &data, &why) || data.size() != bytes ||
                    !drv.alloc(&p, bytes, &why) || !drv.upload(p, data.data(), bytes, &why)) {
                    if (p) drv.release(p);
                    release();
                    *m = why.empty() ? "input file " + t.file + " does not hold " + std::to_string(bytes) + " bytes"
                                     : why;
                    return 0;
                }
                ptrs.push_back(p);
                in_ptrs.push_back(reinterpret_cast<const void*>(static_cast<uintptr_t>(p)));
            }
            for (const Tensor& t : c_.outputs) {
                const size_t bytes = numel(t.dims) * elem * static_cast<size_t>(c_.batch);
                harness::Driver::DevicePtr p = 0;
                if (!drv.alloc(&p, bytes, &why) || !drv.fill(p, 0xA5, bytes, &why)) {
                    if (p) drv.release(p);
                    release();
                    *m = why;
                    return 0;
                }
                ptrs.push_back(p);
                out_ptrs.push_back(reinterpret_cast<void*>(static_cast<uintptr_t>(p)));
            }
            const size_t ws_bytes = plugin->getWorkspaceSize(c_.max_batch);
            harness::Driver::DevicePtr ws = 0;
            if (ws_bytes && !drv.alloc(&ws, ws_bytes, &why)) {
                release();
                *m = why;
                return 0;
            }
            if (ws) ptrs.push_back(ws);
            const int32_t rc = plugin->enqueue(c_.batch, in_ptrs.data(), out_ptrs.data(),
                                               reinterpret_cast<void*>(static_cast<uintptr_t>(ws)),
                                               static_cast<cudaStream_t>(drv.stream()));
            if (rc != 0 || !drv.sync(&why)) {
                release();
                *m = rc != 0 ? "enqueue returned " + std::to_string(rc) : why;
                return 0;
            }
            for (size_t o = 0; o < c_.outputs.size(); ++o) {
                const Tensor& t = c_.outputs[o];
                std::vector<unsigned char> host(numel(t.dims) * elem * static_cast<size_t>(c_.batch));
                if (!drv.download(host.data(), ptrs[c_.inputs.size() + o], host.size(), &why) ||
                    (std::string(name) == "enqueue" &&
                     !write_bytes(ctx_.plan.dir + "/" + t.file, host.data(), host.size(), &why))) {
                    release();
                    *m = why;
                    return 0;
                }
                outs->push_back(std::move(host));
            }
            release();
            *m = "batch " + std::to_string(c_.batch) + " of " + std::to_string(c_.max_batch);
            return 1;
        });
    }

    Context& ctx_;
    const Case& c_;
    nvinfer1::IPluginFactory* factory_;
    std::string last_log_;
};

int run(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: trtplug_trt7_harness PLAN RESULT\n");
        return 2;
    }
    Context ctx;
    std::string why;
    if (!ctx.out.open(argv[2], &why)) {
        std::fprintf(stderr, "%s\n", why.c_str());
        return 2;
    }
    ctx.out.write(Record("trtplug-result").add("format", static_cast<int64_t>(2)));
    if (!parse_plan(argv[1], &ctx.plan, &why)) {
        ctx.out.write(Record("error").add("message", why));
        return 2;
    }
    ctx.out.write(Record("harness").add("tensorrt", std::to_string(NV_TENSORRT_MAJOR) + "." +
                                                         std::to_string(NV_TENSORRT_MINOR) + "." +
                                                         std::to_string(NV_TENSORRT_PATCH)));
    std::string no_gpu = "CPU only (mode cpu)";
    if (ctx.plan.mode != "cpu") ctx.gpu = ctx.driver.open(&no_gpu);
    if (ctx.plan.mode == "gpu" && !ctx.gpu) {
        ctx.out.write(Record("error").add("message", "the plan needs a GPU: " + no_gpu));
        return 2;
    }
    ctx.out.write(Record("device").add("kind", ctx.gpu ? "gpu" : "cpu").add("name", ctx.gpu ? ctx.driver.describe() : no_gpu));

    std::string path = ctx.plan.library;
    if (path.find('/') == std::string::npos) path = "./" + path;
    void* handle = dlopen(path.c_str(), RTLD_LAZY);  // as nvinfer opens custom-lib-path
    if (handle == nullptr) {
        const char* e = dlerror();
        ctx.out.write(Record("library").add("status", "fail").add(
            "message", std::string("Could not open custom lib: ") + (e ? e : "?")));
        ctx.out.write(Record("end"));
        return 1;
    }
    auto get = reinterpret_cast<GetFn>(dlsym(handle, "NvDsInferPluginFactoryRuntimeGet"));
    auto destroy = reinterpret_cast<DestroyFn>(dlsym(handle, "NvDsInferPluginFactoryRuntimeDestroy"));
    ctx.out.write(Record("library").add("status", get && destroy ? "ok" : "fail").add(
        "message", get && destroy ? "both factory entry points found" : "NvDsInferPluginFactoryRuntimeGet/Destroy missing"));
    if (!get || !destroy) {
        ctx.out.write(Record("end"));
        return 1;
    }
    nvinfer1::IPluginFactory* factory = nullptr;
    const bool got = get(factory);
    ctx.out.write(Record("entry").add("status", got && factory ? "ok" : "fail").add(
        "message", got ? (factory ? "Get returned a factory" : "Get returned true but no factory") : "Get returned false"));
    bool all_ok = got && factory;
    if (all_ok) {
        for (const Case& c : ctx.plan.cases) all_ok = CaseRun(ctx, c, factory).run() && all_ok;
        std::string log;
        {
            StderrCapture capture;
            destroy(factory);
            destroy(nullptr);
            ForeignFactory foreign;
            destroy(&foreign);  // must be refused with a log line, not deleted
            log = capture.finish();
        }
        const bool refused = log.find("not made by this library") != std::string::npos;
        ctx.out.write(Record("destroy").add("status", refused ? "ok" : "fail").add(
            "message", refused ? "factory released; null accepted; a foreign pointer was left alone"
                               : "Destroy did not refuse a foreign pointer: " + log));
        all_ok = all_ok && refused;
    }
    ctx.out.write(Record("end"));
    dlclose(handle);
    return all_ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
