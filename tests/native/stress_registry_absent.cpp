// No TensorRT plugin registry in the stress program (built without TensorRT headers).
#include "stress_registry.h"

namespace stress {
namespace registry {

bool available() { return false; }
long creators() { return -1; }
bool has(const std::string&, const std::string&, const std::string&) { return false; }
bool create_clone_destroy(const std::string&, const std::string&, const std::string&, std::string* why) {
    *why = "no plugin registry in this build";
    return false;
}

}  // namespace registry
}  // namespace stress
