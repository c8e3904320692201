// trtplug_stress: drives trtplug libraries (dlopen + C API) the way a long-running process does,
// and prints one JSON record per line (a sample, a fault, a summary). Exit status 0 when every
// check it makes itself passed, 1 otherwise, 2 for bad usage, 77 without a usable driver.
//
//   threads  --lib L --plugin P --inputs S [--inputs2 S2] [--outputs N] [--threads 8] [--enqueues 1000]
//       each thread has its own stream, its own clone and two input sets it alternates between;
//       every output is compared with a single-threaded run of the same inputs; meanwhile a churn
//       thread creates, clones, enqueues and destroys instances, and each worker swaps its clone
//       for a new one every 100 enqueues.
//   reload   --lib L --plugin P --inputs S [--outputs N] [--cycles 100] [--side LIB,PLUGIN[:VER],S,N]...
//       dlopen, enqueue, compare, dlclose, `cycles` times, the --side libraries loaded beside the
//       first; one sample per cycle: host RSS, free device memory, modules loaded, unloaded or not.
//       --require-unload: a library that dlclose leaves loaded is a failure.
//       --creator NAME:VERSION:NAMESPACE (repeated; programs built with a plugin registry): must be
//       registered while the libraries are loaded; registrations are counted like modules.
//       In `threads`, the churn thread also creates, clones and destroys plugins of these creators.
//   faults   --lib FAULT_LIB [--side LIB,PLUGIN[:VER],S,N] [--with-trap]
//       the failures of fault_plugins.cpp and bad calls; after each, the healthy plugins must still
//       give their outputs. A "[stress] fault NAME" line goes to stderr before each fault.
//   launch-failure --lib FAULT_LIB
//       a kernel that traps, then the healthy plugin in the same context and in a fresh one.
//   soak     --lib L --plugin P --inputs S [--outputs N] [--enqueues 10000000] [--sample-every 500000]
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "stress_driver.h"
#include "stress_library.h"
#include "stress_registry.h"

using namespace stress;

namespace {

using Shapes = std::vector<std::vector<int64_t>>;
using Bytes = std::vector<unsigned char>;

// ------------------------------------------------------------------------------ command line
struct Args {
    std::string mode;
    std::map<std::string, std::string> options;
    std::vector<std::string> sides;
    std::vector<std::string> creators;  // --creator NAME:VERSION:NAMESPACE, for the plugin registry
    bool with_trap = false;
    bool require_unload = false;

    std::string get(const std::string& key, const std::string& fallback = "") const {
        auto it = options.find(key);
        return it == options.end() ? fallback : it->second;
    }
    long long number(const std::string& key, long long fallback) const {
        auto it = options.find(key);
        return it == options.end() ? fallback : std::stoll(it->second);
    }
};

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr, "trtplug_stress: %s (see the comment at the top of stress_main.cpp)\n", why.c_str());
    std::exit(2);
}

Args parse_args(int argc, char** argv) {
    if (argc < 2) usage("no mode given");
    Args a;
    a.mode = argv[1];
    for (int i = 2; i < argc; ++i) {
        const std::string key = argv[i];
        if (key == "--with-trap") {
            a.with_trap = true;
        } else if (key == "--require-unload") {
            a.require_unload = true;
        } else if (key.rfind("--", 0) == 0 && i + 1 < argc) {
            if (key == "--side") {
                a.sides.push_back(argv[++i]);
            } else if (key == "--creator") {
                a.creators.push_back(argv[++i]);
            } else {
                a.options[key.substr(2)] = argv[++i];
            }
        } else {
            usage("unexpected argument '" + key + "'");
        }
    }
    return a;
}

// One library, plugin, input shapes and output count, as "LIB,PLUGIN[:VER],SHAPES,N" or from
// --lib/--plugin/--inputs/--outputs.
struct Target {
    std::string library;
    PluginRef plugin;
    Shapes shapes;
    int32_t n_outputs = 1;
};

