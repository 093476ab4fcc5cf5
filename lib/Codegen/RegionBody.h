//===- RegionBody.h - the scalar body of a generated region -----*- C++ -*-===//
//
// Both code generators (C++ for the CPU, CUDA C++ for the GPU) compile a
// region step the same way: a scalar function computes one output element
// from one element of each input, and a target-specific entry point loops
// it over the output. This is the shared part: the scalar function, the
// storage and compute types, and the external compiler runs.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_LIB_CODEGEN_REGIONBODY_H
#define DEEPC_LIB_CODEGEN_REGIONBODY_H

#include "deepc/rt/Plan.h"

#include "llvm/Support/Error.h"

#include <functional>
#include <string>
#include <vector>

namespace mlir::deepc::codegen {

/// The C type a value of `t` is stored as in memory.
const char *storageType(::deepc::rt::DType t);
/// The C type a value of `t` is computed in.
const char *computeType(::deepc::rt::DType t);

/// The scalar function of one region step.
struct RegionBody {
  std::string name;
  /// Its definition, preceded by the qualifier given to emitRegionBody.
  std::string definition;
  std::vector<::deepc::rt::DType> inputTypes;
  ::deepc::rt::DType outputType = ::deepc::rt::DType::Invalid;
  /// Whether it can fault (an integer division or modulo by zero): it then
  /// takes a trailing `int &fault` that it sets.
  bool mayFault = false;

  /// `out[index] = name(in0[element(0)], ...)`, converting from and to the
  /// storage types; passes `fault` when the body may fault.
  std::string
  assignment(const std::string &index,
             const std::function<std::string(size_t)> &element) const;
};

/// Emits the scalar function `name` of region `step` (one output, a body of
/// deepc elementwise instructions), declared `qualifier` (`static inline`,
/// `__device__ inline`, ...). Fails on an instruction it cannot translate.
llvm::Expected<RegionBody> emitRegionBody(const ::deepc::rt::Plan &plan,
                                          const ::deepc::rt::PlanStep &step,
                                          const std::string &name,
                                          const std::string &qualifier);

/// A key equal for regions that compute the same thing on the same dtypes
/// (the norm of every layer), so that they share one generated function.
std::string regionKey(const ::deepc::rt::Plan &plan,
                      const ::deepc::rt::PlanStep &step);

/// Runs the compiler commands `commands` at once and waits for all of them.
/// A failure is an error quoting the command and the first lines of what it
/// printed.
llvm::Error runCompilers(const std::vector<std::vector<std::string>> &commands,
                         bool verbose);

} // namespace mlir::deepc::codegen

#endif // DEEPC_LIB_CODEGEN_REGIONBODY_H
