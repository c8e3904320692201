// Loads kernel images per CUDA context: cubin when one fits the device, else the PTX fallback
// (JIT-compiled and, for several parts, linked by the driver).
#include "module_cache.h"

#include <atomic>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>

#include "core_internal.h"

namespace trtplug {
namespace detail {

ImageChoice choose_images(const ModuleDesc& module, int32_t sm) {
    ImageChoice c;
    const int32_t major = sm / 10, minor = sm % 10;
    int32_t best_minor = -1;
    for (int32_t i = 0; i < module.n_images; ++i) {
        const ImageDesc& im = module.images[i];
        if (im.kind != ImageKind::kCubin) continue;
        if (im.sm == sm) {
            c.cubin = i;
            best_minor = 10;
        } else if (im.sm / 10 == major && im.sm % 10 <= minor && im.sm % 10 > best_minor) {
            c.cubin = i;
            best_minor = im.sm % 10;
        }
    }
    int32_t best_ptx = -1;
    for (int32_t i = 0; i < module.n_images; ++i) {
        const ImageDesc& im = module.images[i];
        if (im.kind == ImageKind::kPtx && im.sm <= sm && im.sm > best_ptx) best_ptx = im.sm;
    }
    for (int32_t i = 0; i < module.n_images && best_ptx >= 0; ++i) {
        const ImageDesc& im = module.images[i];
        if (im.kind == ImageKind::kPtx && im.sm == best_ptx) c.ptx_parts.push_back(i);
    }
    return c;
}

std::string describe_images(const ModuleDesc& module) {
    std::string cubins, ptx;
    std::map<int32_t, int32_t> ptx_parts;
    for (int32_t i = 0; i < module.n_images; ++i) {
        const ImageDesc& im = module.images[i];
        if (im.kind == ImageKind::kCubin) {
            cubins += (cubins.empty() ? "" : ", ") + strf("sm_%d", im.sm);
        } else {
            ++ptx_parts[im.sm];
        }
    }
    for (const auto& p : ptx_parts) {
        ptx += (ptx.empty() ? "" : ", ") + strf("sm_%d", p.first);
        if (p.second > 1) ptx += strf(" (%d parts)", p.second);
    }
    return "cubin " + (cubins.empty() ? std::string("none") : cubins) + "; PTX " + (ptx.empty() ? std::string("none") : ptx);
}

namespace {

constexpr size_t kLogSize = 8192;
constexpr uint32_t kDefaultSharedLimit = 48 * 1024;

struct JitLogs {
    char info[kLogSize] = {};
    char error[kLogSize] = {};
    int32_t options[4] = {cu::kJitInfoLogBuffer, cu::kJitInfoLogBufferSizeBytes, cu::kJitErrorLogBuffer,
                          cu::kJitErrorLogBufferSizeBytes};
    void* values[4];
    JitLogs() {
        values[0] = info;
        values[1] = reinterpret_cast<void*>(static_cast<uintptr_t>(kLogSize));
        values[2] = error;
        values[3] = reinterpret_cast<void*>(static_cast<uintptr_t>(kLogSize));
    }
    // The driver's error log on one line.
    std::string error_line() const {
        std::string s(error, strnlen(error, kLogSize));
        for (char& ch : s) {
            if (ch == '\n' || ch == '\r') ch = ' ';
        }
        while (!s.empty() && s.back() == ' ') s.pop_back();
        return s.empty() ? std::string() : "; JIT log: " + s;
    }
};

struct FunctionEntry {
    cu::Function function = nullptr;
    uint32_t shared_limit = kDefaultSharedLimit;
};

// One module in one context. Readers (the launch path) take `mutex` shared; loading the module,
// looking up a new function and raising a shared memory limit take it exclusively.
struct ModuleEntry {
    std::shared_mutex mutex;
    bool attempted = false;
    cu::Module module = nullptr;
    Status status = Status::kOk;
    std::string error;
    std::string origin;
    // Ordered with a transparent comparator: the launch path looks entries up by the descriptor's
    // `const char*` without building a std::string (an allocation for most mangled names).
    std::map<std::string, FunctionEntry, std::less<>> functions;
};

struct Key {
    cu::Context context;
    unsigned long long context_id;
    const ModuleDesc* module;
    bool operator<(const Key& o) const {
        if (context != o.context) return context < o.context;
        if (context_id != o.context_id) return context_id < o.context_id;
        return module < o.module;
    }
};

bool is_transient(cu::Result r) { return r == cu::kErrorOutOfMemory; }

Status load_ptx(const cu::Api* api, const ModuleDesc& desc, const std::vector<int32_t>& parts, int32_t sm,
                cu::Module* out, std::string* error, bool* transient) {
    for (int32_t i : parts) {
        const ImageDesc& im = desc.images[i];
        if (im.size == 0 || im.data[im.size - 1] != '\0') {
            *error = strf("PTX part %d of module '%s' is not NUL-terminated", i, desc.name);
            return Status::kInternal;
        }
    }
    JitLogs logs;
    if (parts.size() == 1) {
        const cu::Result r = api->cuModuleLoadDataEx(out, desc.images[parts[0]].data, 4, logs.options, logs.values);
        if (r != cu::kSuccess) {
            *transient = is_transient(r);
            *error = strf("loading the PTX of module '%s' (sm_%d) on this sm_%d device failed: %s%s", desc.name,
                          desc.images[parts[0]].sm, sm, cu::result_text(api, r).c_str(), logs.error_line().c_str());
            return Status::kCudaError;
        }
        return Status::kOk;
    }
    cu::LinkState link = nullptr;
    cu::Result r = api->cuLinkCreate(4, logs.options, logs.values, &link);
    const char* step = "cuLinkCreate";
    for (size_t k = 0; r == cu::kSuccess && k < parts.size(); ++k) {
        const ImageDesc& im = desc.images[parts[k]];
        std::string part_name = strf("%s.part%zu.ptx", desc.name, k);
        r = api->cuLinkAddData(link, cu::kJitInputPtx, const_cast<unsigned char*>(im.data), im.size, part_name.c_str(),
                               0, nullptr, nullptr);
        step = "cuLinkAddData";
    }
    void* cubin = nullptr;
    size_t cubin_size = 0;
    if (r == cu::kSuccess) {
        r = api->cuLinkComplete(link, &cubin, &cubin_size);
        step = "cuLinkComplete";
    }
    if (r == cu::kSuccess) {
        r = api->cuModuleLoadDataEx(out, cubin, 0, nullptr, nullptr);  // the linked cubin is owned by `link`
        step = "cuModuleLoadDataEx";
    }
    if (link) api->cuLinkDestroy(link);
    if (r != cu::kSuccess) {
        *transient = is_transient(r);
        *error = strf("linking the %zu PTX parts of module '%s' on this sm_%d device failed in %s: %s%s", parts.size(),
                      desc.name, sm, step, cu::result_text(api, r).c_str(), logs.error_line().c_str());
        return Status::kCudaError;
    }
    return Status::kOk;
}

// On success *origin says which image was loaded (and why a cubin was passed over), for messages.
Status load_module(const cu::Api* api, const ModuleDesc& desc, cu::Module* out, std::string* error, bool* transient,
                   std::string* origin) {
    cu::Device device = 0;
    int major = 0, minor = 0;
    cu::Result r = api->cuCtxGetDevice(&device);
    if (r == cu::kSuccess) r = api->cuDeviceGetAttribute(&major, cu::kDevAttrComputeCapabilityMajor, device);
    if (r == cu::kSuccess) r = api->cuDeviceGetAttribute(&minor, cu::kDevAttrComputeCapabilityMinor, device);
    if (r != cu::kSuccess) {
        *transient = true;
        *error = "reading the current device's compute capability failed: " + cu::result_text(api, r);
        return Status::kCudaError;
    }
    const int32_t sm = major * 10 + minor;
    const ImageChoice choice = choose_images(desc, sm);
    if (choice.cubin < 0 && choice.ptx_parts.empty()) {
        *error = strf("no kernel image of module '%s' runs on this sm_%d device: the library holds %s (rebuild it "
                      "for sm_%d)", desc.name, sm, describe_images(desc).c_str(), sm);
        return Status::kNoImage;
    }
    std::string cubin_error;
    if (choice.cubin >= 0) {
        JitLogs logs;
        r = api->cuModuleLoadDataEx(out, desc.images[choice.cubin].data, 4, logs.options, logs.values);
        if (r == cu::kSuccess) {
            *origin = strf("loaded from its sm_%d cubin", desc.images[choice.cubin].sm);
            return Status::kOk;
        }
        if (is_transient(r)) *transient = true;
        cubin_error = strf("loading the sm_%d cubin of module '%s' on this sm_%d device failed: %s%s",
                           desc.images[choice.cubin].sm, desc.name, sm, cu::result_text(api, r).c_str(),
                           logs.error_line().c_str());
        if (choice.ptx_parts.empty()) {
            *error = cubin_error;
            return Status::kCudaError;
        }
    }
    Status s = load_ptx(api, desc, choice.ptx_parts, sm, out, error, transient);
    if (s != Status::kOk && !cubin_error.empty()) *error = cubin_error + "; then " + *error;
    *origin = strf("JIT-compiled from its sm_%d PTX (%zu part%s)", desc.images[choice.ptx_parts[0]].sm,
                   choice.ptx_parts.size(), choice.ptx_parts.size() > 1 ? "s" : "");
    if (!cubin_error.empty()) *origin += " after " + cubin_error;
    return s;
}

class ModuleCache {
public:
    ~ModuleCache() {
        unload_all();
        cu::release_driver();  // the cache made the library's last driver call
    }

