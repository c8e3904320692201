// The IPluginV2 creators of the library's plugin table, registered at load time, and the loader
// entry points (getCreators / getPluginCreators). How registration works, for plain dlopen and for
// IPluginRegistry::loadLibrary: trtplug_trt_registration.h.
#include "trtplug_trt_library.h"

#include "trtplug_trt_registration.h"

TRTPLUG_TRT_V2_BEGIN

namespace trtplug {
namespace trt {
namespace {

using Creators = LibraryCreators<CreatorAdapter, CreatorEntry>;

StaticRegistration<Creators> g_static_registration("");

}  // namespace

CreatorAdapter* const* library_creators(int32_t* count) noexcept { return Creators::instance().creators(count); }

}  // namespace trt
}  // namespace trtplug

#if NV_TENSORRT_MAJOR >= 10
nvinfer1::IPluginCreatorInterface* const* getCreators(int32_t& nbCreators) noexcept {
    trtplug::trt::g_static_registration.withdraw();
    return trtplug::trt::Creators::instance().entries(&nbCreators);
}
#else
nvinfer1::IPluginCreator* const* getPluginCreators(int32_t& nbCreators) noexcept {
    trtplug::trt::g_static_registration.withdraw();
    return trtplug::trt::Creators::instance().entries(&nbCreators);
}
#endif

TRTPLUG_TRT_V2_END
