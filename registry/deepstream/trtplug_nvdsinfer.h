// trtplug's own declarations of the DeepStream Gst-nvinfer custom-library interface.
//
// Written field by field from recorded facts about each DeepStream version's interface; no
// DeepStream header is needed to build a parser library (docs/deepstream.md says what was
// verified against which version's headers). The layout follows the DeepStream version chosen
// at compile time:
//
//   TRTPLUG_DS_VERSION = major * 100 + minor * 10   (500 = 5.0, 630 = 6.3, 910 = 9.1, ...)
//
// Layout differences that matter to a custom library:
//   * NvDsInferObjectDetectionInfo gained `rotation_angle` in 9.0 (24 -> 28 bytes, so every
//     std::vector of it changes stride: a bbox parser built for 8.x is wrong on 9.x);
//   * NvDsInferInstanceMaskInfo and its parser typedef exist from 5.0 (GA);
//   * the engine-create typedef takes an nvinfer1::IBuilderConfig* from 6.0 on;
//   * the semantic-segmentation parser typedef exists from 6.3 on;
//   * NvDsInferDataType has INT64 and UINT8 from 8.0 on.
//
// Everything lives in namespace trtplug::ds. Unless TRTPLUG_DS_NO_GLOBAL_NAMES is defined, the
// DeepStream names are also made visible in the global namespace, so code written against
// nvinfer's headers compiles unchanged against these declarations. The layout check
// (trtplug_ds_layout_check.cpp) defines it and compares these types with real headers.
#pragma once

#include <cstdint>
#include "trtplug_libstdcxx.h"

#ifndef TRTPLUG_DS_VERSION
#error "TRTPLUG_DS_VERSION is not defined: set it to the DeepStream version as major*100+minor*10 (e.g. 910 for 9.1)"
#endif
#if TRTPLUG_DS_VERSION < 500 || TRTPLUG_DS_VERSION >= 1000
#error "TRTPLUG_DS_VERSION: trtplug supports DeepStream 5.0 to 9.x"
#endif

#define TRTPLUG_DS_HAS_INSTANCE_MASK (TRTPLUG_DS_VERSION >= 500)
#define TRTPLUG_DS_HAS_ROTATION_ANGLE (TRTPLUG_DS_VERSION >= 900)
#define TRTPLUG_DS_HAS_BUILDER_CONFIG (TRTPLUG_DS_VERSION >= 600)
#define TRTPLUG_DS_HAS_SEMSEG_PARSER (TRTPLUG_DS_VERSION >= 630)
#define TRTPLUG_DS_HAS_INT64_UINT8 (TRTPLUG_DS_VERSION >= 800)

// Only pointers and references to these TensorRT types appear in the interface. DataType's
// underlying type is int32_t in every TensorRT version, so this opaque declaration agrees with
// NvInferRuntimeBase.h when both are seen.
namespace nvinfer1 {
class IBuilder;
class IBuilderConfig;
class ICudaEngine;
enum class DataType : int32_t;
}  // namespace nvinfer1

