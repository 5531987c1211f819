// Conversions of the samoyeds dialect to upstream dialects.
#ifndef SAMOYEDS_CONVERSION_PASSES_TD
#define SAMOYEDS_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertSamoyedsToGPU : Pass<"convert-samoyeds-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Lower samoyeds.ssmm to a Sparse-Tensor-Core kernel and its launch";
  let description = [{
    Every `samoyeds.ssmm` whose packed weight comes from `samoyeds.assemble` becomes a
    `gpu.func` kernel in `gpu.module @samoyeds_kernels` and, in its place, a
    `gpu.launch_func` over the operands' buffers (`bufferization.to_buffer`) writing a
    fresh buffer returned through `bufferization.to_tensor` (the GPU pipeline turns
    returned buffers into out-parameters, so the kernel writes the caller's memory).

    The kernel (docs/kernel.md): a block computes a tile of `warps_m * warp_m`
    condensed weight rows by `warps_n * warp_n` list entries. The K loop runs over the
    format's V-slices; each stage of `block_k` logical columns is copied with
    `nvgpu.device_async_copy` (16-byte `cp.async.cg` for values and tokens; the routed
    token rows are read in place through the list and zero-filled for padding) into a
    `stages`-deep ring of padded workgroup buffers. Fragments come from
    `nvgpu.ldmatrix`; the sparse MMA is `nvgpu.mma.sp.sync` (f16) or
    `nvvm.mma.sp.sync` (bf16, with ordered metadata on sm_90). Each condensed row
    keeps one accumulator per row of its group; before a slice the accumulator of
    the row that the slice's row index selects is swapped, in registers, into the
    slot the MMAs accumulate into, and swapped back after it. Epilogues:
    none, `silu_mul` (a block holds matching gate and up rows), scaling by the routing
    weight; sentinel/padding entries produce zeros. A tile that spans two experts'
    segments (segments not padded to the token tile) is written as NaN.

    Configurations the kernel cannot run (tile sizes that do not divide the weight,
    unsupported N:M, too many accumulator registers) are diagnostics.
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"",
           "Target chip (sm_80, sm_90a, ...): selects ordered metadata and defaults">,
    Option<"warpM", "warp-m", "int64_t", /*default=*/"0",
           "Condensed weight rows per warp (multiple of 16; of 32 for silu_mul); "
           "0 picks the largest of 64, 32, 16 whose M * warp-m * warp-n / 32 "
           "accumulator registers fit a budget of 200">,
    Option<"warpN", "warp-n", "int64_t", /*default=*/"32",
           "List entries (tokens) per warp (multiple of 8)">,
    Option<"warpsM", "warps-m", "int64_t", /*default=*/"0",
           "Warps along rows; 0 picks 2, else 1, whichever block tile divides "
           "the condensed rows">,
    Option<"warpsN", "warps-n", "int64_t", /*default=*/"2", "Warps along tokens">,
    Option<"stages", "stages", "int64_t", /*default=*/"4",
           "Depth of the cp.async pipeline (>= 2)">,
    Option<"blockK", "block-k", "int64_t", /*default=*/"64",
           "Logical K columns per pipeline stage (32, 64 or 128; at most V)">,
    Option<"minBlocksPerSM", "min-blocks-per-sm", "int64_t", /*default=*/"0",
           "Blocks of the ssmm kernel that must fit one SM (nvvm.minctasm: caps "
           "the registers per thread; 0 leaves the choice to ptxas)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::NVVM::NVVMDialect", "::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::vector::VectorDialect", "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::bufferization::BufferizationDialect"];
}

//===----------------------------------------------------------------------===//
// The GPU pipeline's own steps (samoyeds-gpu-pipeline, GPUPipeline.cpp),
// registered so that each can be tested alone.
//===----------------------------------------------------------------------===//

def SamoyedsEmitCInterface : Pass<"samoyeds-emit-c-interface", "::mlir::ModuleOp"> {
  let summary = "Give public host functions a C entry point (llvm.emit_c_interface)";
  let description = [{
    Sets `llvm.emit_c_interface` on every public `func.func` with a body, so that
    `convert-func-to-llvm` also emits `_mlir_ciface_<name>`, the entry point the
    runtime and the Python package call (memref descriptors passed by pointer).
    Declarations are left alone.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def SamoyedsGPUHostBuffers : Pass<"samoyeds-gpu-host-buffers", "::mlir::ModuleOp"> {
  let summary = "Host-side memref.alloc/dealloc/copy to gpu.alloc/dealloc/memcpy; free temporaries at the end of their block";
  let description = [{
    The host code of a compiled layer only launches kernels, and every buffer it
    allocates is read by a kernel, so host buffers live on the device. Outside GPU
    code (`gpu.module`, `gpu.launch`), `memref.alloc` becomes `gpu.alloc`
    (`mgpuMemAlloc`: stream-ordered `cuMemAllocAsync` on the caller's stream),
    `memref.dealloc` becomes `gpu.dealloc` and `memref.copy` becomes `gpu.memcpy`.
    An allocation that is neither returned by its block nor freed gets a
    `gpu.dealloc` before the block's terminator: frees are stream-ordered, so they
    follow the kernels that use the buffer. (Upstream's ownership-based
    deallocation rejects `gpu.launch_func`, whose memory effects are unknown.)
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::memref::MemRefDialect"];
}

def SamoyedsTileParallelLoops : Pass<"samoyeds-tile-parallel-loops", "::mlir::ModuleOp"> {
  let summary = "Tile outermost scf.parallel loops to 128 threads along their innermost dimension";
  let description = [{
    Tiles every outermost `scf.parallel` of host code (not inside a `gpu.module`)
    with tile sizes 1, ..., 1, 128 (no min/max bounds: the inner loop is guarded
    instead), so that after `gpu-map-parallel-loops` the innermost dimension
    becomes 128 threads and the others one block per index: consecutive threads
    touch consecutive elements of row-major buffers. (Upstream's
    `scf-parallel-loop-tiling` takes one list of sizes for loops of every rank.)
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect"];
}

#endif // SAMOYEDS_CONVERSION_PASSES_TD