Target main_target(const Args& a) {
    Target t;
    t.library = a.get("lib");
    t.plugin = PluginRef::parse(a.get("plugin"));
    t.n_outputs = static_cast<int32_t>(a.number("outputs", 1));
    if (t.library.empty() || t.plugin.name.empty()) usage("--lib and --plugin are required");
    if (!parse_shapes(a.get("inputs"), &t.shapes)) usage("--inputs: expected shapes like 37x45,45");
    return t;
}

Target side_target(const std::string& text) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (int i = 0; i < 3; ++i) {
        const size_t comma = text.find(',', start);
        if (comma == std::string::npos) usage("--side: expected LIB,PLUGIN[:VERSION],SHAPES,N_OUTPUTS");
        parts.push_back(text.substr(start, comma - start));
        start = comma + 1;
    }
    parts.push_back(text.substr(start));
    Target t;
    t.library = parts[0];
    t.plugin = PluginRef::parse(parts[1]);
    std::string shapes = parts[2];
    for (char& c : shapes) c = c == ';' ? ',' : c;  // several inputs: "37x45;45"
    if (!parse_shapes(shapes, &t.shapes)) usage("--side: bad shapes '" + parts[2] + "' (inputs separated by ';')");
    t.n_outputs = std::stoi(parts[3]);
    return t;
}

// "NAME:VERSION:NAMESPACE" of a plugin creator (the namespace may be empty).
struct CreatorRef {
    std::string name, version, plugin_namespace;
    static CreatorRef parse(const std::string& text) {
        const size_t a = text.find(':'), b = a == std::string::npos ? a : text.find(':', a + 1);
        if (b == std::string::npos) usage("--creator: expected NAME:VERSION:NAMESPACE");
        return {text.substr(0, a), text.substr(a + 1, b - a - 1), text.substr(b + 1)};
    }
    bool registered() const { return registry::has(name, version, plugin_namespace); }
};

std::vector<CreatorRef> creator_refs(const Args& a) {
    std::vector<CreatorRef> refs;
    for (const std::string& c : a.creators) refs.push_back(CreatorRef::parse(c));
    return refs;
}

// ------------------------------------------------------------------------------ measurements
long rss_kb() {
    std::ifstream statm("/proc/self/statm");
    long pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
    }
    return out + "\"";
}

// The driver, device 0's primary context made current, for the whole run.
struct Device {
    Driver driver;
    Handle context = nullptr;

    // false (with a SKIP line) when there is no usable driver or device.
    bool open() {
        if (!driver.load() || driver.cuInit(0) != 0) {
            std::printf("{\"skip\": %s}\n", quoted("no usable CUDA driver: " + driver.error).c_str());
            return false;
        }
        return retain();
    }
    bool retain() {
        int dev = 0;
        if (driver.cuDeviceGet(&dev, 0) != 0 || driver.cuDevicePrimaryCtxRetain(&context, dev) != 0 ||
            driver.cuCtxSetCurrent(context) != 0) {
            std::printf("{\"skip\": \"no usable device 0\"}\n");
            return false;
        }
        return true;
    }
    long long modules_live() const { return driver.modules_live ? driver.modules_live() : -1; }
};

// A library opened and one instance of its plugin made.
struct Opened {
    Library lib;
    void* instance = nullptr;
    std::string error;

    bool open(const Target& t) {
        if (!lib.open(t.library, &error)) return false;
        const int32_t index = t.plugin.index_in(lib);
        if (index < 0) {
            error = t.library + " has no plugin " + t.plugin.name + (t.plugin.version.empty() ? "" : " version " + t.plugin.version);
            return false;
        }
        char err[1024] = "";
        instance = lib.instance_create(index, nullptr, 0, err, sizeof err);
        if (!instance) error = std::string("instance_create: ") + err;
        return instance != nullptr;
    }
    void release() {
        if (instance) lib.instance_destroy(instance);
        instance = nullptr;
    }
    ~Opened() { release(); }
};