namespace trtplug {
namespace ds {

constexpr unsigned int kNvDsInferMaxDims = 8;  // NVDSINFER_MAX_DIMS

extern "C" {

typedef enum {
    FLOAT = 0,
    HALF = 1,
    INT8 = 2,
    INT32 = 3,
#if TRTPLUG_DS_HAS_INT64_UINT8
    INT64 = 4,
    UINT8 = 5,
#endif
} NvDsInferDataType;

typedef struct {
    unsigned int numDims;
    unsigned int d[kNvDsInferMaxDims];
    unsigned int numElements;
} NvDsInferDims;

typedef struct {
    unsigned int c;
    unsigned int h;
    unsigned int w;
} NvDsInferDimsCHW;

typedef struct {
    NvDsInferDataType dataType;
    union {
        NvDsInferDims inferDims;
        NvDsInferDims dims;  // deprecated alias of inferDims in DeepStream
    };
    int bindingIndex;
    const char* layerName;
    void* buffer;
    int isInput;
} NvDsInferLayerInfo;

typedef struct {
    unsigned int width;
    unsigned int height;
    unsigned int channels;
} NvDsInferNetworkInfo;

typedef struct {
    unsigned int classId;
    float left;
    float top;
    float width;
    float height;
    float detectionConfidence;
#if TRTPLUG_DS_HAS_ROTATION_ANGLE
    float rotation_angle;  // radians, 0 = axis-aligned
#endif
} NvDsInferObjectDetectionInfo;

typedef NvDsInferObjectDetectionInfo NvDsInferParseObjectInfo;

#if TRTPLUG_DS_HAS_INSTANCE_MASK
typedef struct {
    unsigned int classId;
    float left;
    float top;
    float width;
    float height;
    float detectionConfidence;
    float* mask;  // nvinfer releases it with delete[]: allocate with new float[]
    unsigned int mask_width;
    unsigned int mask_height;
    unsigned int mask_size;  // bytes
} NvDsInferInstanceMaskInfo;
#endif

typedef struct {
    unsigned int attributeIndex;
    unsigned int attributeValue;
    float attributeConfidence;
#if TRTPLUG_DS_VERSION >= 510
    char* attributeLabel;  // nvinfer releases it with free(): allocate with malloc/strdup
#else
    const char* attributeLabel;
#endif
} NvDsInferAttribute;

typedef enum {
    NVDSINFER_SUCCESS = 0,
    NVDSINFER_CONFIG_FAILED = 1,
    NVDSINFER_CUSTOM_LIB_FAILED = 2,
    NVDSINFER_INVALID_PARAMS = 3,
    NVDSINFER_OUTPUT_PARSING_FAILED = 4,
    NVDSINFER_CUDA_ERROR = 5,
    NVDSINFER_TENSORRT_ERROR = 6,
    NVDSINFER_RESOURCE_ERROR = 7,
#if TRTPLUG_DS_VERSION >= 600
    NVDSINFER_TRITON_ERROR = 8,
    NVDSINFER_TRTIS_ERROR = 8,
#else
    NVDSINFER_TRTIS_ERROR = 8,
#endif
#if TRTPLUG_DS_VERSION >= 630
    NVDSINFER_MEM_ERROR = 9,
    NVDSINFER_UNKNOWN_ERROR = 10,
#else
    NVDSINFER_UNKNOWN_ERROR = 9,
#endif
} NvDsInferStatus;

}  // extern "C"

// C++-only type of the custom-impl interface. perClassThreshold is DeepStream's deprecated
// alias, a reference member bound to perClassPreclusterThreshold.
struct NvDsInferParseDetectionParams {
    unsigned int numClassesConfigured;
    Vector<float> perClassPreclusterThreshold;
    Vector<float> perClassPostclusterThreshold;
    Vector<float>& perClassThreshold = perClassPreclusterThreshold;
};

typedef struct _NvDsInferContextInitParams NvDsInferContextInitParams;

extern "C" {

typedef bool (*NvDsInferParseCustomFunc)(ds::Vector<NvDsInferLayerInfo> const& outputLayersInfo,
                                         NvDsInferNetworkInfo const& networkInfo,
                                         NvDsInferParseDetectionParams const& detectionParams,
                                         ds::Vector<NvDsInferObjectDetectionInfo>& objectList);

#if TRTPLUG_DS_HAS_INSTANCE_MASK
typedef bool (*NvDsInferInstanceMaskParseCustomFunc)(ds::Vector<NvDsInferLayerInfo> const& outputLayersInfo,
                                                     NvDsInferNetworkInfo const& networkInfo,
                                                     NvDsInferParseDetectionParams const& detectionParams,
                                                     ds::Vector<NvDsInferInstanceMaskInfo>& objectList);
#endif

// "Classifer" is DeepStream's spelling.
typedef bool (*NvDsInferClassiferParseCustomFunc)(ds::Vector<NvDsInferLayerInfo> const& outputLayersInfo,
                                                  NvDsInferNetworkInfo const& networkInfo,
                                                  float classifierThreshold,
                                                  ds::Vector<NvDsInferAttribute>& attrList,
                                                  ds::String& descString);

#if TRTPLUG_DS_HAS_SEMSEG_PARSER
typedef bool (*NvDsInferSemSegmentationParseCustomFunc)(ds::Vector<NvDsInferLayerInfo> const& outputLayersInfo,
                                                        NvDsInferNetworkInfo const& networkInfo,
                                                        float segmentationThreshold, unsigned int numClasses,
                                                        int* classificationMap, float*& classProbabilityMap);
#endif

#if TRTPLUG_DS_HAS_BUILDER_CONFIG
typedef bool (*NvDsInferEngineCreateCustomFunc)(nvinfer1::IBuilder* const builder,
                                                nvinfer1::IBuilderConfig* const builderConfig,
                                                const NvDsInferContextInitParams* const initParams,
                                                nvinfer1::DataType dataType, nvinfer1::ICudaEngine*& cudaEngine);
#else
typedef bool (*NvDsInferEngineCreateCustomFunc)(nvinfer1::IBuilder* const builder,
                                                const NvDsInferContextInitParams* const initParams,
                                                nvinfer1::DataType dataType, nvinfer1::ICudaEngine*& cudaEngine);
#endif

typedef bool (*NvDsInferInitializeInputLayersFunc)(ds::Vector<NvDsInferLayerInfo> const& inputLayersInfo,
                                                   NvDsInferNetworkInfo const& networkInfo, unsigned int maxBatchSize);

}  // extern "C"

}  // namespace ds
}  // namespace trtplug

