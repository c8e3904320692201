// Runs the library's static destructors when it is unloaded with dlclose (nvinfer does so when a model
// is reloaded), as GCC's start files do for the libraries GCC links. The bundled toolchain's start files
// do not: without this, the destructors stay registered with the process and run at its exit, after
// the library's code is unmapped (a crash at exit). A second call for the same object is a no-op.
extern "C" void __cxa_finalize(void* dso);
extern "C" __attribute__((visibility("hidden"))) void* __dso_handle;

namespace {
__attribute__((destructor)) void run_static_destructors_at_unload() { __cxa_finalize(&__dso_handle); }
}  // namespace