    std::shared_ptr<ModuleEntry> entry(const Key& key) {
        {
            std::shared_lock<std::shared_mutex> read(mutex_);
            auto it = entries_.find(key);
            if (it != entries_.end()) return it->second;
        }
        std::unique_lock<std::shared_mutex> write(mutex_);
        auto it = entries_.find(key);
        if (it != entries_.end()) return it->second;
        // A context with a new id at a known address replaced a destroyed one: its modules went
        // with it, so forget them (without unloading).
        for (auto old = entries_.begin(); old != entries_.end();) {
            if (old->first.context == key.context && old->first.context_id != key.context_id) {
                old = entries_.erase(old);
            } else {
                ++old;
            }
        }
        auto created = std::make_shared<ModuleEntry>();
        entries_.emplace(key, created);
        return created;
    }

    // Forgets (without unloading) every module cached for `context`: the driver said their
    // handles are invalid, i.e. the context that loaded them is gone and a new one has its address
    // (drivers without cuCtxGetId cannot tell the two apart otherwise).
    void forget_context(cu::Context context) {
        std::unique_lock<std::shared_mutex> write(mutex_);
        for (auto it = entries_.begin(); it != entries_.end();) {
            it = it->first.context == context ? entries_.erase(it) : std::next(it);
        }
    }