// Enqueues `call` once on `stream`, waits, and returns the outputs (empty with *error on failure).
Bytes run_once(const Device& d, const Call& call, void* instance, Handle stream, std::string* error) {
    if (call.enqueue(instance, stream, error) != 0) return {};
    const CUresult r = d.driver.cuStreamSynchronize(stream);
    if (r != 0) {
        *error = "cuStreamSynchronize: " + d.driver.name(r);
        return {};
    }
    return call.outputs();
}

// ------------------------------------------------------------------------------ threads
int run_threads(const Device& d, const Args& a) {
    const Target t = main_target(a);
    Shapes second = t.shapes;
    if (!a.get("inputs2").empty() && !parse_shapes(a.get("inputs2"), &second)) usage("--inputs2: bad shapes");
    const int n_threads = static_cast<int>(a.number("threads", 8));
    const long enqueues = static_cast<long>(a.number("enqueues", 1000));
    Opened base;
    if (!base.open(t)) {
        std::printf("{\"error\": %s}\n", quoted(base.error).c_str());
        return 1;
    }
    const Bytes blob = base.lib.serialized(base.instance);
    const int32_t index = t.plugin.index_in(base.lib);
    auto clone = [&] {
        return base.lib.instance_create(index, blob.data(), blob.size(), nullptr, 0);
    };

    // Every thread's two input sets. The threads start before any kernel module is loaded, so that
    // they race to load it; each compares every output with its own first one, and the first ones
    // are compared with a single-threaded run afterwards.
    std::vector<std::unique_ptr<Call>> calls;
    for (int i = 0; i < n_threads; ++i) {
        for (int k = 0; k < 2; ++k) {
            calls.push_back(std::make_unique<Call>(d.driver, base.lib, base.instance, k ? second : t.shapes,
                                                   t.n_outputs, static_cast<uint32_t>(2 * i + k)));
            if (!calls.back()->error.empty()) {
                std::printf("{\"error\": %s}\n", quoted(calls.back()->error).c_str());
                return 1;
            }
        }
    }
    std::vector<Bytes> first(calls.size());

    std::atomic<long> mismatches{0}, failures{0}, churn_cycles{0}, clones_swapped{0}, creator_cycles{0};
    const std::vector<CreatorRef> creators = creator_refs(a);
    std::atomic<int> running{n_threads};
    std::atomic<bool> churning{false};  // the workers start once the churn thread does
    std::vector<std::string> first_error(static_cast<size_t>(n_threads) + 1);
    std::vector<std::thread> threads;
    for (int i = 0; i < n_threads; ++i) {
        threads.emplace_back([&, i] {
            d.driver.cuCtxSetCurrent(d.context);
            Handle stream = nullptr;
            d.driver.cuStreamCreate(&stream, 0);
            while (!churning.load()) std::this_thread::yield();
            void* mine = clone();
            for (long e = 0; e < enqueues && mine; ++e) {
                const int k = static_cast<int>(e % 2);
                std::string error;
                const Bytes out = run_once(d, *calls[static_cast<size_t>(2 * i + k)], mine, stream, &error);
                std::string& mine_error = first_error[static_cast<size_t>(i)];
                if (!error.empty()) {
                    ++failures;
                    if (mine_error.empty()) mine_error = error;
                } else if (first[static_cast<size_t>(2 * i + k)].empty()) {
                    first[static_cast<size_t>(2 * i + k)] = out;
                } else if (out != first[static_cast<size_t>(2 * i + k)]) {
                    ++mismatches;
                    if (mine_error.empty()) mine_error = "enqueue " + std::to_string(e) + ": outputs differ";
                }
                if (e % 100 == 99) {  // a new clone, the old one destroyed while others enqueue
                    base.lib.instance_destroy(mine);
                    mine = clone();
                    ++clones_swapped;
                }
            }
            if (!mine) ++failures;
            base.lib.instance_destroy(mine);
            d.driver.cuStreamDestroy(stream);
            --running;
        });
    }
    Call churn_call(d.driver, base.lib, base.instance, t.shapes, t.n_outputs, 0);  // buffers of its own
    threads.emplace_back([&] {  // churn: create, clone, enqueue, destroy while the workers run
        d.driver.cuCtxSetCurrent(d.context);
        Handle stream = nullptr;
        d.driver.cuStreamCreate(&stream, 0);
        churning = true;
        do {
            void* fresh = base.lib.instance_create(index, nullptr, 0, nullptr, 0);
            const Bytes bytes = fresh ? base.lib.serialized(fresh) : Bytes{};
            void* copy = bytes.empty() ? nullptr : base.lib.instance_create(index, bytes.data(), bytes.size(), nullptr, 0);
            std::string error;
            if (!copy || churn_call.enqueue(copy, stream, &error) != 0 || d.driver.cuStreamSynchronize(stream) != 0) {
                ++failures;
                if (first_error.back().empty()) first_error.back() = "churn: " + (copy ? error : "no clone");
            }
            base.lib.instance_destroy(copy);
            base.lib.instance_destroy(fresh);
            for (const CreatorRef& c : creators) {  // the TensorRT adapter's creator, as a network build uses it
                std::string why;
                if (!registry::create_clone_destroy(c.name, c.version, c.plugin_namespace, &why)) {
                    ++failures;
                    if (first_error.back().empty()) first_error.back() = "churn: " + why;
                } else {
                    ++creator_cycles;
                }
            }
            ++churn_cycles;
        } while (running.load() > 0);
        d.driver.cuStreamDestroy(stream);
    });
    for (std::thread& th : threads) th.join();
    long single_mismatches = 0;  // the single-threaded run, one instance, the same inputs
    for (size_t c = 0; c < calls.size(); ++c) {
        std::string error;
        const Bytes reference = run_once(d, *calls[c], base.instance, nullptr, &error);
        if (!error.empty() || reference != first[c]) {
            ++single_mismatches;
            if (first_error.back().empty()) first_error.back() = "single-threaded run differs for input set " + std::to_string(c) + (error.empty() ? "" : ": " + error);
        }
    }
    const bool distinct = first[0] != first[1];
    std::string errors;
    for (const std::string& e : first_error) errors += e.empty() ? "" : e + "; ";
    base.release();
    const bool ok = mismatches == 0 && failures == 0 && single_mismatches == 0;
    std::printf("{\"mode\": \"threads\", \"threads\": %d, \"enqueues_per_thread\": %ld, \"compared\": %ld, "
                "\"mismatches\": %ld, \"single_threaded_mismatches\": %ld, \"failures\": %ld, \"churn_cycles\": %ld, \"creator_cycles\": %ld, \"clones_swapped\": %ld, "
                "\"references_distinct\": %s, \"errors\": %s, \"ok\": %s}\n",
                n_threads, enqueues, n_threads * enqueues, mismatches.load(), single_mismatches, failures.load(), churn_cycles.load(),
                creator_cycles.load(), clones_swapped.load(), distinct ? "true" : "false", quoted(errors).c_str(), ok ? "true" : "false");
    return ok ? 0 : 1;
}

