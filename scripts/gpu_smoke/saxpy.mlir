// End-to-end smoke test of the host-code path: MLIR host functions that
// launch a gpu.func kernel, lowered by MLIR 22 to an x86-64 object that calls
// the mgpu* functions of libsamoyeds_runtime.so. Built by build.sh, run by
// run_on_gpu.sh / smoke.py.
module attributes {gpu.container_module} {
  gpu.module @smoke_kernels {
    // out[i] = a * x[i] + y[i] for i < n.
    gpu.func @saxpy(%x: memref<?xf32>, %y: memref<?xf32>, %out: memref<?xf32>,
                    %a: f32, %n: index) kernel {
      %bid = gpu.block_id x
      %bdim = gpu.block_dim x
      %tid = gpu.thread_id x
      %base = arith.muli %bid, %bdim : index
      %i = arith.addi %base, %tid : index
      %inside = arith.cmpi ult, %i, %n : index
      scf.if %inside {
        %xv = memref.load %x[%i] : memref<?xf32>
        %yv = memref.load %y[%i] : memref<?xf32>
        %ax = arith.mulf %a, %xv : f32
        %r = arith.addf %ax, %yv : f32
        memref.store %r, %out[%i] : memref<?xf32>
      }
      gpu.return
    }
  }

  // The plain case: one synchronous launch with 256 threads per block.
  func.func @saxpy(%x: memref<?xf32>, %y: memref<?xf32>, %out: memref<?xf32>,
                   %a: f32) attributes {llvm.emit_c_interface} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c256 = arith.constant 256 : index
    %c255 = arith.constant 255 : index
    %n = memref.dim %x, %c0 : memref<?xf32>
    %t = arith.addi %n, %c255 : index
    %blocks = arith.divui %t, %c256 : index
    gpu.launch_func @smoke_kernels::@saxpy
        blocks in (%blocks, %c1, %c1) threads in (%c256, %c1, %c1)
        args(%x : memref<?xf32>, %y : memref<?xf32>, %out : memref<?xf32>,
             %a : f32, %n : index)
    return
  }

  // The block size is a run-time argument: an oversized block (e.g. 2048
  // threads) makes the driver refuse the launch, which the caller must see.
  func.func @saxpy_block(%x: memref<?xf32>, %y: memref<?xf32>,
                         %out: memref<?xf32>, %a: f32, %bs: index)
      attributes {llvm.emit_c_interface} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = memref.dim %x, %c0 : memref<?xf32>
    %bm1 = arith.subi %bs, %c1 : index
    %t = arith.addi %n, %bm1 : index
    %blocks = arith.divui %t, %bs : index
    gpu.launch_func @smoke_kernels::@saxpy
        blocks in (%blocks, %c1, %c1) threads in (%bs, %c1, %c1)
        args(%x : memref<?xf32>, %y : memref<?xf32>, %out : memref<?xf32>,
             %a : f32, %n : index)
    return
  }

  // Device memory management through async tokens: a temporary buffer is
  // allocated, set to v, doubled by the kernel (tmp = 1 * tmp + tmp), copied
  // to out and freed. out = 2 * v.
  func.func @fill_twice(%out: memref<?xf32>, %v: f32)
      attributes {llvm.emit_c_interface} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c128 = arith.constant 128 : index
    %c127 = arith.constant 127 : index
    %one = arith.constant 1.0 : f32
    %n = memref.dim %out, %c0 : memref<?xf32>
    %t = arith.addi %n, %c127 : index
    %blocks = arith.divui %t, %c128 : index
    %t0 = gpu.wait async
    %tmp, %t1 = gpu.alloc async [%t0] (%n) : memref<?xf32>
    %t2 = gpu.memset async [%t1] %tmp, %v : memref<?xf32>, f32
    %t3 = gpu.launch_func async [%t2] @smoke_kernels::@saxpy
        blocks in (%blocks, %c1, %c1) threads in (%c128, %c1, %c1)
        args(%tmp : memref<?xf32>, %tmp : memref<?xf32>, %tmp : memref<?xf32>,
             %one : f32, %n : index)
    %t4 = gpu.memcpy async [%t3] %out, %tmp : memref<?xf32>, memref<?xf32>
    %t5 = gpu.dealloc async [%t4] %tmp : memref<?xf32>
    gpu.wait [%t5]
    return
  }
}
