// SwizzledTile and the matrix descriptor (WgmmaSpLayout.h).
#include "WgmmaSpLayout.h"

#include "samoyeds/Utils/Builders.h"
#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::samoyeds;
using namespace mlir::samoyeds::gpukernels;
using namespace mlir::samoyeds::build;

Value SwizzledTile::chunkRow(ImplicitLocOpBuilder &b, Value x) const {
  return divu(b, x, chunksPerRow());
}

Value SwizzledTile::chunkColumn(ImplicitLocOpBuilder &b, Value x) const {
  return remu(b, x, chunksPerRow());
}

Value SwizzledTile::chunkOffsetBytes(ImplicitLocOpBuilder &b, Value r, Value c) const {
  int64_t perAtom = atomBytes / kChunkBytes;
  Value atom = divu(b, c, perAtom), inAtom = remu(b, c, perAtom);
  // The permutation: chunk c ^ ((r * W / 128) % (W / 16)).
  Value key = remu(b, divu(b, mul(b, r, cIdx(b, atomBytes)), 128), perAtom);
  Value pos = arith::XOrIOp::create(b, inAtom, key);
  return add(b, mul(b, atom, cIdx(b, rows * atomBytes)),
             add(b, mul(b, r, cIdx(b, atomBytes)), mul(b, pos, cIdx(b, kChunkBytes))));
}

Value mlir::samoyeds::gpukernels::matrixDescriptor(ImplicitLocOpBuilder &b, Value addr,
                                                   const SwizzledTile &tile) {
  // Bits 0-13: address >> 4; 16-29: LBO >> 4 (unused here, 1); 32-45:
  // SBO >> 4; 49-51: base offset (0: atoms are aligned); 62-63: swizzle.
  Type i64 = b.getI64Type();
  uint64_t fields = uint64_t(1) << 16 |
                    (uint64_t(tile.sboBytes() >> 4) & 0x3FFF) << 32 |
                    uint64_t(tile.swizzleMode()) << 62;
  auto c64 = [&](uint64_t v) {
    return arith::ConstantOp::create(b, b.getIntegerAttr(i64, int64_t(v)));
  };
  Value start = arith::AndIOp::create(
      b, arith::ShRUIOp::create(b, addr, c64(4)), c64(0x3FFF));
  return arith::OrIOp::create(b, start, c64(fields));
}
