// SsmmKernelBuilder: the ssmm kernel body that every instruction family shares (arguments, tile, K loop over V-slices with row selection, split-K, epilogue); a family supplies the stage ring and the MMAs.
//
// The K loop is the software pipeline of docs/kernel.md section 5: stages - 1
// copy groups in flight, per K tile a wait, a barrier, the next copy and the
// MMAs of the landed stage. Around each V-slice the accumulators of the
// condensed rows are exchanged so that the MMAs always accumulate into slot 0
// (RowSelection.h). What differs between families is only where the operands
// live in shared memory and how the MMA reads them: mma.sp (MmaSp/) copies
// into padded row-major rings and reads them with ldmatrix; wgmma.sp (WgmmaSp/)
// copies into core-matrix rings and passes shared-memory descriptors. Both
// describe their accumulators with MmaSpM16N8Layout (a wgmma m64nN
// accumulator is, per warp, the m16n8 one repeated along N).
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_SSMMKERNELBUILDER_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_SSMMKERNELBUILDER_H

#include "KernelSpec.h"
#include "MmaSp/MmaSpLayout.h"
#include "SplitK.h"
#include "TileSchedule.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <memory>

namespace mlir {
namespace samoyeds {
namespace gpukernels {

class SsmmKernelBuilder {
public:
  SsmmKernelBuilder(ImplicitLocOpBuilder &b, const KernelSpec &s) : b(b), s(s) {}
  virtual ~SsmmKernelBuilder() = default;

  /// Builds the body of `fn` (arguments: values, metadata, row_indices,
  /// input, list, [offsets], [scale], out, [split-K workspace, splits, tiles],
  /// [tensor maps])
  /// ending with gpu.return. One block per tile: blockIdx.x is the row tile,
  /// blockIdx.y the token tile (blockIdx.z the split).
  void build(gpu::GPUFuncOp fn);

protected:
  ImplicitLocOpBuilder &b;
  const KernelSpec &s;

  // Kernel arguments.
  Value values, meta, rowIdx, input, list, offsets, scale, out;
  // Thread geometry. copyTid: this thread's index among the copyThreads()
  // threads that issue a stage's copies (tid, or its place in the producer
  // warpgroup when warp-specialised).
  Value tid, lane, g, t, wm, wn, copyTid;
  /// The private copies (llvm.ptr) of the kernel's tensor-map arguments
  /// (WgmmaSp/TmaLoads.h), in argument order; samoyeds-grid-constant-args
  /// makes them the parameters' own addresses.
  SmallVector<Value> tensorMaps;
  std::unique_ptr<MmaSpM16N8Layout> layout;
  TileInfo tile;
  /// The metadata ring [stage][A-tile row][word] (MmaSpMetadataLayout).
  Value smemMeta;

  /// Carves the family's stage rings out of the dynamic shared memory `dyn`
  /// (an i8 memref of the workgroup space), including smemMeta.
  virtual void carveSharedMemory(Value dyn) = 0;
  /// Sets up this thread's token-row copies (fixed over the K loop) from
  /// `tokens`; returns the OR of their validity (null if it has none).
  virtual Value setupTokenCopies(const TokenRowSource &tokens) = 0;
  /// Issues the copies of K tile `kt` into ring slot `stage`.
  virtual void issueStage(Value kt, Value stage) = 0;
  /// Called after this thread's copies of a stage have landed, before the
  /// barrier that publishes them (wgmma reads through the async proxy).
  virtual void stageLanded() {}
  /// The MMAs of ring slot `stage` on the slot-0 accumulators `acc`.
  virtual SmallVector<Value> computeStage(Value stage, ValueRange acc) = 0;
  /// The loads of metadata ring rows, shared by the families.
  void issueMetadata(Value kt, Value stage);

  // The software pipeline around the slice loop. The defaults are the
  // multistage schedule of docs/kernel.md section 5 (every thread copies and
  // multiplies); a warp-specialised family overrides them (section 17).
  /// Before the slice loop, for K tiles [kBegin, kEnd) (all of them unless
  /// `split`): the copies in flight.
  virtual void pipelinePrologue(Value kBegin, Value kEnd, bool split);
  /// One K tile `kt` inside the slice loop: wait for its stage, keep the
  /// ring full, and return computeStage's accumulators.
  virtual SmallVector<Value> kTileStep(Value kt, Value kEnd, ValueRange acc);
  /// After the slice loop (in the threads that ran it).
  virtual void pipelineDrain();
  /// i1: this thread runs the MMAs (and the epilogue), or null when all do.
  virtual Value mmaThread() { return Value(); }

private:
  SplitKArgs split;
  Value bx, by;
  /// The token of the last copy group (the multistage schedule's waits).
  Value lastGroup;

  /// The accumulators of the tile after the K loop over all V-slices, or
  /// over [range.first, range.second) (a split).
  SmallVector<Value> mainLoop(std::optional<std::pair<Value, Value>> range);
  SmallVector<Value> sliceLoop(Value sBegin, Value sEnd, Value kEnd);
};

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_SSMMKERNELBUILDER_H