// ------------------------------------------------------------------------------ reload
int run_reload(const Device& d, const Args& a) {
    std::vector<Target> targets = {main_target(a)};
    for (const std::string& s : a.sides) targets.push_back(side_target(s));
    const long cycles = static_cast<long>(a.number("cycles", 100));
    const long enqueues = static_cast<long>(a.number("enqueues", 10));
    std::vector<Bytes> reference(targets.size());
    bool ok = true;
    const std::vector<CreatorRef> creators = creator_refs(a);
    const long registered_before = registry::creators();
    long registered_first = registered_before;
    const long long modules_before = d.modules_live();
    long long modules_first = modules_before;
    const bool require_unload = a.require_unload;
    const long rss_start = rss_kb();
    const size_t free_start = d.driver.free_bytes();
    for (long cycle = 0; cycle < cycles; ++cycle) {
        std::vector<std::unique_ptr<Opened>> open;
        std::string error;
        for (const Target& t : targets) {  // all loaded at once: side by side
            open.push_back(std::make_unique<Opened>());
            if (!open.back()->open(t)) error = open.back()->error;
        }
        long long modules_loaded = -1;
        for (size_t i = 0; i < targets.size() && error.empty(); ++i) {
            Call call(d.driver, open[i]->lib, open[i]->instance, targets[i].shapes, targets[i].n_outputs,
                      static_cast<uint32_t>(i));
            error = call.error;
            for (long e = 0; e < enqueues && error.empty(); ++e) {
                if (call.enqueue(open[i]->instance, nullptr, &error) != 0) break;
            }
            const Bytes out = error.empty() ? run_once(d, call, open[i]->instance, nullptr, &error) : Bytes{};
            if (error.empty() && cycle == 0) reference[i] = out;
            if (error.empty() && out != reference[i]) error = targets[i].library + ": outputs differ from cycle 0";
        }
        modules_loaded = d.modules_live();
        const long registered_loaded = registry::creators();
        bool creators_found = true;
        for (const CreatorRef& c : creators) creators_found = creators_found && c.registered();
        if (!creators_found && error.empty()) error = "a --creator is not registered while its library is loaded";
        bool all_unloaded = true;
        std::string unloaded = "[";
        for (auto& o : open) {
            o->release();
            const bool gone = o->lib.close();
            all_unloaded = all_unloaded && gone;
            unloaded += std::string(unloaded.size() > 1 ? ", " : "") + (gone ? "true" : "false");
        }
        unloaded += "]";
        const long long modules_after = d.modules_live();
        const long registered_after = registry::creators();
        if (cycle == 0) {
            modules_first = modules_after;
            registered_first = registered_after;
        }
        // Likewise for the registry: a library that unloads withdraws exactly what it registered.
        const bool registry_ok = all_unloaded ? registered_after == registered_before : registered_after <= registered_first;
        // A library dlclose leaves loaded keeps its modules (and is found again by the next dlopen):
        // then the count must not grow; when every library went, every module must have gone too.
        const bool modules_ok = all_unloaded ? modules_after == modules_before : modules_after <= modules_first;
        const bool cycle_ok = error.empty() && modules_ok && registry_ok && (all_unloaded || !require_unload);
        ok = ok && cycle_ok;
        std::printf("{\"cycle\": %ld, \"rss_kb\": %ld, \"gpu_free\": %zu, \"modules_loaded\": %lld, "
                    "\"modules_after_unload\": %lld, \"registered_loaded\": %ld, \"registered_after_unload\": %ld, "
                    "\"unloaded\": %s, \"error\": %s}\n",
                    cycle, rss_kb(), d.driver.free_bytes(), modules_loaded, modules_after, registered_loaded,
                    registered_after, unloaded.c_str(), quoted(error).c_str());
        std::fflush(stdout);
    }
    std::printf("{\"mode\": \"reload\", \"cycles\": %ld, \"libraries\": %zu, \"rss_kb_start\": %ld, \"rss_kb_end\": %ld, "
                "\"gpu_free_start\": %zu, \"gpu_free_end\": %zu, \"modules_before\": %lld, \"modules_end\": %lld, "
                "\"ok\": %s}\n",
                cycles, targets.size(), rss_start, rss_kb(), free_start, d.driver.free_bytes(), modules_before,
                d.modules_live(), ok ? "true" : "false");
    return ok ? 0 : 1;
}

