//===- MoeRouting.cpp - (stub, being written)
//------------------------------===//

#include "MoeRouting.h"

namespace mlir::deepc {} // namespace mlir::deepc
