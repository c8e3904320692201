// GPU test of the core's launch path with a real Numba kernel (gpu_e2e_images.h): the single-part
// PTX load, the cuLink path for several parts, enqueue from 8 threads at once, every scalar
// conversion of the Numba calling convention, dynamic shared memory above 48 KiB, the JIT log
// of a PTX the driver cannot read, and enqueue through a launch cache with alternating shapes.
// Exit status 0 when everything passed, 77 without a driver.
#include <cmath>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "cuda_driver.h"
#include "gpu_e2e_images.h"
#include "trtplug_core.h"
#include "trtplug_launch_cache.h"

using namespace trtplug;

namespace {

const int64_t kRows[] = {kOpDim, 0, 0}, kCols[] = {kOpDim, 0, 1}, kNumel[] = {kOpNumel, 0}, kOne[] = {kOpConst, 1},
              kBlock[] = {kOpConst, 128}, kGrid[] = {kOpNumel, 0, kOpConst, 128, kOpCeilDiv},
              kShared[] = {kOpConst, 65536};
const Expr eRows{kRows, 3}, eCols{kCols, 3}, eNumel{kNumel, 2}, eOne{kOne, 2}, eBlock{kBlock, 2}, eGrid{kGrid, 5},
    eShared{kShared, 2};
const Expr kYShape[] = {eRows, eCols}, kFlat[] = {eNumel};
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

ArgDesc arg(ArgKind kind, int32_t index, int32_t rank, const Expr* shape, ScalarType type = ScalarType::kInt32,
            Expr value = {}, double constant = 0) {
    ArgDesc a{};
    a.kind = kind;
    a.index = index;
    a.view_rank = rank;
    a.view_shape = shape;
    a.scalar_type = type;
    a.value = value;
    a.const_value = constant;
    return a;
}

// scale2d(x[:], y[:, :], beta f32, n i64, flag bool, 2.0 f64, alpha i32, -3 i8)
const ArgDesc kArgs[] = {
    arg(ArgKind::kTensor, 0, 1, kFlat),
    arg(ArgKind::kTensor, 1, 2, kYShape),
    arg(ArgKind::kScalarAttr, 0, 0, nullptr, ScalarType::kFloat32),
    arg(ArgKind::kScalarExpr, 0, 0, nullptr, ScalarType::kInt64, eNumel),
    arg(ArgKind::kScalarAttr, 1, 0, nullptr, ScalarType::kBool),
    arg(ArgKind::kScalarConst, 0, 0, nullptr, ScalarType::kFloat64, {}, 2.0),
    arg(ArgKind::kScalarAttr, 2, 0, nullptr, ScalarType::kInt32),
    arg(ArgKind::kScalarConst, 0, 0, nullptr, ScalarType::kInt8, {}, -3),
};
const LaunchDesc kLaunches[] = {{0, kEntry, {eGrid, eOne, eOne}, {eBlock, eOne, eOne}, eShared, kArgs, 8, 22, false}};
const DType kTypes[] = {DType::kFloat32, DType::kFloat32};
const VariantDesc kVariants[] = {{kTypes, kLaunches, 1, nullptr, 0}};

const ImageDesc kSingle[] = {{ImageKind::kPtx, 75, kPtx, sizeof kPtx}};
const ImageDesc kParts[] = {{ImageKind::kPtx, 75, kPtx, sizeof kPtx}, {ImageKind::kPtx, 75, kEmptyPtx, sizeof kEmptyPtx}};
const ImageDesc kFuture[] = {{ImageKind::kPtx, 75, kFuturePtx, sizeof kFuturePtx}};
const ModuleDesc kSingleModule[] = {{"single", kSingle, 1}};
const ModuleDesc kPartsModule[] = {{"parts", kParts, 2}};
const ModuleDesc kFutureModule[] = {{"future", kFuture, 1}};

PluginDesc plugin(const ModuleDesc* module) {
    return PluginDesc{"Scale2d", "1", 1, 1, kIo, kRanks, kOutputs, kAttrs, 3, kVariants, 1, module, 1};
}

int g_failures = 0;
void check(bool ok, const std::string& what) {
    std::printf("%s %s\n", ok ? "PASS" : "FAIL", what.c_str());
    g_failures += !ok;
}

double expected(float x) { return static_cast<double>(x) * 0.5 * 2.0 + 7 - 3 + 1000.0; }

// Four threads enqueue through one launch cache, each alternating between two shapes (more
// shapes in all than the cache keeps) with its own buffers; every output must be right after
// every launch, so a plan of the wrong shape or a stale pointer shows up as a wrong element.
void launch_cache_alternating_shapes(const cu::Api* api, cu::Context ctx) {
    const PluginDesc desc = plugin(kSingleModule);
    AttrValues values;
    attrs_default(desc, &values);
    LaunchCache cache;
    const int64_t shapes[][2] = {{37, 45}, {8, 3}, {64, 129}, {1, 1}, {5, 300}, {128, 2}};
    constexpr int kThreads = 4, kRounds = 25;
    std::vector<std::string> errors(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            api->cuCtxSetCurrent(ctx);
            for (int round = 0; round < kRounds && errors[t].empty(); ++round) {
                const int64_t* dims = shapes[(t + round % 2 * kThreads) % 6];
                const size_t n = static_cast<size_t>(dims[0] * dims[1]);
                std::vector<float> hx(n), hy(n);
                for (size_t i = 0; i < n; ++i) hx[i] = 0.01f * static_cast<float>(i % 1000) + static_cast<float>(round);
                cu::DevicePtr dx = 0, dy = 0;
                api->cuMemAlloc(&dx, n * 4);
                api->cuMemAlloc(&dy, n * 4);
                api->cuMemcpyHtoD(dx, hx.data(), n * 4);
                api->cuMemsetD8(dy, 0, n * 4);
                Shape shape;
                shape.rank = 2;
                shape.dims[0] = dims[0];
                shape.dims[1] = dims[1];
                const void* inputs[] = {reinterpret_cast<void*>(dx)};
                void* outputs[] = {reinterpret_cast<void*>(dy)};
                const TensorArgs tensors{&shape, &shape, inputs, outputs, nullptr, 0};
                Error e;
                if (enqueue(desc, values, 0, tensors, nullptr, &cache, &e) != Status::kOk) errors[t] = e.message;
                api->cuStreamSynchronize(nullptr);
                api->cuMemcpyDtoH(hy.data(), dy, n * 4);
                for (size_t i = 0; i < n && errors[t].empty(); ++i) {
                    if (std::fabs(static_cast<double>(hy[i]) - expected(hx[i])) > 1e-3) {
                        errors[t] = "shape " + std::to_string(dims[0]) + "x" + std::to_string(dims[1]) + " round " +
                                    std::to_string(round) + ": element " + std::to_string(i) + " is " +
                                    std::to_string(hy[i]);
                    }
                }
                api->cuMemFree(dx);
                api->cuMemFree(dy);
            }
        });
    }
    for (std::thread& t : threads) t.join();
    std::string all_errors;
    for (const std::string& e : errors) all_errors += e.empty() ? "" : e + "; ";
    const LaunchCache::Stats st = cache.stats();
    check(all_errors.empty(), "launch cache: alternating shapes from 4 threads give the right outputs " + all_errors);
    check(st.hits > 0 && st.misses >= 6 && st.entries <= LaunchCache::kCapacity,
          "launch cache: " + std::to_string(st.hits) + " hits, " + std::to_string(st.misses) + " misses, " +
              std::to_string(st.entries) + " plans kept");
}

}  // namespace

