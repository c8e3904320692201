// Helpers shared by the core's translation units. Not part of the public contract.
#pragma once

#include <cstdarg>
#include <cstdio>
#include <new>
#include <string>

#include "trtplug_core.h"
#include "trtplug_util.h"

namespace trtplug {
namespace detail {

// Fills err (when not null) and returns s.
Status fail(Error* err, Status s, std::string message);

inline Status ok(Error* err) {
    if (err) {
        err->status = Status::kOk;
        err->message.clear();
    }
    return Status::kOk;
}

// Runs body (returning Status) and turns any exception into a Status: nothing thrown by the
// standard library (bad_alloc, length_error) leaves a core function.
template <class Body>
Status guarded(Error* err, const char* where, Body&& body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        if (err) {
            err->status = Status::kInternal;
            try {
                err->message = std::string(where) + ": out of memory";
            } catch (...) {
            }
        }
        return Status::kInternal;
    } catch (...) {
        if (err) {
            err->status = Status::kInternal;
            try {
                err->message = std::string(where) + ": unexpected internal error";
            } catch (...) {
            }
        }
        return Status::kInternal;
    }
}

int64_t dtype_size(DType t);  // 0 for an unknown value
const char* attr_type_name(AttrType t);

// Product of a shape's dims; false on a negative dim or int64 overflow.
bool checked_numel(const Shape& s, int64_t* out);

constexpr size_t kWorkspaceAlignment = 256;

// Checks one attribute value against its descriptor (count, element range, int32 range of ints,
// 0/1 of bools, no NUL in strings); *why names the problem, starting with the attribute's name.
bool check_attr_value(const AttrDesc& desc, const AttrValue& value, std::string* why);

// Text safe to put in a one-line message: printable ASCII kept, the rest escaped, at most
// `limit` bytes shown.
std::string printable(const char* data, size_t size, size_t limit = 64);

// Expressions (expr.cpp). int_binary applies one binary opcode with checked int64 arithmetic.
const char* op_symbol(int64_t op);
bool int_binary(ExprOp op, int64_t a, int64_t b, int64_t* out, std::string* error);
// Evaluates with dims < 0 standing for unknown ones: *known is false when the value depends on one.
Status eval_known(const Expr& expr, const EvalEnv& env, bool* known, int64_t* out, Error* err);
// The program in Python-like infix with the plugin's names: "x.shape[0] // self.group".
std::string expr_text(const Expr& expr, const PluginDesc& desc);
// The values of the program's inputs and attributes: "x.shape[0] = 12, self.group = -3" ("?" if unknown).
std::string expr_values(const Expr& expr, const EvalEnv& env);

// IEEE CRC-32 (the one zlib.crc32 computes).
uint32_t crc32(const void* data, size_t size);

}  // namespace detail
}  // namespace trtplug
