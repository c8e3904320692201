// NvDsInferInitializeInputLayers for networks with more than one input.
//
// nvinfer calls it once, at initialization, with every input layer except binding 0 (the image),
// each with a host buffer of numElements * elementSize * maxBatchSize bytes; it copies the buffers
// to the device afterwards. The layers' contents are declared in Python (constants, or values of
// the network info and batch) and generated as the data below; initialize_input_layers checks
// every declared layer exists with the expected dtype and size, and that no input is left
// undeclared, before it writes anything. A mismatch prints one line on stderr naming the layer
// and returns false (nvinfer then fails with "Failed to initialize input layers ...").
#pragma once

#include <vector>

#include "trtplug_nvdsinfer.h"

namespace trtplug {
namespace ds {

// One element's value, evaluated per image of the batch.
enum class InputTerm : int {
    kConstant = 0,    // value
    kWidth = 1,       // NvDsInferNetworkInfo::width  (times value)
    kHeight = 2,      // NvDsInferNetworkInfo::height (times value)
    kChannels = 3,    // NvDsInferNetworkInfo::channels (times value)
    kBatchSize = 4,   // maxBatchSize (times value)
    kBatchIndex = 5,  // index of the image in the batch (times value)
};

struct InputValue {
    InputTerm term;
    double value;  // the constant, or the factor of the term
};

struct InputLayerDesc {
    const char* name;
    NvDsInferDataType dtype;
    int n_dims;            // -1: any dims with the right element count
    const unsigned* dims;  // the expected inferDims (no batch), n_dims entries
    const InputValue* values;
    int n_values;  // one image's elements; with fill, one value for every element
    int fill;
};

bool initialize_input_layers(const InputLayerDesc* layers, int n_layers,
                             ds::Vector<NvDsInferLayerInfo> const& inputLayersInfo,
                             NvDsInferNetworkInfo const& networkInfo, unsigned int maxBatchSize) noexcept;

}  // namespace ds
}  // namespace trtplug
