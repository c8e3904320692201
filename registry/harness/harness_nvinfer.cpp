// The harness's stand-ins for libnvinfer: registry, expression builder, logger.
#include "harness_nvinfer.h"

#include <dlfcn.h>

#include <cstring>

TRTPLUG_TRT_V2_BEGIN

// What a plugin library's static registrars call. Exported from the harness executable (linked
// with -rdynamic) so that a dlopened library binds its weak reference to it.
extern "C" __attribute__((visibility("default"))) nvinfer1::IPluginRegistry* getPluginRegistry() noexcept {
    return &harness::registry();
}

namespace harness {

namespace {
constexpr const char* kCreatorV1Kind = "PLUGIN CREATOR_V1";
constexpr const char* kCreatorV3Kind = "PLUGIN CREATOR_V3ONE";

std::string text(const char* s) { return s ? std::string(s) : std::string(); }

// What the registry knows a creator by, for either kind; false for a kind it does not take.
// TensorRT registers a V3 creator under its own namespace, which must equal the one given.
bool identify(CreatorEntry& creator, const char* plugin_namespace, std::string* name, std::string* version,
              std::string* why) {
    if (CreatorV2* v2 = as_v2(&creator)) {
        *name = text(v2->getPluginName());
        *version = text(v2->getPluginVersion());
        return true;
    }
#if NV_TENSORRT_MAJOR >= 10
    if (CreatorV3* v3 = as_v3(&creator)) {
        *name = text(v3->getPluginName());
        *version = text(v3->getPluginVersion());
        if (text(v3->getPluginNamespace()) != text(plugin_namespace)) {
            *why = "creator '" + *name + "' reports namespace '" + text(v3->getPluginNamespace()) +
                   "' but was registered under '" + text(plugin_namespace) + "'";
            return false;
        }
        return true;
    }
#endif
    (void)plugin_namespace;
    *why = "a creator that is neither an IPluginCreator (V1) nor an IPluginCreatorV3One was offered";
    return false;
}
}  // namespace

// ------------------------------------------------------------------------------------ logger
void CaptureLogger::log(Severity severity, nvinfer1::AsciiChar const* msg) noexcept {
    try {
        std::lock_guard<std::mutex> lock(mutex_);
        lines_.push_back({static_cast<int32_t>(severity), msg ? msg : ""});
    } catch (...) {
    }
}

std::vector<LogLine> CaptureLogger::since(size_t mark) const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (mark >= lines_.size()) return {};
    return std::vector<LogLine>(lines_.begin() + static_cast<std::ptrdiff_t>(mark), lines_.end());
}

size_t CaptureLogger::mark() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_.size();
}

LoggerFinder& logger_finder() {
    static LoggerFinder finder;
    return finder;
}

// ---------------------------------------------------------------------------------- registry
Registry& registry() {
    // A function-local static: library registrars may run before any other static of the harness.
    static Registry instance;
    return instance;
}

CreatorV2* as_v2(CreatorEntry* creator) noexcept {
#if NV_TENSORRT_MAJOR >= 10
    if (creator == nullptr) return nullptr;
    const nvinfer1::InterfaceInfo info = creator->getInterfaceInfo();
    if (info.kind == nullptr || std::strcmp(info.kind, kCreatorV1Kind) != 0) return nullptr;
    return static_cast<CreatorV2*>(creator);
#else
    return creator;
#endif
}

#if NV_TENSORRT_MAJOR >= 10
CreatorV3* as_v3(CreatorEntry* creator) noexcept {
    if (creator == nullptr) return nullptr;
    const nvinfer1::InterfaceInfo info = creator->getInterfaceInfo();
    if (info.kind == nullptr || std::strcmp(info.kind, kCreatorV3Kind) != 0) return nullptr;
    return static_cast<CreatorV3*>(creator);
}
#endif