// ------------------------------------------------------------------------------ faults
// The healthy plugins of a fault run: Scale2d of the fault library (its outputs known in closed
// form) and the --side targets (their outputs recorded before the first fault).
struct Healthy {
    const Device& d;
    Opened scale;
    std::unique_ptr<Call> scale_call;
    std::vector<std::unique_ptr<Opened>> sides;
    std::vector<std::unique_ptr<Call>> side_calls;
    std::vector<Bytes> side_reference;
    std::string error;

    bool open(const Args& a) {
        Target t{a.get("lib"), PluginRef{"Scale2d", "1"}, {{37, 45}}, 1};
        if (!scale.open(t)) {
            error = scale.error;
            return false;
        }
        scale_call = std::make_unique<Call>(d.driver, scale.lib, scale.instance, t.shapes, 1, 1);
        for (const std::string& s : a.sides) {
            const Target side = side_target(s);
            sides.push_back(std::make_unique<Opened>());
            if (!sides.back()->open(side)) {
                error = sides.back()->error;
                return false;
            }
            side_calls.push_back(std::make_unique<Call>(d.driver, sides.back()->lib, sides.back()->instance,
                                                        side.shapes, side.n_outputs, 3));
            std::string e;
            side_reference.push_back(run_once(d, *side_calls.back(), sides.back()->instance, nullptr, &e));
            if (!e.empty()) {
                error = side.library + ": " + e;
                return false;
            }
        }
        return check(nullptr);
    }

