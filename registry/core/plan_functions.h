// The kernel functions of one launch plan, kept per CUDA context, so that an enqueue with shapes
// and a context seen before launches without the module cache (no lock, no map, no reference
// count): a few atomic loads find the functions. Private to the core (tested directly).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "cuda_driver.h"
#include "module_cache.h"

namespace trtplug {
namespace detail {

class PlanFunctions {
public:
    // Contexts remembered per plan (one per GPU a plugin instance runs on, usually one); a further
    // context replaces the oldest. Plans with more launches than kLaunches are not cached here:
    // every enqueue of them asks the module cache.
    static constexpr int32_t kContexts = 4;
    static constexpr int32_t kLaunches = 8;

    PlanFunctions() = default;
    // A copy starts empty: the functions are found again on first use.
    PlanFunctions(const PlanFunctions&) : PlanFunctions() {}
    PlanFunctions& operator=(const PlanFunctions&) { return *this; }

    // Copies the functions kept for `key` into out[0..n) and returns true, or returns false.
    bool find(const ContextKey& key, cu::Function* out, size_t n) const noexcept;
    // Keeps functions[0..n) for `key` (n <= kLaunches; more is ignored).
    void store(const ContextKey& key, const cu::Function* functions, size_t n) noexcept;
    // Drops what is kept for `context` (the driver rejected one of its functions).
    void forget(cu::Context context) noexcept;

private:
    // A sequence lock: `version` is odd while a writer changes the slot; a reader that sees the same
    // even version before and after copying the fields has a consistent copy. Every field is an
    // atomic, so readers and writers never race; writers take `writers_`.
    struct Slot {
        std::atomic<uint32_t> version{0};
        std::atomic<cu::Context> context{nullptr};
        std::atomic<unsigned long long> context_id{0};
        std::atomic<cu::Function> functions[kLaunches] = {};
    };
    void write(Slot& slot, const ContextKey& key, const cu::Function* functions, size_t n) noexcept;

    Slot slots_[kContexts];
    std::mutex writers_;
    int32_t next_victim_ = 0;  // under writers_
};

}  // namespace detail
}  // namespace trtplug
