// Stand-in for DeepStream's nvdsinfer_custom_impl.h when no DeepStream installation is given:
// user sources written against nvinfer's headers build against trtplug's own declarations.
#pragma once
#include "../trtplug_nvdsinfer.h"

// Code written against nvinfer's headers fills nvinfer's std::vector and std::string with its own
// std:: calls, which is right only when it is built with the libstdc++ nvinfer was built with.
#if !defined(__GLIBCXX__)
#error "hand-written nvinfer code must be built with libstdc++, as nvinfer is (its parsers fill nvinfer's std::vector and std::string): build with trtplug compile --toolchain system (docs/deploy.md)"
#endif