bool Registry::add(CreatorEntry& creator, const char* plugin_namespace, void* library) noexcept {
    try {
        std::string name, version, why;
        if (!identify(creator, plugin_namespace, &name, &version, &why)) {
            std::lock_guard<std::mutex> lock(mutex_);
            last_error_ = why;
            return false;
        }
        Entry e{&creator, name, version, text(plugin_namespace), library};
        std::lock_guard<std::mutex> lock(mutex_);
        for (const Entry& other : entries_) {
            if (other.name == e.name && other.version == e.version && other.plugin_namespace == e.plugin_namespace) {
                last_error_ = "plugin '" + e.name + "' version '" + e.version + "' in namespace '" +
                              e.plugin_namespace + "' is already registered";
                return false;
            }
        }
        if (CreatorV2* v2 = as_v2(&creator)) v2->setPluginNamespace(e.plugin_namespace.c_str());
        entries_.push_back(std::move(e));
        return true;
    } catch (...) {
        return false;
    }
}

bool Registry::remove(const CreatorEntry* creator) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if (it->creator == creator) {
            entries_.erase(it);
            return true;
        }
    }
    return false;
}

CreatorEntry* Registry::lookup(const char* name, const char* version, const char* plugin_namespace) noexcept {
    const std::string n = text(name), v = text(version), ns = text(plugin_namespace);
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Entry& e : entries_) {
        if (e.name == n && e.version == v && e.plugin_namespace == ns) return e.creator;
    }
    return nullptr;
}

CreatorV2* Registry::find(const std::string& name, const std::string& version, const std::string& plugin_namespace) {
    return as_v2(lookup(name.c_str(), version.c_str(), plugin_namespace.c_str()));
}

#if NV_TENSORRT_MAJOR >= 10
CreatorV3* Registry::find_v3(const std::string& name, const std::string& version, const std::string& plugin_namespace) {
    return as_v3(lookup(name.c_str(), version.c_str(), plugin_namespace.c_str()));
}
#endif

std::vector<Registry::Entry> Registry::entries() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_;
}

std::string Registry::describe() const {
    std::string out;
    for (const Entry& e : entries()) {
        out += (out.empty() ? "" : ", ") + e.name + "/" + e.version + " (namespace '" + e.plugin_namespace + "')";
    }
    return out.empty() ? "(none)" : out;
}

std::string Registry::last_error() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_error_;
}

#if NV_TENSORRT_MAJOR < 11
bool Registry::registerCreator(nvinfer1::IPluginCreator& creator,
                               nvinfer1::AsciiChar const* const plugin_namespace) noexcept {
    return add(creator, plugin_namespace, nullptr);
}

nvinfer1::IPluginCreator* const* Registry::getPluginCreatorList(int32_t* const count) const noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    v2_list_.clear();
    for (const Entry& e : entries_) {
        if (CreatorV2* c = as_v2(e.creator)) v2_list_.push_back(c);
    }
    if (count) *count = static_cast<int32_t>(v2_list_.size());
    return v2_list_.data();
}

nvinfer1::IPluginCreator* Registry::getPluginCreator(nvinfer1::AsciiChar const* const name,
                                                     nvinfer1::AsciiChar const* const version,
                                                     nvinfer1::AsciiChar const* const plugin_namespace) noexcept {
    return as_v2(lookup(name, version, plugin_namespace));
}

bool Registry::deregisterCreator(nvinfer1::IPluginCreator const& creator) noexcept {
    return remove(&creator);
}
#endif

void Registry::setErrorRecorder(nvinfer1::IErrorRecorder* const recorder) noexcept { recorder_ = recorder; }
nvinfer1::IErrorRecorder* Registry::getErrorRecorder() const noexcept { return recorder_; }
bool Registry::isParentSearchEnabled() const { return parent_search_; }
void Registry::setParentSearchEnabled(bool const enabled) { parent_search_ = enabled; }