// Compile-time signature checks, DeepStream's CHECK_*_PROTOTYPE pattern: `f` must convert to the
// typedef (the never-called static function's default argument is that conversion), and the
// re-declaration with C linkage fails if `f` was declared without extern "C".
#define TRTPLUG_DS_CHECK_PROTOTYPE_(typedef_name, f)                                                 \
    [[maybe_unused]] static void trtplug_ds_check_##f(::trtplug::ds::typedef_name check_fn = f) { \
        (void)check_fn;                                                                            \
    }

#define TRTPLUG_DS_LAYERS_ ::trtplug::ds::Vector<::trtplug::ds::NvDsInferLayerInfo> const&
#define TRTPLUG_DS_NET_ ::trtplug::ds::NvDsInferNetworkInfo const&

#define TRTPLUG_DS_CHECK_BBOX_PARSER(f)                                                              \
    TRTPLUG_DS_CHECK_PROTOTYPE_(NvDsInferParseCustomFunc, f)                                         \
    extern "C" bool f(TRTPLUG_DS_LAYERS_, TRTPLUG_DS_NET_, ::trtplug::ds::NvDsInferParseDetectionParams const&, \
                      ::trtplug::ds::Vector<::trtplug::ds::NvDsInferObjectDetectionInfo>&);
#define TRTPLUG_DS_CHECK_INSTANCE_MASK_PARSER(f)                                                     \
    TRTPLUG_DS_CHECK_PROTOTYPE_(NvDsInferInstanceMaskParseCustomFunc, f)                             \
    extern "C" bool f(TRTPLUG_DS_LAYERS_, TRTPLUG_DS_NET_, ::trtplug::ds::NvDsInferParseDetectionParams const&, \
                      ::trtplug::ds::Vector<::trtplug::ds::NvDsInferInstanceMaskInfo>&);
#define TRTPLUG_DS_CHECK_CLASSIFIER_PARSER(f)                                                        \
    TRTPLUG_DS_CHECK_PROTOTYPE_(NvDsInferClassiferParseCustomFunc, f)                                \
    extern "C" bool f(TRTPLUG_DS_LAYERS_, TRTPLUG_DS_NET_, float, ::trtplug::ds::Vector<::trtplug::ds::NvDsInferAttribute>&, \
                      ::trtplug::ds::String&);
#define TRTPLUG_DS_CHECK_SEMSEG_PARSER(f)                                                            \
    TRTPLUG_DS_CHECK_PROTOTYPE_(NvDsInferSemSegmentationParseCustomFunc, f)                          \
    extern "C" bool f(TRTPLUG_DS_LAYERS_, TRTPLUG_DS_NET_, float, unsigned int, int*, float*&);
#if TRTPLUG_DS_HAS_BUILDER_CONFIG
#define TRTPLUG_DS_CHECK_ENGINE_CREATE(f)                                                            \
    TRTPLUG_DS_CHECK_PROTOTYPE_(NvDsInferEngineCreateCustomFunc, f)                                  \
    extern "C" bool f(nvinfer1::IBuilder* const, nvinfer1::IBuilderConfig* const,                    \
                      const ::trtplug::ds::NvDsInferContextInitParams* const, nvinfer1::DataType,    \
                      nvinfer1::ICudaEngine*&);
