//===- References.h - host references of the benchmarked kernels -*- C++
//-*-===//
//
// What each CUDA kernel should compute, in double on the host, for the
// checks of deepc-gpu-bench --check. Plain C++ with no CUDA, so that the
// references themselves can be tested anywhere.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_BENCH_GPU_REFERENCES_H
#define DEEPC_BENCH_GPU_REFERENCES_H

#include <cstdint>
#include <vector>

namespace deepc::bench {

/// Round to the nearest bf16 (ties to even) and back, as the kernels store
/// 16-bit intermediates.
float roundBf16(float v);
float bf16BitsToFloat(uint16_t bits);
uint16_t floatToBf16Bits(float v);

/// Row r of the expert grouped GEMM: C[r, n] = Σₖ A[aRow(r), k] · W(r, n)[k]
/// where W(r, n) is row n of expert rowExpert[r]'s weight, taken from
/// `first` ([E, splitN, k] rows) for n < splitN, else from `second`;
/// aRow(r) = rowToken[r], or r when rowToken is empty. C is [rows, n].
std::vector<double> referenceGroupedGemm(const std::vector<float> &a,
                                         const std::vector<int32_t> &rowToken,
                                         const std::vector<int32_t> &rowExpert,
                                         const std::vector<float> &first,
                                         const std::vector<float> &second,
                                         int64_t splitN, int64_t n, int64_t k);

/// deepc.moe's routed experts as the benchmarks configure them: softmax
/// router, top-k (ties to the lower expert), renormalized weights, SiLU
/// gating with the activation rounded to bf16, no biases or capacity.
/// x [T, H], logits [T, E], gate and up [E, I, H], down [E, H, I].
std::vector<double>
referenceMoeLayer(const std::vector<float> &x, const std::vector<float> &logits,
                  const std::vector<float> &gate, const std::vector<float> &up,
                  const std::vector<float> &down, int64_t tokens,
                  int64_t hidden, int64_t inter, int64_t experts, int64_t topK);

/// Causal grouped-query attention of one batch entry: q [Hq, Sq, D], k and
/// v [Hkv, Skv, D]; query i sits at position i + Skv - Sq and sees keys up
/// to it. Returns [Hq, Sq, D].
std::vector<double> referenceCausalAttention(const std::vector<float> &q,
                                             const std::vector<float> &k,
                                             const std::vector<float> &v,
                                             int64_t heads, int64_t kvHeads,
                                             int64_t seq, int64_t kvSeq,
                                             int64_t headDim, double scale);

} // namespace deepc::bench

#endif // DEEPC_BENCH_GPU_REFERENCES_H
