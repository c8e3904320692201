// A library of plugins that fail the ways a deployed plugin can, beside one that works, for the
// fault tests (tests/test_stress_native.py on the fake driver, tests/test_gpu_stress.py on a GPU).
// Every plugin takes x (rank 2, float32) and writes y of the same shape.
//
//   Scale2d        healthy: y = x * beta * 2 + alpha - 3 (+ 1000), a real Numba kernel (gpu_e2e_images.h)
//   BadPtx         its only image is PTX of ISA 9.9, which no driver of CUDA 12.x or 13.0 loads
//   NoImage        its only image is a cubin for sm_10: a device with neither cubin nor loadable PTX
//   Trap           its kernel executes `trap`: the launch fails (on a GPU, when the stream runs it)
//   HugeWorkspace  Scale2d asking for a workspace of numel(x) * 2^38 floats: no device has that
#include "gpu_e2e_images.h"
#include "kernel_args.h"
#include "trtplug_library.h"

namespace {

using namespace trtplug;
using namespace kernel_args;

const int64_t kRows[] = {kOpDim, 0, 0}, kCols[] = {kOpDim, 0, 1}, kNumel[] = {kOpNumel, 0}, kOne[] = {kOpConst, 1},
              kBlock[] = {kOpConst, 128}, kGrid[] = {kOpNumel, 0, kOpConst, 128, kOpCeilDiv},
              kNoShared[] = {kOpConst, 0}, kHuge[] = {kOpNumel, 0, kOpConst, int64_t{1} << 38, kOpMul};
const Expr eRows{kRows, 3}, eCols{kCols, 3}, eNumel{kNumel, 2}, eOne{kOne, 2}, eBlock{kBlock, 2}, eGrid{kGrid, 5},
    eNoShared{kNoShared, 2}, eHuge{kHuge, 5};
const Expr kYShape[] = {eRows, eCols}, kFlat[] = {eNumel}, kHugeShape[] = {eHuge};
const OutputDesc kOutputs[] = {{2, kYShape}};
const char* const kIo[] = {"x", "y"};
const int32_t kRanks[] = {2};
const float kBeta[] = {0.5f};
const int64_t kFlag[] = {1}, kAlpha[] = {7};
const AttrDesc kAttrs[] = {
    {"beta", AttrType::kFloat, 1, 1, false, false, 0, 0, nullptr, kBeta, nullptr, 1},
    {"flag", AttrType::kBool, 1, 1, false, false, 0, 0, kFlag, nullptr, nullptr, 1},
    {"alpha", AttrType::kInt, 1, 1, false, false, 0, 0, kAlpha, nullptr, nullptr, 1},
};

// scale2d(x[:], y[:, :], beta f32, n i64, flag bool, 2.0 f64, alpha i32, -3 i8)
const ArgDesc kArgs[] = {
    tensor(ArgKind::kTensor, 0, 1, kFlat),
    tensor(ArgKind::kTensor, 1, 2, kYShape),
    scalar_attr(0, ScalarType::kFloat32),
    scalar_expr(eNumel, ScalarType::kInt64),
    scalar_attr(1, ScalarType::kBool),
    scalar_const(2.0, ScalarType::kFloat64),
    scalar_attr(2, ScalarType::kInt32),
    scalar_const(-3, ScalarType::kInt8),
};
const LaunchDesc kScaleLaunch[] = {{0, kEntry, {eGrid, eOne, eOne}, {eBlock, eOne, eOne}, eNoShared, kArgs, 8, 22, false}};
const LaunchDesc kTrapLaunch[] = {
    {0, "trtplug_trap", {eOne, eOne, eOne}, {eOne, eOne, eOne}, eNoShared, kArgs, 8, 22, false}};
const DType kTypes[] = {DType::kFloat32, DType::kFloat32};
const VariantDesc kScaleVariants[] = {{kTypes, kScaleLaunch, 1, nullptr, 0}};
const VariantDesc kTrapVariants[] = {{kTypes, kTrapLaunch, 1, nullptr, 0}};
const WorkspaceDesc kHugeWorkspace[] = {{DType::kFloat32, 1, kHugeShape}};
const VariantDesc kHugeVariants[] = {{kTypes, kScaleLaunch, 1, kHugeWorkspace, 1}};

// The kernel takes no parameters; the driver reads only as many as it declares.
const unsigned char kTrapPtx[] =
    ".version 7.0\n.target sm_75\n.address_size 64\n\n"
    ".visible .entry trtplug_trap()\n{\n\ttrap;\n\tret;\n}\n";
const unsigned char kCubinSm10[] = {0x7f, 'E', 'L', 'F', 10};

const ImageDesc kScaleImages[] = {{ImageKind::kPtx, 75, kPtx, sizeof kPtx}};
const ImageDesc kFutureImages[] = {{ImageKind::kPtx, 75, kFuturePtx, sizeof kFuturePtx}};
const ImageDesc kSm10Images[] = {{ImageKind::kCubin, 10, kCubinSm10, sizeof kCubinSm10}};
const ImageDesc kTrapImages[] = {{ImageKind::kPtx, 75, kTrapPtx, sizeof kTrapPtx}};
const ModuleDesc kScaleModule[] = {{"scale2d", kScaleImages, 1}};
const ModuleDesc kFutureModule[] = {{"future_ptx", kFutureImages, 1}};
const ModuleDesc kSm10Module[] = {{"sm10_only", kSm10Images, 1}};
const ModuleDesc kTrapModule[] = {{"trap", kTrapImages, 1}};

PluginDesc plugin(const char* name, const VariantDesc* variants, const ModuleDesc* module) {
    return PluginDesc{name, "1", 1, 1, kIo, kRanks, kOutputs, kAttrs, 3, variants, 1, module, 1};
}

const PluginDesc kScale2d = plugin("Scale2d", kScaleVariants, kScaleModule);
const PluginDesc kBadPtx = plugin("BadPtx", kScaleVariants, kFutureModule);
const PluginDesc kNoImage = plugin("NoImage", kScaleVariants, kSm10Module);
const PluginDesc kTrap = plugin("Trap", kTrapVariants, kTrapModule);
const PluginDesc kHugeWorkspacePlugin = plugin("HugeWorkspace", kHugeVariants, kScaleModule);

}  // namespace

namespace trtplug {

const LibraryDesc& library() {
    static const PluginDesc* const plugins[] = {&kScale2d, &kBadPtx, &kNoImage, &kTrap, &kHugeWorkspacePlugin};
    static const LibraryDesc lib = {
        "fault_plugins", "trtplug_faults", plugins, 5,
        "{\"name\": \"fault_plugins\", \"plugins\": [\"Scale2d\", \"BadPtx\", \"NoImage\", \"Trap\", \"HugeWorkspace\"]}"};
    return lib;
}

}  // namespace trtplug
