// Hand-written plugin descriptions used by the core's tests, in the shape `trtplug compile`
// generates them. The kernel images are placeholders: these plugins exercise everything up to
// the driver, not the GPU.
#include "fixture_plugins.h"

#include "kernel_args.h"

namespace fixture {

using namespace trtplug;
using namespace kernel_args;

namespace {

// ---- expressions (postfix programs) ---------------------------------------------------------
const int64_t kX0[] = {kOpDim, 0, 0};
const int64_t kX1[] = {kOpDim, 0, -1};
const int64_t kW0[] = {kOpDim, 1, 0};
const int64_t kNumelX[] = {kOpNumel, 0};
const int64_t kOne[] = {kOpConst, 1};
const int64_t kZero[] = {kOpConst, 0};
const int64_t k256[] = {kOpConst, 256};
const int64_t kBigShared[] = {kOpConst, 65536};
const int64_t kGridX[] = {kOpNumel, 0, kOpConst, 256, kOpCeilDiv};
// stats: max(min(cdiv(numel(x), alpha), 1024), 1)
const int64_t kStats[] = {kOpNumel, 0, kOpAttr, 0, kOpCeilDiv, kOpConst, 1024, kOpMin, kOpConst, 1, kOpMax};
// workspace 1: dim(x, 0) + dims[1] * 3
const int64_t kWs1[] = {kOpDim, 0, 0, kOpAttrItem, 2, 1, kOpConst, 3, kOpMul, kOpAdd};

constexpr Expr E(const int64_t* code, int32_t n) { return Expr{code, n}; }
#define EXPR(a) E(a, static_cast<int32_t>(sizeof(a) / sizeof(a[0])))

const Expr kYShape[] = {EXPR(kX0), EXPR(kX1)};
const Expr kStatsShape[] = {EXPR(kStats)};
const OutputDesc kScaleOutputs[] = {{2, kYShape}, {1, kStatsShape}};

const char* const kScaleIo[] = {"x", "w", "y", "stats"};
const int32_t kScaleRanks[] = {2, 1};

// ---- attributes -----------------------------------------------------------------------------
const int64_t kAlphaDefault[] = {3};
const float kBetaDefault[] = {0.5f};
const int64_t kDimsDefault[] = {1, 2};
const int64_t kFlagDefault[] = {1};
const AttrDesc kScaleAttrs[] = {
    {"alpha", AttrType::kInt, 1, 1, true, true, 1, 100, kAlphaDefault, nullptr, nullptr, 1},
    {"beta", AttrType::kFloat, 1, 1, true, true, -10, 10, nullptr, kBetaDefault, nullptr, 1},
    {"dims", AttrType::kIntList, 1, 4, true, false, 0, 0, kDimsDefault, nullptr, nullptr, 2},
    {"mode", AttrType::kString, 0, 16, false, false, 0, 0, nullptr, nullptr, "fast", 4},
    {"flag", AttrType::kBool, 1, 1, false, false, 0, 0, kFlagDefault, nullptr, nullptr, 1},
    {"scales", AttrType::kFloatList, 0, 8, true, true, 0, 4, nullptr, nullptr, nullptr, 0},
};

// ---- kernel images (placeholders) -----------------------------------------------------------
const unsigned char kCubin80[] = {0x7f, 'E', 'L', 'F', 80};
const unsigned char kCubin90[] = {0x7f, 'E', 'L', 'F', 90};
const unsigned char kPtxA[] = ".version 8.2\n.target sm_75\n.address_size 64\n// part a\n";
const unsigned char kPtxB[] = ".version 8.2\n.target sm_75\n.address_size 64\n// part b\n";
const ImageDesc kScaleImages[] = {
    {ImageKind::kCubin, 80, kCubin80, sizeof kCubin80},
    {ImageKind::kPtx, 75, kPtxA, sizeof kPtxA},
    {ImageKind::kCubin, 90, kCubin90, sizeof kCubin90},
    {ImageKind::kPtx, 75, kPtxB, sizeof kPtxB},
};
const ModuleDesc kScaleModules[] = {{"scale_kernels", kScaleImages, 4}};

// ---- launches -------------------------------------------------------------------------------
const Expr kFlatX[] = {EXPR(kNumelX)};
const Expr kFlatW[] = {EXPR(kW0)};
const Expr kView2d[] = {EXPR(kX0), EXPR(kX1)};
const Expr kStatsView[] = {EXPR(kStats)};
const Expr kWs1View[] = {EXPR(kWs1)};

// scale(x[:], w[:], y[:, :], ws0[:], beta f32, n i64, flag bool, 2.0 f64, alpha i32, -3 i8, 1.5 f16)
const ArgDesc kScaleArgs[] = {
    tensor(ArgKind::kTensor, 0, 1, kFlatX),
    tensor(ArgKind::kTensor, 1, 1, kFlatW),
    tensor(ArgKind::kTensor, 2, 2, kView2d),
    tensor(ArgKind::kWorkspace, 0, 1, kFlatX),
    scalar_attr(1, ScalarType::kFloat32),
    scalar_expr(EXPR(kNumelX), ScalarType::kInt64),
    scalar_attr(4, ScalarType::kBool),
    scalar_const(2.0, ScalarType::kFloat64),
    scalar_attr(0, ScalarType::kInt32),
    scalar_const(-3, ScalarType::kInt8),
    scalar_const(1.5, ScalarType::kFloat16),
};
// reduce(y[:, :], stats[:], ws1[:])
const ArgDesc kReduceArgs[] = {
    tensor(ArgKind::kTensor, 2, 2, kView2d),
    tensor(ArgKind::kTensor, 3, 1, kStatsView),
    tensor(ArgKind::kWorkspace, 1, 1, kWs1View),
};

const LaunchDesc kLaunchesF32[] = {
    {0, "scale_f32", {EXPR(kGridX), EXPR(kOne), EXPR(kOne)}, {EXPR(k256), EXPR(kOne), EXPR(kOne)}, EXPR(kZero),
     kScaleArgs, 11, 7 + 7 + 9 + 7 + 7, false},
    {0, "reduce_f32", {EXPR(kOne), EXPR(kOne), EXPR(kOne)}, {EXPR(k256), EXPR(kOne), EXPR(kOne)}, EXPR(kBigShared),
     kReduceArgs, 3, 9 + 7 + 7, true},
};
const LaunchDesc kLaunchesF16[] = {
    {0, "scale_f16", {EXPR(kGridX), EXPR(kOne), EXPR(kOne)}, {EXPR(k256), EXPR(kOne), EXPR(kOne)}, EXPR(kZero),
     kScaleArgs, 11, 7 + 7 + 9 + 7 + 7, false},
};

const Expr kWs0Shape[] = {EXPR(kNumelX)};
const Expr kWs1Shape[] = {EXPR(kWs1)};
const WorkspaceDesc kWorkspaceF32[] = {{DType::kFloat32, 1, kWs0Shape}, {DType::kInt32, 1, kWs1Shape}};
const WorkspaceDesc kWorkspaceF16[] = {{DType::kFloat16, 1, kWs0Shape}, {DType::kInt32, 1, kWs1Shape}};

const DType kTypesF32[] = {DType::kFloat32, DType::kFloat32, DType::kFloat32, DType::kFloat32};
const DType kTypesF16[] = {DType::kFloat16, DType::kFloat16, DType::kFloat16, DType::kFloat32};
const VariantDesc kScaleVariants[] = {
    {kTypesF32, kLaunchesF32, 2, kWorkspaceF32, 2},
    {kTypesF16, kLaunchesF16, 1, kWorkspaceF16, 2},
};

// ---- a plugin with required attributes and no kernels ---------------------------------------
const AttrDesc kNeedsAttrs[] = {
    {"gamma", AttrType::kFloat, 1, 1, true, true, 0, 1, nullptr, nullptr, nullptr, 0},
    {"label", AttrType::kString, 1, 8, false, false, 0, 0, nullptr, nullptr, nullptr, 0},
};
const Expr kSameShape[] = {EXPR(kX0)};
const OutputDesc kNeedsOutputs[] = {{1, kSameShape}};
const char* const kNeedsIo[] = {"a", "b"};
const int32_t kNeedsRanks[] = {1};
const DType kTypesI32[] = {DType::kInt32, DType::kInt32};
const VariantDesc kNeedsVariants[] = {{kTypesI32, nullptr, 0, nullptr, 0}};

// ---- a plugin with constraints, choices and launch sizes taken from attributes ------------
const int64_t kGroupedRows[] = {kOpDim, 0, 0, kOpAttr, 0, kOpFloorDiv};
const int64_t kBlockAttr[] = {kOpAttr, 3};
// x.shape[1] % (r * r) == 0
const int64_t kChannelsRule[] = {kOpDim, 0, 1, kOpAttr, 1, kOpAttr, 1, kOpMul, kOpMod, kOpConst, 0, kOpEq};
// (w.shape[0] == 1) | (w.shape[0] == x.shape[1])
const int64_t kWeightsRule[] = {kOpDim, 1, 0, kOpConst, 1, kOpEq, kOpDim, 1, 0, kOpDim, 0, 1, kOpEq, kOpOr};
const ConstraintDesc kRulesConstraints[] = {
    {EXPR(kChannelsRule), "channels must be a multiple of r*r"},
    {EXPR(kWeightsRule), "w holds one weight, or one per channel"},
};
const Expr kRulesShape[] = {EXPR(kGroupedRows), EXPR(kX1)};
const OutputDesc kRulesOutputs[] = {{2, kRulesShape}};
const char* const kRulesIo[] = {"x", "w", "y"};
const int32_t kRulesRanks[] = {2, 1};
const int64_t kGroupDefault[] = {1};
const int64_t kRDefault[] = {2};
const int64_t kBlockDefault[] = {256};
const char* const kModeChoices[] = {"nearest", "linear"};
const AttrDesc kRulesAttrs[] = {
    {"group", AttrType::kInt, 1, 1, false, false, 0, 0, kGroupDefault, nullptr, nullptr, 1},
    {"r", AttrType::kInt, 1, 1, true, false, 1, 0, kRDefault, nullptr, nullptr, 1},
    {"mode", AttrType::kString, 0, 16, false, false, 0, 0, nullptr, nullptr, "nearest", 7, kModeChoices, 2},
    {"block", AttrType::kInt, 1, 1, false, false, 0, 0, kBlockDefault, nullptr, nullptr, 1},
};
const ArgDesc kRulesArgs[] = {tensor(ArgKind::kTensor, 0, 1, kFlatX)};
const LaunchDesc kRulesLaunches[] = {
    {0, "rules_f32", {EXPR(kGroupedRows), EXPR(kOne), EXPR(kOne)}, {EXPR(kBlockAttr), EXPR(kOne), EXPR(kOne)},
     EXPR(kZero), kRulesArgs, 1, 7, false},
};
const DType kRulesTypes[] = {DType::kFloat32, DType::kFloat32, DType::kFloat32};
const VariantDesc kRulesVariants[] = {{kRulesTypes, kRulesLaunches, 1, nullptr, 0}};

}  // namespace

const PluginDesc kScale = {
    "TestScale", "1", 2, 2, kScaleIo, kScaleRanks, kScaleOutputs, kScaleAttrs, 6, kScaleVariants, 2, kScaleModules, 1,
};

const PluginDesc kNeeds = {
    "TestNeeds", "2", 1, 1, kNeedsIo, kNeedsRanks, kNeedsOutputs, kNeedsAttrs, 2, kNeedsVariants, 1, nullptr, 0,
};

const PluginDesc kRules = {
    "TestRules", "1", 2, 1, kRulesIo, kRulesRanks, kRulesOutputs, kRulesAttrs, 4, kRulesVariants, 1, kScaleModules, 1,
    kRulesConstraints, 2,
};

}  // namespace fixture

#ifndef FIXTURE_LIBRARY_ELSEWHERE  // fixture_plugins_v2.cpp makes another library of these plugins
namespace trtplug {

const LibraryDesc& library() {
    static const PluginDesc* const plugins[] = {&fixture::kScale, &fixture::kNeeds, &fixture::kRules};
    static const LibraryDesc lib = {"fixture_plugins", "trtplug_test", plugins, 3,
                                    "{\"name\": \"fixture_plugins\", \"plugins\": [\"TestScale\", \"TestNeeds\"]}"};
    return lib;
}

}  // namespace trtplug
#endif
