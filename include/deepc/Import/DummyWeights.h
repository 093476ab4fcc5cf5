//===- DummyWeights.h - weights that are never read -------------*- C++ -*-===//
//
// `deepc --dummy-weights` compiles a model without reading its weights (the
// external-data files may be absent): benchmarks need models at full size,
// not their multi-GB files. The importer gives each such weight a resource
// blob whose bytes lie in a read-only anonymous mapping: the IR stays valid
// (every reader sees zeros, and reading costs no memory, as every page is
// the kernel's shared zero page), and later stages recognize the weight by
// its address: constant folding does not compute on it, and the artifact
// writer writes no bytes for it but marks the artifact's weights as dummy
// (docs/Artifact.md), for the runtime to fill with random values.
//
// Header-only so that lib/Import, which makes the blobs, and lib/Codegen,
// which recognizes them, share the one pool without a library between them.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_IMPORT_DUMMYWEIGHTS_H
#define DEEPC_IMPORT_DUMMYWEIGHTS_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

namespace mlir::deepc {

namespace detail {

/// The mappings handed out so far, never unmapped: blobs may point into
/// them for as long as the process runs, and they cost address space only.
struct DummyWeightPool {
  std::mutex mutex;
  std::vector<std::pair<const char *, uint64_t>> mappings;

  static DummyWeightPool &get() {
    static DummyWeightPool pool;
    return pool;
  }
};

} // namespace detail

/// Returns `size` bytes of read-only zeros that stand for a weight's data
/// (empty when the address space is exhausted, which a caller reports).
/// Dummy weights share memory: the pool maps a new region only when asked
/// for more than its largest mapping holds.
inline llvm::ArrayRef<char> dummyWeightBytes(uint64_t size) {
  auto &pool = detail::DummyWeightPool::get();
  std::lock_guard<std::mutex> lock(pool.mutex);
  if (size == 0)
    return {};
  if (!pool.mappings.empty() && pool.mappings.back().second >= size)
    return {pool.mappings.back().first, size_t(size)};
  uint64_t page = uint64_t(::sysconf(_SC_PAGESIZE));
  uint64_t mapped = (size + page - 1) / page * page;
  void *p = ::mmap(nullptr, mapped, PROT_READ,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return {};
  pool.mappings.emplace_back(static_cast<const char *>(p), mapped);
  return {static_cast<const char *>(p), size_t(size)};
}

/// Whether `bytes` are (a part of) what dummyWeightBytes returned.
inline bool isDummyWeightData(llvm::ArrayRef<char> bytes) {
  if (bytes.empty())
    return false;
  auto &pool = detail::DummyWeightPool::get();
  std::lock_guard<std::mutex> lock(pool.mutex);
  for (auto [base, size] : pool.mappings)
    if (bytes.data() >= base && bytes.data() + bytes.size() <= base + size)
      return true;
  return false;
}

} // namespace mlir::deepc

#endif // DEEPC_IMPORT_DUMMYWEIGHTS_H
