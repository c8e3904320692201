// The few CUDA driver calls the harness makes (device memory, copies, a stream), reached through
// dlopen("libcuda.so.1") with trtplug's own prototypes: the harness needs no CUDA toolkit and
// starts on machines without a GPU (where it skips the enqueue step).
#pragma once

#include <dlfcn.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace harness {

class Driver {
public:
    using DevicePtr = unsigned long long;

    // Loads the driver and makes device 0's primary context current. False (with the reason) when
    // there is no driver or no device.
    bool open(std::string* why) {
        handle_ = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
        if (handle_ == nullptr) {
            const char* e = dlerror();
            *why = std::string("libcuda.so.1 could not be loaded (") + (e ? e : "unknown reason") + ")";
            return false;
        }
        bool ok = sym(init_, "cuInit") && sym(device_count_, "cuDeviceGetCount") && sym(device_get_, "cuDeviceGet") &&
                  sym(device_name_, "cuDeviceGetName") && sym(device_attr_, "cuDeviceGetAttribute") &&
                  sym(ctx_retain_, "cuDevicePrimaryCtxRetain") && sym(ctx_release_, "cuDevicePrimaryCtxRelease_v2") &&
                  sym(ctx_set_, "cuCtxSetCurrent") && sym(alloc_, "cuMemAlloc_v2") && sym(free_, "cuMemFree_v2") &&
                  sym(htod_, "cuMemcpyHtoD_v2") && sym(dtoh_, "cuMemcpyDtoH_v2") && sym(memset_, "cuMemsetD8_v2") &&
                  sym(stream_create_, "cuStreamCreate") && sym(stream_sync_, "cuStreamSynchronize") &&
                  sym(stream_destroy_, "cuStreamDestroy_v2") && sym(error_string_, "cuGetErrorString") &&
                  sym(driver_version_, "cuDriverGetVersion") && sym(event_create_, "cuEventCreate") &&
                  sym(event_record_, "cuEventRecord") && sym(event_sync_, "cuEventSynchronize") &&
                  sym(event_elapsed_, "cuEventElapsedTime") && sym(event_destroy_, "cuEventDestroy_v2");
        if (!ok) {
            *why = "libcuda.so.1 lacks a driver API function the harness needs (driver too old?)";
            return false;
        }
        int count = 0;
        if (!check(init_(0), "cuInit", why) || !check(device_count_(&count), "cuDeviceGetCount", why)) return false;
        if (count < 1) {
            *why = "the CUDA driver reports no device";
            return false;
        }
        if (!check(device_get_(&device_, 0), "cuDeviceGet", why) ||
            !check(ctx_retain_(&context_, device_), "cuDevicePrimaryCtxRetain", why) ||
            !check(ctx_set_(context_), "cuCtxSetCurrent", why) ||
            !check(stream_create_(&stream_, 0), "cuStreamCreate", why)) {
            return false;
        }
        ready_ = true;
        return true;
    }

    ~Driver() {
        if (ready_) {
            stream_destroy_(stream_);
            ctx_release_(device_);
        }
        // The driver stays loaded: plugin libraries may still hold modules in this context.
    }

    bool ready() const { return ready_; }
    void* stream() const { return stream_; }

    // "NVIDIA H100 80GB HBM3, sm_90, driver 12040"
    std::string describe() const {
        char name[256] = {};
        device_name_(name, sizeof name - 1, device_);
        int major = 0, minor = 0, version = 0;
        device_attr_(&major, 75, device_);
        device_attr_(&minor, 76, device_);
        driver_version_(&version);
        return std::string(name) + ", sm_" + std::to_string(major * 10 + minor) + ", driver " + std::to_string(version);
    }

    bool alloc(DevicePtr* p, size_t bytes, std::string* why) {
        return check(alloc_(p, bytes ? bytes : 1), "cuMemAlloc", why);
    }
    void release(DevicePtr p) {
        if (p) free_(p);
    }
    bool upload(DevicePtr dst, const void* src, size_t bytes, std::string* why) {
        return bytes == 0 || check(htod_(dst, src, bytes), "cuMemcpyHtoD", why);
    }
    bool download(void* dst, DevicePtr src, size_t bytes, std::string* why) {
        return bytes == 0 || check(dtoh_(dst, src, bytes), "cuMemcpyDtoH", why);
    }
    bool fill(DevicePtr dst, unsigned char value, size_t bytes, std::string* why) {
        return bytes == 0 || check(memset_(dst, value, bytes), "cuMemsetD8", why);
    }
    bool sync(std::string* why) { return check(stream_sync_(stream_), "cuStreamSynchronize", why); }

    // CUDA events on the harness's stream, for the bench mode.
    bool event_create(void** event, std::string* why) { return check(event_create_(event, 0), "cuEventCreate", why); }
    void event_destroy(void* event) {
        if (event) event_destroy_(event);
    }
    bool event_record(void* event, std::string* why) {
        return check(event_record_(event, stream_), "cuEventRecord", why);
    }
    // Milliseconds between two recorded events, after waiting for the second.
    bool elapsed_ms(void* start, void* stop, float* ms, std::string* why) {
        return check(event_sync_(stop), "cuEventSynchronize", why) &&
               check(event_elapsed_(ms, start, stop), "cuEventElapsedTime", why);
    }

private:
    template <class F>
    bool sym(F& fn, const char* name) {
        fn = reinterpret_cast<F>(dlsym(handle_, name));
        return fn != nullptr;
    }
    bool check(int result, const char* what, std::string* why) {
        if (result == 0) return true;
        const char* text = nullptr;
        if (error_string_) error_string_(result, &text);
        *why = std::string(what) + " failed: " + (text ? text : "CUDA error") + " (" + std::to_string(result) + ")";
        return false;
    }

    void* handle_ = nullptr;
    bool ready_ = false;
    int device_ = 0;
    void* context_ = nullptr;
    void* stream_ = nullptr;
    int (*init_)(unsigned) = nullptr;
    int (*device_count_)(int*) = nullptr;
    int (*device_get_)(int*, int) = nullptr;
    int (*device_name_)(char*, int, int) = nullptr;
    int (*device_attr_)(int*, int, int) = nullptr;
    int (*ctx_retain_)(void**, int) = nullptr;
    int (*ctx_release_)(int) = nullptr;
    int (*ctx_set_)(void*) = nullptr;
    int (*alloc_)(DevicePtr*, size_t) = nullptr;
    int (*free_)(DevicePtr) = nullptr;
    int (*htod_)(DevicePtr, const void*, size_t) = nullptr;
    int (*dtoh_)(void*, DevicePtr, size_t) = nullptr;
    int (*memset_)(DevicePtr, unsigned char, size_t) = nullptr;
    int (*stream_create_)(void**, unsigned) = nullptr;
    int (*stream_sync_)(void*) = nullptr;
    int (*stream_destroy_)(void*) = nullptr;
    int (*error_string_)(int, const char**) = nullptr;
    int (*driver_version_)(int*) = nullptr;
    int (*event_create_)(void**, unsigned) = nullptr;
    int (*event_record_)(void*, void*) = nullptr;
    int (*event_sync_)(void*) = nullptr;
    int (*event_elapsed_)(float*, void*, void*) = nullptr;
    int (*event_destroy_)(void*) = nullptr;
};

}  // namespace harness
