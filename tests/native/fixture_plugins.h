// Test plugins (see fixture_plugins.cpp).
#pragma once

#include "trtplug_library.h"

namespace fixture {

// TestScale v1: inputs x (rank 2), w (rank 1); outputs y = shape of x and
// stats = [max(min(cdiv(numel(x), alpha), 1024), 1)]; attributes alpha (int 1..100, default 3),
// beta (float -10..10, default 0.5), dims (1..4 ints >= 0, default {1, 2}), mode (string <= 16
// bytes, default "fast"), flag (bool, default 1), scales (0..8 floats in 0..4, default empty).
// Variants: float32 (2 launches, the second cooperative with 64 KiB shared memory) and float16.
extern const trtplug::PluginDesc kScale;
// TestNeeds v2: attributes gamma (float 0..1) and label (string of 1..8 bytes), both without
// defaults; one int32 variant without launches.
extern const trtplug::PluginDesc kNeeds;
// TestRules v1: inputs x (rank 2), w (rank 1); output y = (x.shape[0] // group, x.shape[1]);
// attributes group (int, default 1, no range), r (int >= 1, default 2), mode (string, one of
// "nearest", "linear"; default "nearest"), block (int, default 256, no range). Constraints:
// x.shape[1] % (r * r) == 0 and (w.shape[0] == 1) | (w.shape[0] == x.shape[1]). One float32 variant
// launching x.shape[0] // group blocks of `block` threads.
extern const trtplug::PluginDesc kRules;

}  // namespace fixture