// As TensorRT does it: dlopen, hand over the logger, take the creators from the entry point and
// register them; nothing is registered when one of them is already there.
Registry::PluginLibraryHandle Registry::loadLibrary(nvinfer1::AsciiChar const* path) noexcept {
    void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* why = dlerror();
        std::lock_guard<std::mutex> lock(mutex_);
        last_error_ = std::string("dlopen failed: ") + (why ? why : "unknown reason");
        return nullptr;
    }
    using SetLoggerFinder = void (*)(nvinfer1::ILoggerFinder*);
    if (auto set_finder = reinterpret_cast<SetLoggerFinder>(dlsym(handle, "setLoggerFinder"))) {
        set_finder(&logger_finder());
    }
#if NV_TENSORRT_MAJOR >= 10
    const char* entry_name = "getCreators";
#else
    const char* entry_name = "getPluginCreators";
#endif
    using GetCreators = CreatorEntry* const* (*)(int32_t&);
    auto get_creators = reinterpret_cast<GetCreators>(dlsym(handle, entry_name));
    if (get_creators == nullptr) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            last_error_ = std::string("the library exports no ") + entry_name + "()";
        }
        dlclose(handle);
        return nullptr;
    }
    int32_t n = 0;
    CreatorEntry* const* creators = get_creators(n);
    for (int32_t i = 0; i < n; ++i) {
        CreatorEntry* creator = creators ? creators[i] : nullptr;
        const char* ns = nullptr;
        if (CreatorV2* v2 = as_v2(creator)) ns = v2->getPluginNamespace();
#if NV_TENSORRT_MAJOR >= 10
        if (CreatorV3* v3 = as_v3(creator)) ns = v3->getPluginNamespace();
#endif
        if (ns == nullptr || !add(*creator, ns, handle)) {
            if (ns == nullptr) {
                std::lock_guard<std::mutex> lock(mutex_);
                last_error_ = std::string(entry_name) + "() returned a null creator, or one of no known kind, at "
                              "index " + std::to_string(i);
            }
            for (int32_t j = 0; j < i; ++j) remove(creators[j]);
            dlclose(handle);
            return nullptr;
        }
    }
    return handle;
}

void Registry::deregisterLibrary(PluginLibraryHandle handle) noexcept {
    if (handle == nullptr) return;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto it = entries_.begin(); it != entries_.end();) {
            it = it->library == handle ? entries_.erase(it) : it + 1;
        }
    }
    dlclose(handle);
}

#if NV_TENSORRT_MAJOR >= 10
bool Registry::registerCreator(nvinfer1::IPluginCreatorInterface& creator,
                               nvinfer1::AsciiChar const* const plugin_namespace) noexcept {
    return add(creator, plugin_namespace, nullptr);
}

nvinfer1::IPluginCreatorInterface* const* Registry::getAllCreators(int32_t* const count) const noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    list_.clear();
    for (const Entry& e : entries_) list_.push_back(e.creator);
    if (count) *count = static_cast<int32_t>(list_.size());
    return list_.data();
}

nvinfer1::IPluginCreatorInterface* Registry::getCreator(nvinfer1::AsciiChar const* const name,
                                                        nvinfer1::AsciiChar const* const version,
                                                        nvinfer1::AsciiChar const* const plugin_namespace) noexcept {
    return lookup(name, version, plugin_namespace);
}

bool Registry::deregisterCreator(nvinfer1::IPluginCreatorInterface const& creator) noexcept {
    return remove(&creator);
}

nvinfer1::IPluginResource* Registry::acquirePluginResource(nvinfer1::AsciiChar const*,
                                                           nvinfer1::IPluginResource*) noexcept {
    return nullptr;
}

int32_t Registry::releasePluginResource(nvinfer1::AsciiChar const*) noexcept { return -1; }

nvinfer1::IPluginCreatorInterface* const* Registry::getAllCreatorsRecursive(int32_t* const count) noexcept {
    return getAllCreators(count);
}
#endif

