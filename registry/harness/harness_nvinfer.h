// The pieces of libnvinfer a plugin library needs, provided by the lifecycle harness itself:
// the plugin registry (with loadLibrary, as TensorRT implements it), an expression builder that
// computes concrete dimensions, and a logger that captures what the plugins report.
//
// Compiled against the real TensorRT headers of one major; guarded by NV_TENSORRT_MAJOR where the
// interfaces differ. The expression classes implement TensorRT's internal apiv interfaces, which
// may change in any release: they are checked for every major trtplug supports.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "trtplug_trt_compat.h"

namespace harness {

TRTPLUG_TRT_V2_BEGIN

using CreatorV2 = nvinfer1::IPluginCreator;
#if NV_TENSORRT_MAJOR >= 10
using CreatorV3 = nvinfer1::IPluginCreatorV3One;
#endif
using CreatorEntry = trtplug::trt::CreatorEntry;  // what registerCreator stores

// --------------------------------------------------------------------------------------------
// Logger: every line a plugin library sends through setLoggerFinder.
struct LogLine {
    int32_t severity;
    std::string text;
};

class CaptureLogger final : public nvinfer1::ILogger {
public:
    void log(Severity severity, nvinfer1::AsciiChar const* msg) noexcept override;
    std::vector<LogLine> since(size_t mark) const;
    size_t mark() const;

private:
    mutable std::mutex mutex_;
    std::vector<LogLine> lines_;
};

class LoggerFinder final : public nvinfer1::ILoggerFinder {
public:
    nvinfer1::ILogger* findLogger() override { return &logger; }
    CaptureLogger logger;
};

LoggerFinder& logger_finder();

// --------------------------------------------------------------------------------------------
// Plugin registry.
class Registry final : public nvinfer1::IPluginRegistry {
public:
    struct Entry {
        CreatorEntry* creator;
        std::string name, version, plugin_namespace;
        void* library;  // the loadLibrary handle that registered it, or null
    };

    // Finds a V1 (IPluginCreator) creator; null when there is none.
    CreatorV2* find(const std::string& name, const std::string& version, const std::string& plugin_namespace);
#if NV_TENSORRT_MAJOR >= 10
    // Finds a V3 (IPluginCreatorV3One) creator; null when there is none.
    CreatorV3* find_v3(const std::string& name, const std::string& version, const std::string& plugin_namespace);
#endif
    std::vector<Entry> entries() const;
    // "TpScale/1 (ns 'a'), ..." for messages.
    std::string describe() const;
    // Last reason loadLibrary failed.
    std::string last_error() const;

#if NV_TENSORRT_MAJOR < 11
    bool registerCreator(nvinfer1::IPluginCreator& creator,
                         nvinfer1::AsciiChar const* const plugin_namespace) noexcept override;
    nvinfer1::IPluginCreator* const* getPluginCreatorList(int32_t* const count) const noexcept override;
    nvinfer1::IPluginCreator* getPluginCreator(nvinfer1::AsciiChar const* const name,
                                               nvinfer1::AsciiChar const* const version,
                                               nvinfer1::AsciiChar const* const plugin_namespace) noexcept override;
    bool deregisterCreator(nvinfer1::IPluginCreator const& creator) noexcept override;
#endif
    void setErrorRecorder(nvinfer1::IErrorRecorder* const recorder) noexcept override;
    nvinfer1::IErrorRecorder* getErrorRecorder() const noexcept override;
    bool isParentSearchEnabled() const override;
    void setParentSearchEnabled(bool const enabled) override;
    PluginLibraryHandle loadLibrary(nvinfer1::AsciiChar const* path) noexcept override;
    void deregisterLibrary(PluginLibraryHandle handle) noexcept override;
#if NV_TENSORRT_MAJOR >= 10
    bool registerCreator(nvinfer1::IPluginCreatorInterface& creator,
                         nvinfer1::AsciiChar const* const plugin_namespace) noexcept override;
    nvinfer1::IPluginCreatorInterface* const* getAllCreators(int32_t* const count) const noexcept override;
    nvinfer1::IPluginCreatorInterface* getCreator(nvinfer1::AsciiChar const* const name,
                                                  nvinfer1::AsciiChar const* const version,
                                                  nvinfer1::AsciiChar const* const plugin_namespace) noexcept override;
    bool deregisterCreator(nvinfer1::IPluginCreatorInterface const& creator) noexcept override;
    nvinfer1::IPluginResource* acquirePluginResource(nvinfer1::AsciiChar const* key,
                                                     nvinfer1::IPluginResource* resource) noexcept override;
    int32_t releasePluginResource(nvinfer1::AsciiChar const* key) noexcept override;
    nvinfer1::IPluginCreatorInterface* const* getAllCreatorsRecursive(int32_t* const count) noexcept override;
#endif

private:
    bool add(CreatorEntry& creator, const char* plugin_namespace, void* library) noexcept;
    bool remove(const CreatorEntry* creator) noexcept;
    CreatorEntry* lookup(const char* name, const char* version, const char* plugin_namespace) noexcept;

