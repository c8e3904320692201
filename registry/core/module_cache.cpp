// Loads kernel images per CUDA context: cubin when one fits the device, else the PTX fallback
// (JIT-compiled and, for several parts, linked by the driver).
#include "module_cache.h"

#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

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

struct ModuleEntry {
    std::mutex mutex;
    bool attempted = false;
    cu::Module module = nullptr;
    Status status = Status::kOk;
    std::string error;
    std::string origin;
    std::unordered_map<std::string, FunctionEntry> functions;
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
    ~ModuleCache() { unload_all(); }

    std::shared_ptr<ModuleEntry> entry(const Key& key) {
        std::lock_guard<std::mutex> lock(mutex_);
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

    void set_api(const cu::Api* api) {
        std::lock_guard<std::mutex> lock(mutex_);
        api_ = api;
    }

private:
    // Runs when the library is unloaded. The context may be gone (or the driver torn down at
    // process exit): a module is unloaded only when its context still answers with the id it had
    // when the module was loaded; without cuCtxGetId (drivers before 12.0) modules are left to
    // their context.
    void unload_all() noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        const cu::Api* api = api_;
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

    std::mutex mutex_;
    const cu::Api* api_ = nullptr;
    std::map<Key, std::shared_ptr<ModuleEntry>> entries_;
};

ModuleCache g_cache;

}  // namespace

Status get_function(const cu::Api* api, const ModuleDesc& module, const char* entry, uint32_t shared_bytes,
                    cu::Function* out, Error* err) {
    cu::Context ctx = nullptr;
    cu::Result r = api->cuCtxGetCurrent(&ctx);
    if (r != cu::kSuccess) return cu::cuda_fail(api, r, "cuCtxGetCurrent", err);
    if (!ctx) {
        return fail(err, Status::kCudaError,
                    "no CUDA context is current on this thread (make one current, e.g. with cudaSetDevice, before "
                    "running the plugin)");
    }
    unsigned long long ctx_id = 0;
    if (api->cuCtxGetId) {
        r = api->cuCtxGetId(ctx, &ctx_id);
        if (r != cu::kSuccess) return cu::cuda_fail(api, r, "cuCtxGetId", err);
    }
    g_cache.set_api(api);
    std::shared_ptr<ModuleEntry> e = g_cache.entry(Key{ctx, ctx_id, &module});
    std::lock_guard<std::mutex> lock(e->mutex);
    if (!e->attempted) {
        std::string error;
        bool transient = false;
        cu::Module loaded = nullptr;
        std::string origin;
        Status s = load_module(api, module, &loaded, &error, &transient, &origin);
        if (s != Status::kOk && transient) return fail(err, s, std::move(error));  // try again next time
        e->attempted = true;
        e->status = s;
        e->module = s == Status::kOk ? loaded : nullptr;
        e->error = std::move(error);
        e->origin = std::move(origin);
    }
    if (e->status != Status::kOk) return fail(err, e->status, e->error);
    auto it = e->functions.find(entry);
    if (it == e->functions.end()) {
        FunctionEntry f;
        r = api->cuModuleGetFunction(&f.function, e->module, entry);
        if (r != cu::kSuccess) {
            return fail(err, Status::kCudaError,
                        strf("kernel '%s' not found in module '%s' (%s): %s", entry, module.name, e->origin.c_str(),
                             cu::result_text(api, r).c_str()));
        }
        it = e->functions.emplace(entry, f).first;
    }
    FunctionEntry& f = it->second;
    if (shared_bytes > f.shared_limit) {
        r = api->cuFuncSetAttribute(f.function, cu::kFuncAttrMaxDynamicSharedSizeBytes, static_cast<int>(shared_bytes));
        if (r != cu::kSuccess) {
            return fail(err, Status::kCudaError,
                        strf("kernel '%s' needs %u bytes of dynamic shared memory; raising the limit failed: %s", entry,
                             shared_bytes, cu::result_text(api, r).c_str()));
        }
        f.shared_limit = shared_bytes;
    }
    *out = f.function;
    return ok(err);
}

}  // namespace detail
}  // namespace trtplug
