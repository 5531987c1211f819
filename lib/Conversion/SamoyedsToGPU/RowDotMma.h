// RowDotMma: the tensor-core kernel of a marked row dot with many rows (bf16 or f16 operands, mma.sync m16n8k16, f32 accumulation).
//
// A prefill's gate logits are a small GEMM (DeepSeek-MoE at T = 4096: 4096 x
// 2048 x 64); the warp-per-tile kernel of RowDotKernel.cpp does it on the FMA
// pipe and rereads every token row once per 4 columns (226 us on the H200,
// docs/results/h200-2026-12-03-decode). This kernel gives a block a tile of
// kRowDotMmaRows rows x up to kRowDotMmaCols columns whose 8 warps split K
// (docs/kernel.md, section 12).
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_ROWDOTMMA_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_ROWDOTMMA_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir {
namespace samoyeds {
namespace gpukernels {

/// Rows of a block's tile (two m16 tiles per warp).
constexpr int64_t kRowDotMmaRows = 32;
/// Columns of a block's tile at most (four n8 tiles per warp); grid y
/// covers the rest. 32, not 64: with 64 a thread held 64 accumulators (186
/// registers, one block an SM) and DeepSeek's 4096 x 2048 x 64 gate had 128
/// blocks for 132 SMs at 7 % occupancy (24.5 us, ncu:
/// docs/results/h200-2026-12-03-fold/v5_ncu_rowdot_mma_t4096.txt); 32
/// halves the accumulators and doubles the blocks.
constexpr int64_t kRowDotMmaCols = 32;
/// Threads of a block (8 warps).
constexpr int64_t kRowDotMmaThreads = 256;

/// Whether the kernel takes a row dot of these operand element types, this
/// reduction size and an rhs of rank 2 (`vec` false): both operands bf16 or
/// both f16, and K a multiple of 32 (a lane loads 8 elements, 16 bytes, of
/// every 32).
bool rowDotMmaApplies(Type lhsElt, Type rhsElt, int64_t k, bool vec);

/// Columns of the block tile for `n` output columns (a multiple of 8, at
/// most kRowDotMmaCols).
int64_t rowDotMmaCols(int64_t n);

/// Builds the body of kernel `f` (arguments lhs M x K, rhs N x K, init and
/// out M x N f32; block kRowDotMmaThreads; grid ceil(M / kRowDotMmaRows) x
/// ceil(N / rowDotMmaCols(n))): out = init + lhs . rhs^T (the caller adds
/// the gpu.return). The buffers must start at 16-byte aligned addresses.
void buildRowDotMma(ImplicitLocOpBuilder &b, gpu::GPUFuncOp f, int64_t k, int64_t n);

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_ROWDOTMMA_H
