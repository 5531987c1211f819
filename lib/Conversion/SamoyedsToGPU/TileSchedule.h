// TileSchedule: which expert, token range and weight rows one tile of an ssmm kernel computes, and where its token rows come from.
//
// A tile is (row tile, token tile): `blockM` condensed weight rows by
// `blockN` list entries. Today the grid has one block per tile (blockIdx.x,
// blockIdx.y); a persistent kernel would loop over token tiles instead and
// call the same functions with its loop's values, which is why the tile
// coordinates are Values and nothing here reads the block index. None of
// this depends on the MMA instruction (docs/kernel.md, section 8).
#ifndef SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_TILESCHEDULE_H
#define SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_TILESCHEDULE_H

#include "KernelSpec.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir {
namespace samoyeds {
namespace gpukernels {

/// The coordinates of a tile (index values).
struct TileCoords {
  Value rowTile;   // which blockM condensed rows
  Value tokenTile; // which blockN list entries
};

/// What the kernel body needs to know about its tile (index values unless
/// said otherwise).
struct TileInfo {
  Value rowTile;
  /// The expert of the tile's list entries; null without an expert dimension.
  Value expert;
  /// First list entry of the tile, the list length, and the end of the valid
  /// entries (the expert segment's end, clamped to the list).
  Value tok0, listLen, validEnd;
  /// i1: entries of another expert fall inside the tile (the list was not
  /// padded to the kernel's token tile). Such a tile is written as NaN rather
  /// than computed wrongly.
  Value poison;
  /// i1, set by the kernel when it knows better than tok0 < validEnd: some
  /// entry of the tile is a routed token (not padding, not a sentinel).
  Value work;
};

/// Fills in the tile at `coords` from the routed list and, with an expert
/// dimension, the expert segment offsets (`offsets[e]..offsets[e+1]`).
TileInfo computeTileInfo(ImplicitLocOpBuilder &b, const KernelSpec &s,
                         TileCoords coords, Value list, Value offsets);

/// i1: the tile holds at least one valid entry (`tile.work` when the kernel
/// set it, else tok0 < validEnd). A tile of padding only (past
/// the last expert segment or the list) need not copy or multiply anything:
/// its epilogue writes zeros, so experts without tokens cost nothing.
Value tileHasWork(ImplicitLocOpBuilder &b, const TileInfo &tile);

/// Global condensed row of row `r` of the tile's block (A-tile order: with
/// silu_mul the first half holds gate rows, the second the matching up rows
/// R/2 further on).
Value globalRow(ImplicitLocOpBuilder &b, const KernelSpec &s, Value rowTile,
                Value r);

/// Where the token rows (the B operand) of a tile are read: row r of the
/// tile is list entry tok0 + r, read in place from `input` (row list[i] /
/// top_k with gather, row i otherwise). Entries past the valid end and
/// sentinel ids are padding. The bound on ids is built once, at construction.
class TokenRowSource {
public:
  TokenRowSource(ImplicitLocOpBuilder &b, const KernelSpec &s,
                 const TileInfo &tile, Value input, Value list, Value scale);

  struct Row {
    Value row;   // the input row to read (0 for padding, so it is in bounds)
    Value valid; // i1: false for padding (read nothing, zero-fill)
  };
  Row source(ImplicitLocOpBuilder &b, Value rowInTile) const;

private:
  const KernelSpec &s;
  const TileInfo &tile;
  Value list, bound;
};

} // namespace gpukernels
} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_LIB_CONVERSION_SAMOYEDSTOGPU_TILESCHEDULE_H