    // Every healthy plugin gives its outputs; `why` gets the first that does not.
    bool check(std::string* why) {
        std::string e;
        const Bytes out = run_once(d, *scale_call, scale.instance, nullptr, &e);
        if (e.empty()) {
            std::vector<float> x(37 * 45), y(37 * 45);
            d.driver.cuMemcpyDtoH(x.data(), reinterpret_cast<DevicePtr>(scale_call->input_ptrs_[0]), x.size() * 4);
            std::memcpy(y.data(), out.data(), y.size() * 4);
            for (size_t i = 0; i < x.size() && d.driver.runs_kernels && e.empty(); ++i) {
                const double want = static_cast<double>(x[i]) * 0.5 * 2.0 + 7 - 3 + 1000.0;
                if (std::fabs(static_cast<double>(y[i]) - want) > 1e-3) e = "Scale2d: element " + std::to_string(i) + " is wrong";
            }
        }
        for (size_t i = 0; i < sides.size() && e.empty(); ++i) {
            const Bytes side = run_once(d, *side_calls[i], sides[i]->instance, nullptr, &e);
            if (e.empty() && side != side_reference[i]) e = sides[i]->lib.path + ": outputs differ from before the faults";
        }
        if (why) *why = e;
        if (!why && !e.empty()) error = e;
        return e.empty();
    }
};

struct FaultLibrary {
    Opened opened;
    int32_t index(const char* name) const { return opened.lib.plugin_index(name, nullptr); }
    void* create(const char* name) const { return opened.lib.instance_create(index(name), nullptr, 0, nullptr, 0); }
};

// One fault: `inject` returns the status the entry point gave and its message.
template <class Inject>
bool fault(const char* name, Healthy& healthy, Inject inject) {
    std::fprintf(stderr, "[stress] fault %s\n", name);
    std::fflush(stderr);
    std::string message;
    const int32_t status = inject(&message);
    std::fprintf(stderr, "[stress] healthy after %s\n", name);
    std::fflush(stderr);
    std::string healthy_error;
    const bool still_healthy = healthy.check(&healthy_error);
    const bool ok = status != 0 && !message.empty() && still_healthy;
    std::printf("{\"fault\": \"%s\", \"status\": %d, \"message\": %s, \"healthy_after\": %s, \"healthy_error\": %s}\n", name,
                status, quoted(message).c_str(), still_healthy ? "true" : "false", quoted(healthy_error).c_str());
    std::fflush(stdout);
    return ok;
}