    mutable std::mutex mutex_;
    std::vector<Entry> entries_;
    mutable std::vector<CreatorEntry*> list_;  // storage for the array getters return
#if NV_TENSORRT_MAJOR < 11
    mutable std::vector<nvinfer1::IPluginCreator*> v2_list_;
#endif
    nvinfer1::IErrorRecorder* recorder_ = nullptr;
    bool parent_search_ = true;
    std::string last_error_;
};

Registry& registry();

// A V1 creator from a registry entry (10.x and later check the interface kind first).
CreatorV2* as_v2(CreatorEntry* creator) noexcept;
#if NV_TENSORRT_MAJOR >= 10
// A V3 creator from a registry entry, or null when it is of another kind.
CreatorV3* as_v3(CreatorEntry* creator) noexcept;
#endif

// --------------------------------------------------------------------------------------------
// Expression builder with concrete "shadow" values: a symbolic dimension (as TensorRT passes for
// a dynamic batch) carries the value it will have at run time, so the harness can check that the
// plugin's symbolic output dimensions evaluate to the same values as the static ones.
class DimExpr final : public nvinfer1::IDimensionExpr {
public:
    DimExpr(bool constant, int64_t value, bool size_tensor = false);
    bool constant() const { return impl_.constant; }
    int64_t value() const { return impl_.value; }  // a size tensor's: its upper bound
    bool size_tensor() const { return impl_.size_tensor; }

private:
    struct Impl final : nvinfer1::apiv::VDimensionExpr {
        bool constant;
        int64_t value;
        bool size_tensor;
        bool isConstant() const override { return constant; }
        trtplug::trt::DimValue getConstantValue() const override {
            return constant ? static_cast<trtplug::trt::DimValue>(value) : -1;
        }
#if NV_TENSORRT_MAJOR >= 10
        bool isSizeTensor() const override { return size_tensor; }
#endif
    };
    Impl impl_;
};

class ExprBuilder final : public nvinfer1::IExprBuilder {
public:
    ExprBuilder();
    const DimExpr* make(bool constant, int64_t value, bool size_tensor = false);
    // The first problem the builder met (a division by zero, an unknown operation), or "".
    const std::string& error() const { return error_; }
    // The output indices the plugin declared size tensors at, in the order it declared them.
    const std::vector<int32_t>& size_tensors() const { return size_tensors_; }

private:
    struct Impl final : nvinfer1::apiv::VExprBuilder {
        ExprBuilder* owner = nullptr;
        nvinfer1::IDimensionExpr const* constant(trtplug::trt::DimValue value) override;
        nvinfer1::IDimensionExpr const* operation(nvinfer1::DimensionOperation op, nvinfer1::IDimensionExpr const& a,
                                                  nvinfer1::IDimensionExpr const& b) override;
#if NV_TENSORRT_MAJOR >= 10
        nvinfer1::IDimensionExpr const* declareSizeTensor(int32_t, nvinfer1::IDimensionExpr const&,
                                                          nvinfer1::IDimensionExpr const&) override;
#endif
    };
    Impl impl_;
    std::vector<std::unique_ptr<DimExpr>> nodes_;
    std::vector<int32_t> size_tensors_;
    std::string error_;
};

TRTPLUG_TRT_V2_END

}  // namespace harness
