// The fixture plugins as a second library, for loading two libraries side by side: another
// namespace ("trtplug_test_v2") and TestScale at version 2 (same name, same descriptors).
#define FIXTURE_LIBRARY_ELSEWHERE
#include "fixture_plugins.cpp"

namespace {

const trtplug::PluginDesc kScaleV2 = [] {
    trtplug::PluginDesc d = fixture::kScale;
    d.version = "2";
    return d;
}();

}  // namespace

namespace trtplug {

const LibraryDesc& library() {
    static const PluginDesc* const plugins[] = {&kScaleV2, &fixture::kRules};
    static const LibraryDesc lib = {"fixture_plugins_v2", "trtplug_test_v2", plugins, 2,
                                    "{\"name\": \"fixture_plugins_v2\", \"plugins\": [\"TestScale\", \"TestRules\"]}"};
    return lib;
}

}  // namespace trtplug
