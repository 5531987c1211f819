// CoreMatrixTile and the matrix descriptor (WgmmaSpLayout.h).
#include "WgmmaSpLayout.h"

#include "samoyeds/Utils/Builders.h"
#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::samoyeds;
using namespace mlir::samoyeds::gpukernels;
using namespace mlir::samoyeds::build;

Value CoreMatrixTile::chunkRow(ImplicitLocOpBuilder &b, Value x) const {
  return add(b, mul(b, divu(b, x, 8 * chunks), cIdx(b, 8)), remu(b, x, 8));
}

Value CoreMatrixTile::chunkColumn(ImplicitLocOpBuilder &b, Value x) const {
  return remu(b, divu(b, x, 8), chunks);
}

Value mlir::samoyeds::gpukernels::matrixDescriptor(ImplicitLocOpBuilder &b,
                                                   Value addr,
                                                   const CoreMatrixTile &tile) {
  // Bits 0-13: address >> 4; 16-29: LBO >> 4; 32-45: SBO >> 4; 49-51: base
  // offset (0: no swizzle pattern to align); 62-63: layout type (0: none).
  Type i64 = b.getI64Type();
  uint64_t strides = (uint64_t(tile.lboBytes() >> 4) & 0x3FFF) << 16 |
                     (uint64_t(tile.sboBytes() >> 4) & 0x3FFF) << 32;
  auto c64 = [&](uint64_t v) {
    return arith::ConstantOp::create(b, b.getIntegerAttr(i64, int64_t(v)));
  };
  Value start = arith::AndIOp::create(
      b, arith::ShRUIOp::create(b, addr, c64(4)), c64(0x3FFF));
  return arith::OrIOp::create(b, start, c64(strides));
}
