#pragma once

#include <cstdint>

// Field numbers of the onnx.proto messages, shared by the decoders (*_decoder.cpp, onnx_loader.cpp)
// and the encoders (*_encoder.cpp, onnx_writer.cpp): one namespace per pair of sources.
namespace onyxrt::format::proto_fields {

namespace attribute {
enum AttributeProtoField : uint32_t {
  kName = 1,
  kF = 2,
  kI = 3,
  kS = 4,
  kT = 5,
  kG = 6,
  kFloats = 7,
  kInts = 8,
  kStrings = 9,
  kTensors = 10,
  kGraphs = 11,
  kDocString = 13,
  kTp = 14,
  kTypeProtos = 15,
  kType = 20,
  kRefAttrName = 21,
  kSparseTensor = 22,
  kSparseTensors = 23,
};
}  // namespace attribute

namespace function {
enum FunctionProtoField : uint32_t {
  kName = 1,
  kInput = 4,
  kOutput = 5,
  kAttribute = 6,
  kNode = 7,
  kDocString = 8,
  kOpsetImport = 9,
  kDomain = 10,
  kAttributeProto = 11,
  kOverload = 13,
};
enum OperatorSetIdField : uint32_t { kOpsetDomain = 1, kOpsetVersion = 2 };
enum StringStringEntryField : uint32_t { kKey = 1, kValue = 2 };
}  // namespace function

namespace graph {
enum GraphProtoField : uint32_t {
  kNode = 1,
  kGraphName = 2,
  kInitializer = 5,
  kGraphDoc = 10,
  kInput = 11,
  kOutput = 12,
  kValueInfo = 13,
  kSparseInitializer = 15,
};
enum NodeProtoField : uint32_t {
  kNodeInput = 1,
  kNodeOutput = 2,
  kNodeName = 3,
  kOpType = 4,
  kAttribute = 5,
  kNodeDoc = 6,
  kNodeDomain = 7,
};
}  // namespace graph

namespace model {
enum ModelProtoField : uint32_t {
  kIrVersion = 1,
  kProducerName = 2,
  kProducerVersion = 3,
  kDomain = 4,
  kModelVersion = 5,
  kDocString = 6,
  kGraph = 7,
  kOpsetImport = 8,
  kMetadataProps = 14,
  kFunctions = 25,
};
}  // namespace model

namespace tensor {
enum TensorProtoField : uint32_t {
  kDims = 1,
  kDataType = 2,
  kSegment = 3,
  kFloatData = 4,
  kInt32Data = 5,
  kStringData = 6,
  kInt64Data = 7,
  kName = 8,
  kRawData = 9,
  kDoubleData = 10,
  kUint64Data = 11,
  kDocString = 12,
  kExternalData = 13,
  kDataLocation = 14,
};
enum SparseTensorProtoField : uint32_t { kSparseValues = 1, kSparseIndices = 2, kSparseDims = 3 };
}  // namespace tensor

namespace type {
enum TypeProtoField : uint32_t {
  kTensorType = 1,
  kSequenceType = 4,
  kMapType = 5,
  kDenotation = 6,
  kOpaqueType = 7,
  kSparseTensorType = 8,
  kOptionalType = 9,
};
enum TensorTypeField : uint32_t { kElemType = 1, kShape = 2 };
enum ElementTypeField : uint32_t { kInnerElemType = 1 };
enum MapTypeField : uint32_t { kMapKeyType = 1, kMapValueType = 2 };
enum TensorShapeField : uint32_t { kDim = 1 };
enum DimensionField : uint32_t { kDimValue = 1, kDimParam = 2 };
enum ValueInfoField : uint32_t { kValueName = 1, kValueType = 2, kValueDoc = 3 };
}  // namespace type

}  // namespace onyxrt::format::proto_fields