    // The driver is the same for the whole process: the first one seen is kept for unloading.
    void set_api(const cu::Api* api) {
        if (api_.load(std::memory_order_acquire)) return;
        const cu::Api* expected = nullptr;
        api_.compare_exchange_strong(expected, api, std::memory_order_acq_rel);
    }

private:
    // Runs when the library is unloaded. The context may be gone (or the driver torn down at
    // process exit): a module is unloaded only when its context still answers with the id it had
    // when the module was loaded; without cuCtxGetId (drivers before 12.0) modules are left to
    // their context.
    void unload_all() noexcept {
        std::unique_lock<std::shared_mutex> lock(mutex_);
        const cu::Api* api = api_.load(std::memory_order_acquire);
        if (!api || !api->cuCtxGetId) return;
        for (auto& kv : entries_) {
            ModuleEntry& e = *kv.second;
            if (!e.module) continue;
            unsigned long long id = 0;
            const cu::Result r = api->cuCtxGetId(kv.first.context, &id);
            if (r == cu::kErrorDeinitialized) return;
            if (r != cu::kSuccess || id != kv.first.context_id) continue;
            if (api->cuCtxPushCurrent(kv.first.context) != cu::kSuccess) continue;
            api->cuModuleUnload(e.module);
            cu::Context popped = nullptr;
            api->cuCtxPopCurrent(&popped);
            e.module = nullptr;
        }
        entries_.clear();
    }