// ------------------------------------------------------------------------- expression builder
DimExpr::DimExpr(bool constant, int64_t value, bool size_tensor) : impl_() {
    impl_.constant = constant;
    impl_.value = value;
    impl_.size_tensor = size_tensor;
    mImpl = &impl_;
}

ExprBuilder::ExprBuilder() {
    impl_.owner = this;
    mImpl = &impl_;
}

const DimExpr* ExprBuilder::make(bool constant, int64_t value, bool size_tensor) {
    nodes_.push_back(std::make_unique<DimExpr>(constant, value, size_tensor));
    return nodes_.back().get();
}

nvinfer1::IDimensionExpr const* ExprBuilder::Impl::constant(trtplug::trt::DimValue value) {
    return owner->make(true, value);
}

nvinfer1::IDimensionExpr const* ExprBuilder::Impl::operation(nvinfer1::DimensionOperation op,
                                                             nvinfer1::IDimensionExpr const& a,
                                                             nvinfer1::IDimensionExpr const& b) {
    // Every expression a plugin sees was made by this builder.
    const DimExpr& x = static_cast<const DimExpr&>(a);
    const DimExpr& y = static_cast<const DimExpr&>(b);
    const int64_t u = x.value(), v = y.value();
    int64_t r = 0;
    switch (op) {
        case nvinfer1::DimensionOperation::kSUM: r = u + v; break;
        case nvinfer1::DimensionOperation::kPROD: r = u * v; break;
        case nvinfer1::DimensionOperation::kMAX: r = u > v ? u : v; break;
        case nvinfer1::DimensionOperation::kMIN: r = u < v ? u : v; break;
        case nvinfer1::DimensionOperation::kSUB: r = u - v; break;
        case nvinfer1::DimensionOperation::kEQUAL: r = u == v; break;
        case nvinfer1::DimensionOperation::kLESS: r = u < v; break;
        case nvinfer1::DimensionOperation::kFLOOR_DIV:
        case nvinfer1::DimensionOperation::kCEIL_DIV:
            if (v == 0) {
                if (owner->error_.empty()) owner->error_ = "division by zero in a dimension expression";
                return nullptr;
            }
            r = u / v;
            if (op == nvinfer1::DimensionOperation::kFLOOR_DIV && (u % v != 0) && ((u < 0) != (v < 0))) --r;
            if (op == nvinfer1::DimensionOperation::kCEIL_DIV && (u % v != 0) && ((u < 0) == (v < 0))) ++r;
            break;
        default:
            if (owner->error_.empty()) owner->error_ = "unknown DimensionOperation";
            return nullptr;
    }
    return owner->make(x.constant() && y.constant(), r);
}

#if NV_TENSORRT_MAJOR >= 10
// The size tensor's value is known only once the plugin ran: the expression carries the upper
// bound, which is what the harness allocates the data-dependent output with.
nvinfer1::IDimensionExpr const* ExprBuilder::Impl::declareSizeTensor(int32_t output_index,
                                                                     nvinfer1::IDimensionExpr const& opt,
                                                                     nvinfer1::IDimensionExpr const& upper) {
    const DimExpr& o = static_cast<const DimExpr&>(opt);
    const DimExpr& u = static_cast<const DimExpr&>(upper);
    for (int32_t declared : owner->size_tensors_) {
        if (declared == output_index) {
            if (owner->error_.empty()) owner->error_ = "size tensor output " + std::to_string(output_index) + " declared twice";
            return nullptr;
        }
    }
    if (o.size_tensor() || u.size_tensor() || o.value() < 0 || o.value() > u.value()) {
        if (owner->error_.empty()) {
            owner->error_ = "declareSizeTensor(" + std::to_string(output_index) + "): opt " + std::to_string(o.value()) +
                            " and upper " + std::to_string(u.value()) + " must be input-derived, with 0 <= opt <= upper";
        }
        return nullptr;
    }
    owner->size_tensors_.push_back(output_index);
    return owner->make(false, u.value(), true);
}
#endif

}  // namespace harness

TRTPLUG_TRT_V2_END
