//===- SelectionOrder.h - the order topk and argmax select in ---*- C++ -*-===//
//
// deepc.topk and deepc.argmax pick elements in one total order on both
// backends: by key, NaN above every number (as in ONNX Runtime), ties by
// the lower index. The CPU sorts with it and the CUDA kernels reduce with
// it, so one definition keeps their picks identical.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CORE_SELECTIONORDER_H
#define DEEPC_RUNTIME_CORE_SELECTIONORDER_H

#include "core/HostDevice.h"

#include <cstdint>

namespace deepc::rt {

/// Whether element `a` (key `ka`) is picked before element `b` (key `kb`):
/// largest first when `largest`, else smallest first.
template <typename Key>
DEEPC_HOST_DEVICE inline bool selectedBefore(Key ka, int64_t a, Key kb,
                                             int64_t b, bool largest) {
  bool nanA = ka != ka, nanB = kb != kb;
  if (nanA || nanB) {
    if (nanA && nanB)
      return a < b;
    return largest ? nanA : nanB;
  }
  if (ka != kb)
    return largest ? ka > kb : ka < kb;
  return a < b;
}

} // namespace deepc::rt

#endif // DEEPC_RUNTIME_CORE_SELECTIONORDER_H
