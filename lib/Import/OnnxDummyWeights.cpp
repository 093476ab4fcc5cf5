//===- OnnxDummyWeights.cpp - initializers left unread --------------------===//
//
// Under OnnxImportOptions::dummyWeights a large initializer becomes a
// resource blob whose bytes are dummy (include/deepc/Import/DummyWeights.h)
// instead of its data, and so does a small one stored in an external-data
// file that is absent. Other small ones stay real (an epsilon or exponent
// decides what the raising passes recognize), and so does any initializer
// a node reads as a shape, axes or count, whatever its size: random values
// there would change the graph's shapes, not just its numbers.
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

#include "deepc/Import/DummyWeights.h"

using namespace mlir;
using namespace mlir::deepc;
using namespace mlir::deepc::onnx_import;

namespace {

/// The inputs of default-domain operators that hold shapes, axes, counts or
/// indices of the output's layout rather than data: (op type, first such
/// input, last such input).
struct ShapeOperands {
  const char *opType;
  unsigned first, last;
};

constexpr ShapeOperands kShapeOperands[] = {
    {"Reshape", 1, 1},
    {"Expand", 1, 1},
    {"Tile", 1, 1},
    {"Slice", 1, 4},
    {"ConstantOfShape", 0, 0},
    {"Range", 0, 2},
    {"Pad", 1, 3},
    {"Resize", 1, 3},
    {"Upsample", 1, 1},
    {"Unsqueeze", 1, 1},
    {"Squeeze", 1, 1},
    {"Split", 1, 1},
    {"TopK", 1, 1},
    {"OneHot", 1, 1},
    {"CumSum", 1, 1},
    {"Trilu", 1, 1},
    {"ReduceSum", 1, 1},
    {"ReduceMean", 1, 1},
    {"ReduceMax", 1, 1},
    {"ReduceMin", 1, 1},
    {"ReduceProd", 1, 1},
    {"ReduceL1", 1, 1},
    {"ReduceL2", 1, 1},
    {"ReduceLogSum", 1, 1},
    {"ReduceLogSumExp", 1, 1},
    {"ReduceSumSquare", 1, 1},
    {"CenterCropPad", 1, 2},
    {"NonMaxSuppression", 2, 4},
    {"STFT", 1, 3},
    {"DFT", 1, 2},
};

} // namespace

llvm::StringSet<> Importer::shapeOperandNames() const {
  llvm::StringSet<> names;
  for (const FlatNode &node : nodes) {
    if (!node.domain.empty())
      continue;
    for (const ShapeOperands &entry : kShapeOperands) {
      if (node.opType != entry.opType)
        continue;
      for (unsigned i = entry.first; i <= entry.last && i < node.inputs.size();
           ++i)
        if (!node.inputs[i].empty())
          names.insert(node.inputs[i]);
    }
  }
  return names;
}

bool Importer::externalDataAvailable(const onnxpb::TensorProto &tensor) const {
  if (tensor.data_location() != onnxpb::TensorProto::EXTERNAL)
    return true;
  for (const onnxpb::StringStringEntryProto &entry : tensor.external_data()) {
    if (entry.key() != "location" || entry.value().empty())
      continue;
    SmallString<256> fullPath(llvm::sys::path::parent_path(path));
    llvm::sys::path::append(fullPath, entry.value());
    return llvm::sys::fs::exists(fullPath);
  }
  return true;
}

FailureOr<ElementsAttr> Importer::makeDummyElements(RankedTensorType type,
                                                    uint64_t bytes,
                                                    const Twine &what,
                                                    Location loc,
                                                    StringRef resourceName) {
  llvm::ArrayRef<char> data = dummyWeightBytes(bytes);
  if (data.empty())
    return emitError(loc) << what << " needs " << bytes
                          << " bytes of address space for its dummy data, "
                             "which the system refuses";
  // Page-aligned, so any element alignment holds.
  AsmResourceBlob blob(
      data, /*dataAlignment=*/8, [](void *, size_t, size_t) {},
      /*dataIsMutable=*/false);
  return ElementsAttr(DenseResourceElementsAttr::get(
      type, resourceKey(resourceName), std::move(blob)));
}