int run_faults(const Device& d, const Args& a) {
    Healthy healthy{d, {}, nullptr, {}, {}, {}, {}};
    if (!healthy.open(a)) {
        std::printf("{\"error\": %s}\n", quoted("healthy plugins before any fault: " + healthy.error).c_str());
        return 1;
    }
    FaultLibrary faults;
    if (!faults.opened.lib.open(a.get("lib"), &faults.opened.error)) {
        std::printf("{\"error\": %s}\n", quoted(faults.opened.error).c_str());
        return 1;
    }
    const Shapes shape = {{4, 8}};
    int failed = 0;
    auto enqueue_plugin = [&](const char* plugin, std::string* message) -> int32_t {
        void* instance = faults.create(plugin);
        Call call(d.driver, faults.opened.lib, instance, shape, 1, 0);
        const int32_t s = call.enqueue(instance, nullptr, message);
        d.driver.cuStreamSynchronize(nullptr);
        faults.opened.lib.instance_destroy(instance);
        return s;
    };
    failed += !fault("unloadable-ptx", healthy, [&](std::string* m) { return enqueue_plugin("BadPtx", m); });
    failed += !fault("no-loadable-image", healthy, [&](std::string* m) { return enqueue_plugin("NoImage", m); });
    if (a.with_trap) {  // only where a failed launch is reported at once and leaves the context usable
        failed += !fault("launch-failure", healthy, [&](std::string* m) { return enqueue_plugin("Trap", m); });
    }
    void* scale = faults.create("Scale2d");
    failed += !fault("null-input", healthy, [&](std::string* m) {
        Call call(d.driver, faults.opened.lib, scale, shape, 1, 0);
        call.input_ptrs_[0] = nullptr;
        return call.enqueue(scale, nullptr, m);
    });
    failed += !fault("null-output", healthy, [&](std::string* m) {
        Call call(d.driver, faults.opened.lib, scale, shape, 1, 0);
        call.output_ptrs_[0] = nullptr;
        return call.enqueue(scale, nullptr, m);
    });
    failed += !fault("too-small-output", healthy, [&](std::string* m) {
        Call call(d.driver, faults.opened.lib, scale, shape, 1, 0);
        call.out_dims_[0] -= 1;  // a buffer described (and sized) for 3 rows where the plugin writes 4
        return call.enqueue(scale, nullptr, m);
    });
    failed += !fault("out-of-memory-workspace", healthy, [&](std::string* m) {
        void* huge = faults.create("HugeWorkspace");
        const int32_t rank = 2;
        const int64_t dims[8] = {4, 8};
        size_t bytes = 0;
        faults.opened.lib.workspace_size(huge, 0, 1, &rank, dims, &bytes, nullptr, 0);
        DevicePtr workspace = 0;
        const CUresult r = d.driver.cuMemAlloc(&workspace, bytes);
        std::printf("{\"workspace_bytes\": %zu, \"workspace_allocation\": %s}\n", bytes,
                    quoted(r == 0 ? "succeeded" : d.driver.name(r)).c_str());
        // As TensorRT would after a failed allocation: no workspace (or whatever it has) is passed.
        Call call(d.driver, faults.opened.lib, huge, shape, 1, 0);
        call.workspace_ = r == 0 ? workspace : 0;
        call.workspace_bytes_ = r == 0 ? bytes : 0;
        const int32_t s = call.enqueue(huge, nullptr, m);
        if (r == 0) d.driver.cuMemFree(workspace);
        faults.opened.lib.instance_destroy(huge);
        return r == 0 ? 0 : s;  // a device that had the memory makes this no fault
    });
    faults.opened.lib.instance_destroy(scale);
    std::printf("{\"mode\": \"faults\", \"failed\": %d, \"ok\": %s}\n", failed, failed ? "false" : "true");
    return failed ? 1 : 0;
}

