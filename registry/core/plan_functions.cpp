// PlanFunctions: a few (context -> functions) slots read under a sequence lock, written with no
// standalone fence (ThreadSanitizer supports none): the fields are stored with release after the
// odd version and loaded with acquire before the version is read again, so a reader that read
// any field of a write in progress (or of a later one) also reads the version that write changed.
#include "plan_functions.h"

namespace trtplug {
namespace detail {

bool PlanFunctions::find(const ContextKey& key, cu::Function* out, size_t n) const noexcept {
    if (n > static_cast<size_t>(kLaunches)) return false;
    for (const Slot& slot : slots_) {
        const uint32_t before = slot.version.load(std::memory_order_acquire);
        if (before & 1u) continue;  // being written: the slow path will do
        if (slot.context.load(std::memory_order_acquire) != key.context ||
            slot.context_id.load(std::memory_order_acquire) != key.id) {
            continue;
        }
        for (size_t i = 0; i < n; ++i) out[i] = slot.functions[i].load(std::memory_order_acquire);
        if (slot.version.load(std::memory_order_relaxed) == before) return true;
    }
    return false;
}

void PlanFunctions::write(Slot& slot, const ContextKey& key, const cu::Function* functions, size_t n) noexcept {
    const uint32_t v = slot.version.load(std::memory_order_relaxed);
    slot.version.store(v + 1, std::memory_order_relaxed);
    slot.context.store(key.context, std::memory_order_release);
    slot.context_id.store(key.id, std::memory_order_release);
    for (size_t i = 0; i < static_cast<size_t>(kLaunches); ++i) {
        slot.functions[i].store(i < n ? functions[i] : nullptr, std::memory_order_release);
    }
    slot.version.store(v + 2, std::memory_order_release);
}

void PlanFunctions::store(const ContextKey& key, const cu::Function* functions, size_t n) noexcept {
    if (!key.context || n > static_cast<size_t>(kLaunches)) return;
    std::lock_guard<std::mutex> lock(writers_);
    Slot* target = nullptr;
    for (Slot& slot : slots_) {  // the same context again (another thread got there first), else a free slot
        const cu::Context c = slot.context.load(std::memory_order_relaxed);
        if (c == key.context) {
            target = &slot;
            break;
        }
        if (!c && !target) target = &slot;
    }
    if (!target) {
        target = &slots_[next_victim_];
        next_victim_ = (next_victim_ + 1) % kContexts;
    }
    write(*target, key, functions, n);
}

void PlanFunctions::forget(cu::Context context) noexcept {
    std::lock_guard<std::mutex> lock(writers_);
    for (Slot& slot : slots_) {
        if (slot.context.load(std::memory_order_relaxed) == context) write(slot, ContextKey{}, nullptr, 0);
    }
}

}  // namespace detail
}  // namespace trtplug