    std::shared_mutex mutex_;
    std::atomic<const cu::Api*> api_{nullptr};
    std::map<Key, std::shared_ptr<ModuleEntry>> entries_;
};

ModuleCache g_cache;

// The fast path: the module is loaded, the function known and its shared memory limit high
// enough. Only shared locks.
bool cached_function(ModuleEntry& e, const char* entry, uint32_t shared_bytes, cu::Function* out) {
    std::shared_lock<std::shared_mutex> read(e.mutex);
    if (!e.attempted || e.status != Status::kOk) return false;
    auto it = e.functions.find(entry);
    if (it == e.functions.end() || shared_bytes > it->second.shared_limit) return false;
    *out = it->second.function;
    return true;
}

// The slow path, under the entry's exclusive lock. *stale is set when the driver rejects the
// cached module's handle.
Status load_function(const cu::Api* api, ModuleEntry& e, const ModuleDesc& module, const char* entry,
                     uint32_t shared_bytes, cu::Function* out, bool* stale, Error* err) {
    std::unique_lock<std::shared_mutex> write(e.mutex);
    if (!e.attempted) {
        std::string error;
        bool transient = false;
        cu::Module loaded = nullptr;
        std::string origin;
        Status s = load_module(api, module, &loaded, &error, &transient, &origin);
        if (s != Status::kOk && transient) return fail(err, s, std::move(error));  // try again next time
        e.attempted = true;
        e.status = s;
        e.module = s == Status::kOk ? loaded : nullptr;
        e.error = std::move(error);
        e.origin = std::move(origin);
    }
    if (e.status != Status::kOk) return fail(err, e.status, e.error);
    auto it = e.functions.find(entry);
    if (it == e.functions.end()) {
        FunctionEntry f;
        const cu::Result r = api->cuModuleGetFunction(&f.function, e.module, entry);
        if (r != cu::kSuccess) {
            *stale = is_stale_handle(r);
            return fail(err, Status::kCudaError,
                        strf("kernel '%s' not found in module '%s' (%s): %s", entry, module.name, e.origin.c_str(),
                             cu::result_text(api, r).c_str()));
        }
        it = e.functions.emplace(entry, f).first;
    }
    FunctionEntry& f = it->second;
    if (shared_bytes > f.shared_limit) {
        const cu::Result r =
            api->cuFuncSetAttribute(f.function, cu::kFuncAttrMaxDynamicSharedSizeBytes, static_cast<int>(shared_bytes));
        if (r != cu::kSuccess) {
            *stale = is_stale_handle(r);
            return fail(err, Status::kCudaError,
                        strf("kernel '%s' of module '%s' needs %u bytes of dynamic shared memory; raising the limit "
                             "failed: %s", entry, module.name, shared_bytes, cu::result_text(api, r).c_str()));
        }
        f.shared_limit = shared_bytes;
    }
    *out = f.function;
    return ok(err);
}

}  // namespace

bool is_stale_handle(cu::Result r) {
    return r == cu::kErrorInvalidHandle || r == cu::kErrorContextIsDestroyed || r == cu::kErrorInvalidContext;
}

Status current_context(const cu::Api* api, ContextKey* key, Error* err) {
    cu::Result r = api->cuCtxGetCurrent(&key->context);
    if (r != cu::kSuccess) return cu::cuda_fail(api, r, "cuCtxGetCurrent", err);
    if (!key->context) {
        return fail(err, Status::kCudaError,
                    "no CUDA context is current on this thread (make one current, e.g. with cudaSetDevice, before "
                    "running the plugin)");
    }
    key->id = 0;
    if (api->cuCtxGetId) {
        r = api->cuCtxGetId(key->context, &key->id);
        if (r != cu::kSuccess) return cu::cuda_fail(api, r, "cuCtxGetId", err);
    }
    return ok(err);
}

Status find_function(const cu::Api* api, const ModuleDesc& module, const char* entry, uint32_t shared_bytes,
                     const ContextKey& key, cu::Function* out, Error* err) {
    for (int attempt = 0;; ++attempt) {
        std::shared_ptr<ModuleEntry> e = g_cache.entry(Key{key.context, key.id, &module});
        if (cached_function(*e, entry, shared_bytes, out)) return ok(err);
        g_cache.set_api(api);  // kept for unloading at library unload
        bool stale = false;
        const Status s = load_function(api, *e, module, entry, shared_bytes, out, &stale, err);
        if (s == Status::kOk || !stale || attempt > 0) return s;
        g_cache.forget_context(key.context);  // then load again, once
    }
}

void forget_context(cu::Context context) { g_cache.forget_context(context); }

cu::Result launch_function(const cu::Api* api, cu::Function f, const LaunchDesc& launch, const LaunchDims& d,
                           void* stream, void** params) {
    if (launch.cooperative) {
        return api->cuLaunchCooperativeKernel(f, d.grid[0], d.grid[1], d.grid[2], d.block[0], d.block[1], d.block[2],
                                              d.shared_bytes, static_cast<cu::Stream>(stream), params);
    }
    return api->cuLaunchKernel(f, d.grid[0], d.grid[1], d.grid[2], d.block[0], d.block[1], d.block[2], d.shared_bytes,
                               static_cast<cu::Stream>(stream), params, nullptr);
}

Status launch_failed(const cu::Api* api, cu::Result r, const LaunchDesc& launch, const char* name, const LaunchDims& d,
                     Error* err) {
    return fail(err, Status::kCudaError,
                strf("launching '%s' (grid %u,%u,%u block %u,%u,%u, %u bytes shared%s) failed: %s", name, d.grid[0],
                     d.grid[1], d.grid[2], d.block[0], d.block[1], d.block[2], d.shared_bytes,
                     launch.cooperative ? ", cooperative" : "", cu::result_text(api, r).c_str()));
}

Status get_function(const cu::Api* api, const ModuleDesc& module, const char* entry, uint32_t shared_bytes,
                    cu::Function* out, Error* err) {
    ContextKey key;
    const Status s = current_context(api, &key, err);
    if (s != Status::kOk) return s;
    return find_function(api, module, entry, shared_bytes, key, out, err);
}

Status launch_kernel(const cu::Api* api, const ModuleDesc& module, const LaunchDesc& launch, const char* name,
                     const LaunchDims& d, void* stream, void** params, Error* err) {
    ContextKey key;
    Status s = current_context(api, &key, err);
    if (s != Status::kOk) return s;
    for (int attempt = 0;; ++attempt) {
        cu::Function f = nullptr;
        s = find_function(api, module, launch.entry, d.shared_bytes, key, &f, err);
        if (s != Status::kOk) return s;
        const cu::Result r = launch_function(api, f, launch, d, stream, params);
        if (r == cu::kSuccess) return ok(err);
        if (attempt == 0 && is_stale_handle(r)) {
            g_cache.forget_context(key.context);  // a function of a destroyed context: load again, once
            continue;
        }
        return launch_failed(api, r, launch, name, d, err);
    }
}

}  // namespace detail
}  // namespace trtplug
