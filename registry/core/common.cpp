// Status names, logging and the small helpers every part of the core uses.
#include <cstring>
#include <cstdio>
#include <mutex>

#include "core_internal.h"

namespace trtplug {

const char* status_name(Status s) {
    switch (s) {
        case Status::kOk: return "ok";
        case Status::kBadArgument: return "bad argument";
        case Status::kBadSerialization: return "bad serialization";
        case Status::kDriverMissing: return "CUDA driver missing";
        case Status::kCudaError: return "CUDA error";
        case Status::kNoImage: return "no kernel image for this device";
        case Status::kExprError: return "expression error";
        case Status::kUnsupported: return "unsupported";
        case Status::kInternal: return "internal error";
    }
    return "unknown status";
}

namespace {

struct SinkState {
    std::mutex mutex;
    LogSink sink = nullptr;
    void* user = nullptr;
};

SinkState& sink_state() {
    static SinkState state;
    return state;
}

}  // namespace

void set_log_sink(LogSink sink, void* user) {
    SinkState& s = sink_state();
    std::lock_guard<std::mutex> lock(s.mutex);
    s.sink = sink;
    s.user = user;
}

void log_line(Severity severity, const char* plugin_ns, const char* plugin_name, const char* message) {
    // Built in a fixed buffer: logging must work when memory is short.
    char line[1024];
    const char* ns = plugin_ns ? plugin_ns : "";
    const char* name = plugin_name ? plugin_name : "";
    const char* msg = message ? message : "";
    if (*ns && *name) {
        std::snprintf(line, sizeof line, "[trtplug] %s::%s: %s", ns, name, msg);
    } else if (*ns || *name) {
        std::snprintf(line, sizeof line, "[trtplug] %s: %s", *ns ? ns : name, msg);
    } else {
        std::snprintf(line, sizeof line, "[trtplug] %s", msg);
    }
    SinkState& s = sink_state();
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.sink) {
        s.sink(severity, line, s.user);
    } else if (severity == Severity::kError || severity == Severity::kWarning) {
        std::fprintf(stderr, "%s\n", line);
    }
}

namespace detail {

Status fail(Error* err, Status s, std::string message) {
    if (err) {
        err->status = s;
        err->message = std::move(message);
    }
    return s;
}

int64_t dtype_size(DType t) {
    switch (t) {
        case DType::kFloat32: return 4;
        case DType::kFloat16: return 2;
        case DType::kInt8: return 1;
        case DType::kInt32: return 4;
        case DType::kBool: return 1;
    }
    return 0;
}

const char* attr_type_name(AttrType t) {
    switch (t) {
        case AttrType::kInt: return "int";
        case AttrType::kFloat: return "float";
        case AttrType::kBool: return "bool";
        case AttrType::kString: return "string";
        case AttrType::kIntList: return "int list";
        case AttrType::kFloatList: return "float list";
    }
    return "unknown";
}

bool checked_numel(const Shape& s, int64_t* out) {
    int64_t n = 1;
    if (s.rank < 0 || s.rank > kMaxRank) return false;
    for (int32_t i = 0; i < s.rank; ++i) {
        if (s.dims[i] < 0 || __builtin_mul_overflow(n, s.dims[i], &n)) return false;
    }
    *out = n;
    return true;
}

}  // namespace detail
}  // namespace trtplug

namespace trtplug {
namespace detail {

std::string printable(const char* data, size_t size, size_t limit) {
    std::string out;
    const size_t n = size < limit ? size : limit;
    for (size_t i = 0; i < n; ++i) {
        const unsigned char c = static_cast<unsigned char>(data[i]);
        if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    if (size > limit) out += "...";
    return out;
}

uint32_t crc32(const void* data, size_t size) {
    static const struct Table {
        uint32_t v[256];
        Table() {
            for (uint32_t i = 0; i < 256; ++i) {
                uint32_t c = i;
                for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                v[i] = c;
            }
        }
    } table;
    const unsigned char* p = static_cast<const unsigned char*>(data);
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < size; ++i) c = table.v[(c ^ p[i]) & 0xffu] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

}  // namespace detail
}  // namespace trtplug
