// IPluginV3 creators from the library's plugin table, registered at load time; getCreators.
//
// As for the IPluginV2 adapter, both ways a library reaches TensorRT work: plain dlopen and
// IPluginRegistry::loadLibrary (trtplug_trt_registration.h says how).
#include "trtplug_trt_v3_library.h"

#include "trtplug_trt_registration.h"

namespace trtplug {
namespace trt {
namespace {

using Creators = LibraryCreators<CreatorV3, nvinfer1::IPluginCreatorInterface>;

StaticRegistration<Creators> g_static_registration(", or its IPluginV2 build,");

}  // namespace

CreatorV3* const* v3_creators(int32_t* count) noexcept { return Creators::instance().creators(count); }

}  // namespace trt
}  // namespace trtplug

nvinfer1::IPluginCreatorInterface* const* getCreators(int32_t& nbCreators) noexcept {
    trtplug::trt::g_static_registration.withdraw();
    return trtplug::trt::Creators::instance().entries(&nbCreators);
}
