// Stand-in for DeepStream's nvdsinfer_custom_impl.h when no DeepStream installation is given:
// user sources written against nvinfer's headers build against trtplug's own declarations.
#pragma once
#include "../trtplug_nvdsinfer.h"