int main(int argc, char** argv) {
    // "launch_cache": only the launch cache test
    const bool only_cache = argc > 1 && std::string(argv[1]) == "launch_cache";
    Error err;
    const cu::Api* api = cu::driver(&err);
    if (!api) {
        std::printf("SKIP: %s\n", err.message.c_str());
        return 77;
    }
    cu::Device dev = 0;
    cu::Context ctx = nullptr;
    if (api->cuDeviceGet(&dev, 0) != cu::kSuccess || api->cuDevicePrimaryCtxRetain(&ctx, dev) != cu::kSuccess ||
        api->cuCtxSetCurrent(ctx) != cu::kSuccess) {
        std::printf("FAIL: no usable device 0\n");
        return 1;
    }
    DeviceInfo info;
    device_info(&info, &err);
    std::printf("sm_%d, driver %d\n", info.sm, info.driver_version);

    launch_cache_alternating_shapes(api, ctx);
    if (only_cache) {
        api->cuDevicePrimaryCtxRelease(dev);
        return g_failures ? 1 : 0;
    }
    const int rows = 37, cols = 45, n = rows * cols;
    for (const ModuleDesc* module : {kSingleModule, kPartsModule}) {
        const PluginDesc desc = plugin(module);
        AttrValues values;
        attrs_default(desc, &values);
        std::vector<float> hx(n), hy(n, -1.0f);
        for (int i = 0; i < n; ++i) hx[i] = 0.01f * static_cast<float>(i);
        cu::DevicePtr dx = 0, dy = 0;
        api->cuMemAlloc(&dx, n * 4);
        api->cuMemAlloc(&dy, n * 4);
        api->cuMemcpyHtoD(dx, hx.data(), n * 4);
        api->cuMemsetD8(dy, 0, n * 4);
        Shape shape;
        shape.rank = 2;
        shape.dims[0] = rows;
        shape.dims[1] = cols;
        const void* inputs[] = {reinterpret_cast<void*>(dx)};
        void* outputs[] = {reinterpret_cast<void*>(dy)};
        const TensorArgs tensors{&shape, &shape, inputs, outputs, nullptr, 0};
        std::vector<std::thread> threads;
        std::vector<std::string> errors(8);
        for (int t = 0; t < 8; ++t) {
            threads.emplace_back([&, t] {
                api->cuCtxSetCurrent(ctx);
                Error e;
                if (enqueue(desc, values, 0, tensors, nullptr, &e) != Status::kOk) errors[t] = e.message;
            });
        }
        for (std::thread& t : threads) t.join();
        const cu::Result sync = api->cuStreamSynchronize(nullptr);
        api->cuMemcpyDtoH(hy.data(), dy, n * 4);
        double max_err = 0;
        for (int i = 0; i < n; ++i) {
            const double want = expected(hx[i]);
            max_err = std::fmax(max_err, std::fabs(static_cast<double>(hy[i]) - want));
        }
        std::string all_errors;
        for (const std::string& e : errors) all_errors += e.empty() ? "" : e + "; ";
        check(all_errors.empty(), std::string("8 threads enqueue with module '") + module->name + "' " + all_errors);
        check(sync == cu::kSuccess && max_err < 1e-3,
              std::string("results of module '") + module->name + "', max error " + std::to_string(max_err));
        api->cuMemFree(dx);
        api->cuMemFree(dy);
    }
    const PluginDesc future = plugin(kFutureModule);
    const Status s = prepare_modules(future, &err);
    std::printf("%s\n", err.message.c_str());
    check(s == Status::kCudaError && err.message.find("CUDA_ERROR_UNSUPPORTED_PTX_VERSION") != std::string::npos &&
              err.message.find("JIT log:") != std::string::npos && err.message.find("9.9") != std::string::npos,
          "unsupported PTX version reported with the JIT log");
    api->cuDevicePrimaryCtxRelease(dev);
    return g_failures ? 1 : 0;
}
