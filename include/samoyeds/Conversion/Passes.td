// Conversions of the samoyeds dialect to upstream dialects.
#ifndef SAMOYEDS_CONVERSION_PASSES_TD
#define SAMOYEDS_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def SamoyedsSelectKernelConfig
    : Pass<"samoyeds-select-kernel-config", "::mlir::ModuleOp"> {
  let summary = "Choose the GPU kernel configuration of every ssmm and the dispatch tiles";
  let description = [{
    Gives every `samoyeds.ssmm` a `config = #samoyeds.kernel_config<...>`,
    taken, in this order, from: an attribute already on the op (kept as is),
    the per-chip table of measured configurations, and a heuristic over the
    op's shapes and the target's facts (`lib/Conversion/SamoyedsToGPU/KernelConfig.cpp`,
    unit-tested in `unittests/KernelConfigTest.cpp`). Options that are set
    (non-zero) override the matching field of the heuristic's choice, and
    disable the table. A configuration the kernel cannot run on that op and chip
    is a diagnostic on the op.

    Then every `samoyeds.dispatch` whose list feeds ssmm kernels gets as its
    `tile` the least common multiple of their token tiles
    (`warp_n * warps_n`), so that no kernel block spans two experts' segments.
    A static list length follows the new tile (`T * k + E * (tile - 1)`), and
    so do the static result shapes (and their `outs` inits) of the ssmm ops that read the list;
    a static list used by any other op is a diagnostic.

    Example (Mixtral W1|W3 on sm_90a):
    ```mlir
    %h = samoyeds.ssmm %w13, %x, %list offsets(%off : tensor<9xi32>) outs(%h0 : ...)
           {config = #samoyeds.kernel_config<family = mma_sp, warp_m = 64,
              warp_n = 32, warps_m = 2, warps_n = 2, stages = 4, block_k = 64>,
            epilogue = #samoyeds.epilogue<silu_mul>, gather, top_k = 2} : ...
    ```
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"",
           "Target chip (sm_80, sm_86, sm_87, sm_89, sm_90, sm_90a)">,
    Option<"family", "family", "std::string", /*default=*/"\"\"",
           "Override: MMA instruction family, mma_sp or wgmma_sp (sm_90a) "
           "(empty: chosen: wgmma_sp on sm_90a where the row tiles alone half "
           "fill the chip and no tiling option is set, else mma_sp)">,
    Option<"schedule", "schedule", "std::string", /*default=*/"\"\"",
           "Override: how a wgmma_sp kernel's block runs its tile, grid (every "
           "thread copies and multiplies) or warp_specialized (a producer "
           "warpgroup copies into an mbarrier ring, the others multiply); "
           "empty: chosen (warp_specialized for wgmma_sp kernels of at least "
           "32 K tiles, else grid)">,
    Option<"warpM", "warp-m", "int64_t", /*default=*/"0",
           "Override: condensed weight rows per warp (0: chosen)">,
    Option<"warpN", "warp-n", "int64_t", /*default=*/"0",
           "Override: list entries per warp (0: chosen, 32)">,
    Option<"warpsM", "warps-m", "int64_t", /*default=*/"0",
           "Override: warps along rows (0: chosen)">,
    Option<"warpsN", "warps-n", "int64_t", /*default=*/"0",
           "Override: warps along tokens (0: chosen, 2)">,
    Option<"stages", "stages", "int64_t", /*default=*/"0",
           "Override: depth of the copy pipeline (0: chosen, 4)">,
    Option<"blockK", "block-k", "int64_t", /*default=*/"0",
           "Override: logical K columns per stage, clamped to V (0: chosen, 64)">,
    Option<"splitK", "split-k", "int64_t", /*default=*/"0",
           "Override: the most K splits a launch may use, 1 to 64 (1: never; "
           "0: chosen, 16 where the row tiles are fewer than the SMs)">,
    Option<"decodeTile", "decode-tile", "int64_t", /*default=*/"0",
           "Override: the token tile of the second kernel that calls with few "
           "routed pairs run (1: none; 0: chosen, 16 where it fits)">,
    Option<"streamTokens", "stream-tokens", "int64_t", /*default=*/"0",
           "Override: token slots of the streaming kernel that calls with at "
           "most that many routed pairs per expert run (-1: none; 0: chosen, "
           "2 for undef_padding ops)">,
  ];
  let dependentDialects = ["::mlir::samoyeds::SamoyedsDialect"];
}

def SamoyedsCheckDimIndices
    : Pass<"samoyeds-check-dim-indices", "::mlir::ModuleOp"> {
  let summary = "Refuse a tensor.dim or memref.dim of a negative constant index (the GPU pipeline's first step)";
  let description = [{
    A `tensor.dim` or `memref.dim` whose index is a negative constant is valid
    IR (its result is undefined), but upstream MLIR 22's canonicalization of
    `memref.dim` in the GPU dialect (active in every `canonicalize` of a
    pipeline that loads that dialect, whether or not a kernel is built)
    indexes the shaped type with it unchecked and crashes; a `tensor.dim`
    becomes such a `memref.dim` when it bufferizes. The GPU pipeline runs
    this check first, so that such input is a diagnostic at the op:
    ```
    error: 'memref.dim' op dimension index -1 is out of range (the GPU pipeline refuses it: upstream's canonicalization of memref.dim would crash on it)
    ```
    Found by the fuzzer (`test/Fuzz/corpus/gpu-negative-dim-index.mlir`).
  }];
}

def ConvertSamoyedsToGPU : Pass<"convert-samoyeds-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Lower ssmm, route, dispatch, combine and marked row dots to GPU kernels and their launches";
  let description = [{
    It lowers the memref forms (the GPU pipeline runs one-shot bufferization
    first; a tensor-form op is a diagnostic). Every memref-form `samoyeds.ssmm`
    (its weight's three storage buffers) becomes a `gpu.func` kernel in
    `gpu.module @samoyeds_kernels` and, in its place, a `gpu.launch_func` over the
    operands' buffers that writes the `outs` buffer in place (the GPU pipeline then
    turns returned buffers into out-parameters, so the kernel writes the caller's
    memory). A buffer of a layout other than the identity goes through an
    identity-layout copy.

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

    Each ssmm's tiling is its `config` attribute (`#samoyeds.kernel_config`,
    set by `samoyeds-select-kernel-config`); an op without one gets the same
    choice here, with the tile options as overrides. The chip comes from the
    target table (`TargetInfo.cpp`): ordered metadata and the shared-memory
    limit. Configurations the kernel cannot run (tile sizes that do not divide
    the weight, unsupported N:M, too many accumulator registers, a dispatch tile
    that is not a multiple of the token tile) are diagnostics.

    Besides ssmm it lowers `samoyeds.route`, `dispatch`, `combine` and the
    `linalg.generic` row dot products that samoyeds-decompose-moe marks
    `samoyeds.row_dot` (docs/kernel.md).
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"",
           "Target chip (sm_80, sm_90a, ...): selects ordered metadata and defaults">,
    Option<"family", "family", "std::string", /*default=*/"\"\"",
           "Override: MMA instruction family, mma_sp or wgmma_sp (sm_90a) "
           "(empty: chosen: wgmma_sp on sm_90a where the row tiles alone half "
           "fill the chip and no tiling option is set, else mma_sp)">,
    Option<"schedule", "schedule", "std::string", /*default=*/"\"\"",
           "Override: how a wgmma_sp kernel's block runs its tile, grid (every "
           "thread copies and multiplies) or warp_specialized (a producer "
           "warpgroup copies into an mbarrier ring, the others multiply); "
           "empty: chosen (warp_specialized for wgmma_sp kernels of at least "
           "32 K tiles, else grid)">,
    Option<"warpM", "warp-m", "int64_t", /*default=*/"0",
           "Override, for ssmm ops without a config attribute: condensed weight "
           "rows per warp (multiple of 16; of 32 for silu_mul); 0: chosen (the "
           "largest of 64, 32, 16 whose M * warp-m * warp-n / 32 accumulator "
           "registers fit a budget of 200)">,
    Option<"warpN", "warp-n", "int64_t", /*default=*/"0",
           "Override: list entries (tokens) per warp (multiple of 8); 0: chosen (32)">,
    Option<"warpsM", "warps-m", "int64_t", /*default=*/"0",
           "Override: warps along rows; 0: chosen (2, else 1, whichever block "
           "tile divides the condensed rows)">,
    Option<"warpsN", "warps-n", "int64_t", /*default=*/"0",
           "Override: warps along tokens; 0: chosen (2)">,
    Option<"stages", "stages", "int64_t", /*default=*/"0",
           "Override: depth of the cp.async pipeline (2 to 16); 0: chosen (4)">,
    Option<"blockK", "block-k", "int64_t", /*default=*/"0",
           "Override: logical K columns per pipeline stage (32, 64 or 128; "
           "clamped to V); 0: chosen (64)">,
    Option<"splitK", "split-k", "int64_t", /*default=*/"0",
           "Override: the most K splits a launch may use (1 to 64; the launch "
           "picks the count at run time); 0: chosen">,
    Option<"decodeTile", "decode-tile", "int64_t", /*default=*/"0",
           "Override: the token tile of the kernel for calls with few routed "
           "pairs (1: none); 0: chosen">,
    Option<"streamTokens", "stream-tokens", "int64_t", /*default=*/"0",
           "Override: token slots of the streaming kernel that calls with at "
           "most that many routed pairs per expert run (-1: none; 0: chosen, "
           "2 for undef_padding ops)">,
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

def SamoyedsGridConstantArgs : Pass<"samoyeds-grid-constant-args", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Make a kernel's trailing samoyeds.grid_constant_args arguments byval __grid_constant__ parameters";
  let description = [{
    A TMA descriptor (CUtensorMap) is passed to a kernel by value and read by
    `cp.async.bulk.tensor` through its address, which must be in the param,
    const or global space: a `__grid_constant__` parameter. The GPU dialect
    cannot say that (a `gpu.launch_func` operand has the kernel argument's type),
    so the kernel generator declares such arguments last, as values
    (`!llvm.array<16 x i64>`), stores each into a private copy (`llvm.alloca` +
    `llvm.store`), reads the copy, and sets `samoyeds.grid_constant_args = N` on
    the kernel: its last N arguments. (A function attribute, not an argument
    attribute: `convert-gpu-to-nvvm` keeps the kernel's attributes but drops
    those of its arguments; trailing non-memref arguments keep their place at
    the end when memrefs expand into descriptors.) After `convert-gpu-to-nvvm`,
    this pass turns each of them into `!llvm.ptr {llvm.byval = <type>,
    llvm.align = 64, nvvm.grid_constant}` and replaces the copy by it, so that
    the address is the parameter's own (NVPTX: `cvta.param`). The host still
    passes the 128 bytes by value, which is what a byval parameter is. An
    argument with another type or another use than the store into its copy,
    or a count above the arguments, is an error.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::NVVM::NVVMDialect"];
}

#endif // SAMOYEDS_CONVERSION_PASSES_TD
