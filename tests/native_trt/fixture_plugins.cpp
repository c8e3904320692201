// Hand-written plugin descriptors used by the TensorRT adapter tests: what a generated plugins.cpp
// would define for two small plugins, without kernels (the CPU lifecycle never launches one).
//
//   TpScale v1: y = like(x); attrs alpha (float, [-1000, 1000]), count (int, [1, 16]), tag (string,
//               at most 16 bytes); dtypes float32 -> float32, float16 -> float16; a workspace of
//               numel(x) float32 values.
//   TpPair v2:  a, b of rank 2 -> y [a0, a1 + b1 * count], z [cdiv(numel(a), block)];
//               attrs count (int, [0, 8]), block (int, [1, 1024]), weights (2 floats);
//               dtypes (float32, float32 -> float32, int32), (float16, float16 -> float16, int32).
//
// TRTPLUG_FIXTURE_NAMESPACE sets the library's plugin namespace (default "").
#include "trtplug_library.h"

#ifndef TRTPLUG_FIXTURE_NAMESPACE
#define TRTPLUG_FIXTURE_NAMESPACE ""
#endif

namespace trtplug {
namespace generated {
namespace {

// ----------------------------------------------------------------------------- TpScale
const char* const kScaleIo[] = {"x", "y"};
const int32_t kScaleRanks[] = {-1};
const OutputDesc kScaleOutputs[] = {{0, nullptr, true, 0}};
const float kScaleAlpha[] = {1.0f};
const int64_t kScaleCount[] = {2};
const AttrDesc kScaleAttrs[] = {
    {"alpha", AttrType::kFloat, 1, 1, true, true, -1000.0, 1000.0, nullptr, kScaleAlpha, nullptr, 1},
    {"count", AttrType::kInt, 1, 1, true, true, 1.0, 16.0, kScaleCount, nullptr, nullptr, 1},
    {"tag", AttrType::kString, 0, 16, false, false, 0.0, 0.0, nullptr, nullptr, "tp", 2},
};
const int64_t kNumelX[] = {kOpNumel, 0};
const Expr kScaleWsShape[] = {{kNumelX, 2}};
const WorkspaceDesc kScaleWs[] = {{DType::kFloat32, 1, kScaleWsShape}};
const DType kScaleF32[] = {DType::kFloat32, DType::kFloat32};
const DType kScaleF16[] = {DType::kFloat16, DType::kFloat16};
const VariantDesc kScaleVariants[] = {
    {kScaleF32, nullptr, 0, kScaleWs, 1},
    {kScaleF16, nullptr, 0, kScaleWs, 1},
};

// ----------------------------------------------------------------------------- TpPair
const char* const kPairIo[] = {"a", "b", "y", "z"};
const int32_t kPairRanks[] = {2, 2};
const int64_t kY0[] = {kOpDim, 0, 0};
const int64_t kY1[] = {kOpDim, 0, 1, kOpDim, 1, 1, kOpAttr, 0, kOpMul, kOpAdd};
const int64_t kZ0[] = {kOpNumel, 0, kOpAttr, 1, kOpCeilDiv};
const Expr kPairY[] = {{kY0, 3}, {kY1, 10}};
const Expr kPairZ[] = {{kZ0, 5}};
const OutputDesc kPairOutputs[] = {{2, kPairY, false, 0}, {1, kPairZ, false, 0}};
const int64_t kPairCount[] = {1};
const int64_t kPairBlock[] = {4};
const float kPairWeights[] = {0.5f, 0.25f};
const AttrDesc kPairAttrs[] = {
    {"count", AttrType::kInt, 1, 1, true, true, 0.0, 8.0, kPairCount, nullptr, nullptr, 1},
    {"block", AttrType::kInt, 1, 1, true, true, 1.0, 1024.0, kPairBlock, nullptr, nullptr, 1},
    {"weights", AttrType::kFloatList, 2, 2, false, false, 0.0, 0.0, nullptr, kPairWeights, nullptr, 2},
};
const DType kPairF32[] = {DType::kFloat32, DType::kFloat32, DType::kFloat32, DType::kInt32};
const DType kPairF16[] = {DType::kFloat16, DType::kFloat16, DType::kFloat16, DType::kInt32};
const VariantDesc kPairVariants[] = {
    {kPairF32, nullptr, 0, nullptr, 0},
    {kPairF16, nullptr, 0, nullptr, 0},
};

}  // namespace

extern const PluginDesc fixture_scale_desc;
const PluginDesc fixture_scale_desc = {
    "TpScale", "1", 1, 1, kScaleIo, kScaleRanks, kScaleOutputs, kScaleAttrs, 3, kScaleVariants, 2, nullptr, 0,
};

extern const PluginDesc fixture_pair_desc;
const PluginDesc fixture_pair_desc = {
    "TpPair", "2", 2, 2, kPairIo, kPairRanks, kPairOutputs, kPairAttrs, 3, kPairVariants, 2, nullptr, 0,
};

}  // namespace generated

namespace {
const PluginDesc* const kFixturePlugins[] = {&generated::fixture_scale_desc, &generated::fixture_pair_desc};
}  // namespace

const LibraryDesc& library() {
    static const LibraryDesc desc = {
        "trtplug_fixture", TRTPLUG_FIXTURE_NAMESPACE, kFixturePlugins, 2,
        "{\"library\": \"trtplug_fixture\", \"plugins\": [\"TpScale\", \"TpPair\"]}",
    };
    return desc;
}

}  // namespace trtplug