#else
#define TRTPLUG_DS_CHECK_ENGINE_CREATE(f)                                                            \
    TRTPLUG_DS_CHECK_PROTOTYPE_(NvDsInferEngineCreateCustomFunc, f)                                  \
    extern "C" bool f(nvinfer1::IBuilder* const, const ::trtplug::ds::NvDsInferContextInitParams* const, \
                      nvinfer1::DataType, nvinfer1::ICudaEngine*&);
#endif

#define TRTPLUG_DS_EXPORT extern "C" __attribute__((visibility("default")))

#ifndef TRTPLUG_DS_NO_GLOBAL_NAMES
using trtplug::ds::NvDsInferAttribute;
using trtplug::ds::NvDsInferClassiferParseCustomFunc;
using trtplug::ds::NvDsInferContextInitParams;
using trtplug::ds::NvDsInferDataType;
using trtplug::ds::NvDsInferDims;
using trtplug::ds::NvDsInferDimsCHW;
using trtplug::ds::NvDsInferEngineCreateCustomFunc;
using trtplug::ds::NvDsInferLayerInfo;
using trtplug::ds::NvDsInferNetworkInfo;
using trtplug::ds::NvDsInferObjectDetectionInfo;
using trtplug::ds::NvDsInferParseCustomFunc;
using trtplug::ds::NvDsInferParseDetectionParams;
using trtplug::ds::NvDsInferParseObjectInfo;
using trtplug::ds::NvDsInferStatus;
using trtplug::ds::NVDSINFER_SUCCESS;
using trtplug::ds::NVDSINFER_CONFIG_FAILED;
using trtplug::ds::NVDSINFER_CUSTOM_LIB_FAILED;
using trtplug::ds::NVDSINFER_INVALID_PARAMS;
using trtplug::ds::NVDSINFER_OUTPUT_PARSING_FAILED;
using trtplug::ds::NVDSINFER_CUDA_ERROR;
using trtplug::ds::NVDSINFER_TENSORRT_ERROR;
using trtplug::ds::NVDSINFER_RESOURCE_ERROR;
using trtplug::ds::NVDSINFER_TRTIS_ERROR;
using trtplug::ds::NVDSINFER_UNKNOWN_ERROR;
using trtplug::ds::NvDsInferInitializeInputLayersFunc;
using trtplug::ds::FLOAT;
using trtplug::ds::HALF;
using trtplug::ds::INT8;
using trtplug::ds::INT32;
#if TRTPLUG_DS_HAS_INT64_UINT8
using trtplug::ds::INT64;
using trtplug::ds::UINT8;
#endif
#if TRTPLUG_DS_HAS_INSTANCE_MASK
using trtplug::ds::NvDsInferInstanceMaskInfo;
using trtplug::ds::NvDsInferInstanceMaskParseCustomFunc;
#endif
#if TRTPLUG_DS_HAS_SEMSEG_PARSER
using trtplug::ds::NvDsInferSemSegmentationParseCustomFunc;
#endif
#ifndef NVDSINFER_MAX_DIMS
#define NVDSINFER_MAX_DIMS 8
#endif

// DeepStream's macro names, for user sources written against nvinfer's headers.
#define CHECK_CUSTOM_PARSE_FUNC_PROTOTYPE(f) TRTPLUG_DS_CHECK_BBOX_PARSER(f)
#define CHECK_CUSTOM_INSTANCE_MASK_PARSE_FUNC_PROTOTYPE(f) TRTPLUG_DS_CHECK_INSTANCE_MASK_PARSER(f)
#define CHECK_CUSTOM_CLASSIFIER_PARSE_FUNC_PROTOTYPE(f) TRTPLUG_DS_CHECK_CLASSIFIER_PARSER(f)
#define CHECK_CUSTOM_SEM_SEGMENTATION_PARSE_FUNC_PROTOTYPE(f) TRTPLUG_DS_CHECK_SEMSEG_PARSER(f)
#define CHECK_CUSTOM_ENGINE_CREATE_FUNC_PROTOTYPE(f) TRTPLUG_DS_CHECK_ENGINE_CREATE(f)
#endif