// A kernel that traps: on a GPU the failure shows when the stream runs, and CUDA then refuses every
// further call in that context; a fresh context must work.
int run_launch_failure(Device& d, const Args& a) {
    Healthy healthy{d, {}, nullptr, {}, {}, {}, {}};
    if (!healthy.open(a)) {
        std::printf("{\"error\": %s}\n", quoted("healthy plugin before the fault: " + healthy.error).c_str());
        return 1;
    }
    FaultLibrary faults;
    if (!faults.opened.lib.open(a.get("lib"), &faults.opened.error)) return 1;
    void* trap = faults.create("Trap");
    Call call(d.driver, faults.opened.lib, trap, {{4, 8}}, 1, 0);
    std::fprintf(stderr, "[stress] fault launch-failure\n");
    std::fflush(stderr);
    std::string enqueue_message;
    const int32_t enqueue_status = call.enqueue(trap, nullptr, &enqueue_message);
    const CUresult sync = d.driver.cuCtxSynchronize();
    std::fprintf(stderr, "[stress] healthy in the same context\n");
    std::fflush(stderr);
    std::string same_error;
    const bool same_ok = healthy.check(&same_error);
    std::fprintf(stderr, "[stress] fresh context\n");
    std::fflush(stderr);
    // The primary context reset destroys the failed context; the next retain makes a new one.
    faults.opened.lib.instance_destroy(trap);
    int dev = 0;
    d.driver.cuDeviceGet(&dev, 0);
    const CUresult reset = d.driver.cuDevicePrimaryCtxReset(dev);
    std::string fresh_error;
    bool fresh_ok = false;
    if (d.retain()) {
        Healthy fresh{d, {}, nullptr, {}, {}, {}, {}};
        fresh_ok = fresh.open(a);
        fresh_error = fresh.error;
    }
    const bool detected = enqueue_status != 0 || sync != 0;
    std::printf("{\"mode\": \"launch-failure\", \"enqueue_status\": %d, \"enqueue_message\": %s, \"synchronize\": %s, "
                "\"same_context_ok\": %s, \"same_context_error\": %s, \"reset\": %s, \"fresh_context_ok\": %s, "
                "\"fresh_context_error\": %s, \"ok\": %s}\n",
                enqueue_status, quoted(enqueue_message).c_str(), quoted(d.driver.name(sync)).c_str(),
                same_ok ? "true" : "false", quoted(same_error).c_str(), quoted(d.driver.name(reset)).c_str(),
                fresh_ok ? "true" : "false", quoted(fresh_error).c_str(), detected ? "true" : "false");
    return detected ? 0 : 1;
}

// ------------------------------------------------------------------------------ soak
int run_soak(const Device& d, const Args& a) {
    const Target t = main_target(a);
    const long long total = a.number("enqueues", 10000000);
    const long long every = a.number("sample-every", 500000);
    Opened o;
    if (!o.open(t)) {
        std::printf("{\"error\": %s}\n", quoted(o.error).c_str());
        return 1;
    }
    Handle stream = nullptr;
    d.driver.cuStreamCreate(&stream, 0);
    Call call(d.driver, o.lib, o.instance, t.shapes, t.n_outputs, 7);
    std::string error = call.error;
    const Bytes reference = error.empty() ? run_once(d, call, o.instance, stream, &error) : Bytes{};
    long long failures = 0, mismatches = 0;
    const auto start = std::chrono::steady_clock::now();
    auto sample = [&](long long done) {
        std::string e;
        const CUresult r = d.driver.cuStreamSynchronize(stream);
        if (r != 0 && error.empty()) error = "cuStreamSynchronize: " + d.driver.name(r);
        if (call.outputs() != reference) ++mismatches;
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("{\"enqueues\": %lld, \"rss_kb\": %ld, \"gpu_free\": %zu, \"seconds\": %.3f, \"failures\": %lld, "
                    "\"mismatches\": %lld}\n",
                    done, rss_kb(), d.driver.free_bytes(), seconds, failures, mismatches);
        std::fflush(stdout);
    };
    sample(0);
    for (long long n = 1; n <= total && error.empty(); ++n) {
        if (call.enqueue(o.instance, stream, failures == 0 ? &error : nullptr) != 0) ++failures;
        if (n % every == 0 || n == total) sample(n);
    }
    d.driver.cuStreamDestroy(stream);
    o.release();
    const bool ok = error.empty() && failures == 0 && mismatches == 0;
    std::printf("{\"mode\": \"soak\", \"enqueues\": %lld, \"error\": %s, \"ok\": %s}\n", total, quoted(error).c_str(),
                ok ? "true" : "false");
    return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    const Args args = parse_args(argc, argv);
    Device device;
    if (!device.open()) return 77;
    if (args.mode == "threads") return run_threads(device, args);
    if (args.mode == "reload") return run_reload(device, args);
    if (args.mode == "faults") return run_faults(device, args);
    if (args.mode == "launch-failure") return run_launch_failure(device, args);
    if (args.mode == "soak") return run_soak(device, args);
    usage("unknown mode '" + args.mode + "'");
}
