// Compile-time comparison of trtplug's DeepStream declarations with a real DeepStream install.
// Built only when the user gives DeepStream's include directory; it defines no symbols. A
// mismatch stops the build with a message naming the type and field, e.g. when the library is
// built for DeepStream 8.0 (24-byte NvDsInferObjectDetectionInfo) against 9.x headers (28 bytes).
#define TRTPLUG_DS_NO_GLOBAL_NAMES 1
#include <cstddef>

#include "trtplug_nvdsinfer.h"
#include <nvdsinfer.h>
#ifdef TRTPLUG_DS_CHECK_CUSTOM_IMPL
#include <nvdsinfer_custom_impl.h>
#endif

#define TRTPLUG_DS_WHICH " (trtplug's declaration for TRTPLUG_DS_VERSION vs the DeepStream headers given)"
#define TRTPLUG_SAME_SIZE(T)                                                                     \
    static_assert(sizeof(::T) == sizeof(trtplug::ds::T), "DeepStream layout mismatch: sizeof(" #T ")" TRTPLUG_DS_WHICH); \
    static_assert(alignof(::T) == alignof(trtplug::ds::T), "DeepStream layout mismatch: alignof(" #T ")" TRTPLUG_DS_WHICH)
#define TRTPLUG_SAME_OFFSET(T, f)                                                                \
    static_assert(offsetof(::T, f) == offsetof(trtplug::ds::T, f),                              \
                  "DeepStream layout mismatch: offset of " #T "::" #f TRTPLUG_DS_WHICH)
#define TRTPLUG_SAME_VALUE(e) \
    static_assert(static_cast<int>(::e) == static_cast<int>(trtplug::ds::e), "DeepStream value mismatch: " #e TRTPLUG_DS_WHICH)

TRTPLUG_SAME_SIZE(NvDsInferDims);
TRTPLUG_SAME_OFFSET(NvDsInferDims, numDims);
TRTPLUG_SAME_OFFSET(NvDsInferDims, d);
TRTPLUG_SAME_OFFSET(NvDsInferDims, numElements);
static_assert(NVDSINFER_MAX_DIMS == trtplug::ds::kNvDsInferMaxDims, "DeepStream value mismatch: NVDSINFER_MAX_DIMS");

TRTPLUG_SAME_SIZE(NvDsInferDimsCHW);
TRTPLUG_SAME_OFFSET(NvDsInferDimsCHW, c);
TRTPLUG_SAME_OFFSET(NvDsInferDimsCHW, h);
TRTPLUG_SAME_OFFSET(NvDsInferDimsCHW, w);

TRTPLUG_SAME_SIZE(NvDsInferDataType);
TRTPLUG_SAME_VALUE(FLOAT);
TRTPLUG_SAME_VALUE(HALF);
TRTPLUG_SAME_VALUE(INT8);
TRTPLUG_SAME_VALUE(INT32);
#if TRTPLUG_DS_HAS_INT64_UINT8
TRTPLUG_SAME_VALUE(INT64);
TRTPLUG_SAME_VALUE(UINT8);
#endif

TRTPLUG_SAME_SIZE(NvDsInferLayerInfo);
TRTPLUG_SAME_OFFSET(NvDsInferLayerInfo, dataType);
TRTPLUG_SAME_OFFSET(NvDsInferLayerInfo, inferDims);
TRTPLUG_SAME_OFFSET(NvDsInferLayerInfo, bindingIndex);
TRTPLUG_SAME_OFFSET(NvDsInferLayerInfo, layerName);
TRTPLUG_SAME_OFFSET(NvDsInferLayerInfo, buffer);
TRTPLUG_SAME_OFFSET(NvDsInferLayerInfo, isInput);

TRTPLUG_SAME_SIZE(NvDsInferNetworkInfo);
TRTPLUG_SAME_OFFSET(NvDsInferNetworkInfo, width);
TRTPLUG_SAME_OFFSET(NvDsInferNetworkInfo, height);
TRTPLUG_SAME_OFFSET(NvDsInferNetworkInfo, channels);

TRTPLUG_SAME_SIZE(NvDsInferObjectDetectionInfo);
TRTPLUG_SAME_OFFSET(NvDsInferObjectDetectionInfo, classId);
TRTPLUG_SAME_OFFSET(NvDsInferObjectDetectionInfo, left);
TRTPLUG_SAME_OFFSET(NvDsInferObjectDetectionInfo, top);
TRTPLUG_SAME_OFFSET(NvDsInferObjectDetectionInfo, width);
TRTPLUG_SAME_OFFSET(NvDsInferObjectDetectionInfo, height);
TRTPLUG_SAME_OFFSET(NvDsInferObjectDetectionInfo, detectionConfidence);
#if TRTPLUG_DS_HAS_ROTATION_ANGLE
TRTPLUG_SAME_OFFSET(NvDsInferObjectDetectionInfo, rotation_angle);
#endif

#if TRTPLUG_DS_HAS_INSTANCE_MASK
TRTPLUG_SAME_SIZE(NvDsInferInstanceMaskInfo);
TRTPLUG_SAME_OFFSET(NvDsInferInstanceMaskInfo, classId);
TRTPLUG_SAME_OFFSET(NvDsInferInstanceMaskInfo, left);
TRTPLUG_SAME_OFFSET(NvDsInferInstanceMaskInfo, top);
TRTPLUG_SAME_OFFSET(NvDsInferInstanceMaskInfo, width);
TRTPLUG_SAME_OFFSET(NvDsInferInstanceMaskInfo, height);
TRTPLUG_SAME_OFFSET(NvDsInferInstanceMaskInfo, detectionConfidence);
TRTPLUG_SAME_OFFSET(NvDsInferInstanceMaskInfo, mask);
TRTPLUG_SAME_OFFSET(NvDsInferInstanceMaskInfo, mask_width);
TRTPLUG_SAME_OFFSET(NvDsInferInstanceMaskInfo, mask_height);
TRTPLUG_SAME_OFFSET(NvDsInferInstanceMaskInfo, mask_size);
#endif

TRTPLUG_SAME_SIZE(NvDsInferAttribute);
TRTPLUG_SAME_OFFSET(NvDsInferAttribute, attributeIndex);
TRTPLUG_SAME_OFFSET(NvDsInferAttribute, attributeValue);
TRTPLUG_SAME_OFFSET(NvDsInferAttribute, attributeConfidence);
TRTPLUG_SAME_OFFSET(NvDsInferAttribute, attributeLabel);

TRTPLUG_SAME_SIZE(NvDsInferStatus);
TRTPLUG_SAME_VALUE(NVDSINFER_SUCCESS);
TRTPLUG_SAME_VALUE(NVDSINFER_CUSTOM_LIB_FAILED);
TRTPLUG_SAME_VALUE(NVDSINFER_OUTPUT_PARSING_FAILED);
TRTPLUG_SAME_VALUE(NVDSINFER_UNKNOWN_ERROR);

#ifdef TRTPLUG_DS_CHECK_CUSTOM_IMPL
// Has a reference member, so not standard-layout: offsetof does not apply; size and alignment do.
TRTPLUG_SAME_SIZE(NvDsInferParseDetectionParams);
#endif
