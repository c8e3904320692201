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
#include "kernel_args.h"
#include "trtplug_core.h"
#include "trtplug_launch_cache.h"

using namespace trtplug;
using namespace kernel_args;

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

// The plugin's x (copied from the host) and y (zeroed), float32 of one 2-d shape, on the device for
// as long as this object lives.
class DeviceTensors {
public:
    DeviceTensors(const cu::Api* api, int64_t rows, int64_t cols, const std::vector<float>& hx) : api_(api) {
        const size_t bytes = hx.size() * sizeof(float);
        api_->cuMemAlloc(&x_, bytes);
        api_->cuMemAlloc(&y_, bytes);
        api_->cuMemcpyHtoD(x_, hx.data(), bytes);
        api_->cuMemsetD8(y_, 0, bytes);
        shape_.rank = 2;
        shape_.dims[0] = rows;
        shape_.dims[1] = cols;
        inputs_[0] = reinterpret_cast<void*>(x_);
        outputs_[0] = reinterpret_cast<void*>(y_);
    }
    ~DeviceTensors() {
        api_->cuMemFree(x_);
        api_->cuMemFree(y_);
    }
    DeviceTensors(const DeviceTensors&) = delete;
    DeviceTensors& operator=(const DeviceTensors&) = delete;

    TensorArgs args() const { return {&shape_, &shape_, inputs_, outputs_, nullptr, 0}; }
    void copy_y_to(std::vector<float>& hy) const { api_->cuMemcpyDtoH(hy.data(), y_, hy.size() * sizeof(float)); }

private:
    const cu::Api* api_;
    cu::DevicePtr x_ = 0, y_ = 0;
    Shape shape_;
    const void* inputs_[1];
    void* outputs_[1];
};

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
                const DeviceTensors io(api, dims[0], dims[1], hx);
                Error e;
                if (enqueue(desc, values, 0, io.args(), nullptr, &cache, &e) != Status::kOk) errors[t] = e.message;
                api->cuStreamSynchronize(nullptr);
                io.copy_y_to(hy);
                for (size_t i = 0; i < n && errors[t].empty(); ++i) {
                    if (std::fabs(static_cast<double>(hy[i]) - expected(hx[i])) > 1e-3) {
                        errors[t] = "shape " + std::to_string(dims[0]) + "x" + std::to_string(dims[1]) + " round " +
                                    std::to_string(round) + ": element " + std::to_string(i) + " is " +
                                    std::to_string(hy[i]);
                    }
                }
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
        const DeviceTensors io(api, rows, cols, hx);
        const TensorArgs tensors = io.args();
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
        io.copy_y_to(hy);
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
