#!/usr/bin/env python3
"""Extract the bytes of an embedded gpu.binary from LLVM IR text.

mlir-translate turns each `gpu.binary @name` into
    @name_binary = internal constant [N x i8] c"..."
(LLVM string escapes: \\XX hex, \\\\ backslash). Usage:
    extract_binary.py module.ll SYMBOL out_file
where SYMBOL is e.g. smoke_kernels_binary. A trailing NUL of PTX text is
dropped.
"""
import re
import sys


def unescape_llvm(s: str) -> bytes:
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            if s[i + 1] == "\\":
                out.append(0x5C)
                i += 2
            else:
                out.append(int(s[i + 1:i + 3], 16))
                i += 3
        else:
            out.extend(c.encode("latin-1"))
            i += 1
    return bytes(out)


def main() -> int:
    ll_path, symbol, out_path = sys.argv[1:4]
    text = open(ll_path, encoding="latin-1").read()
    m = re.search(r"^@" + re.escape(symbol) +
                  r' = [^\n]*?\[(\d+) x i8\] c"((?:[^"\\]|\\.)*)"', text,
                  re.M)
    if not m:
        print(f"extract_binary: @{symbol} not found in {ll_path}",
              file=sys.stderr)
        return 1
    data = unescape_llvm(m.group(2))
    if len(data) != int(m.group(1)):
        print(f"extract_binary: size mismatch {len(data)} vs {m.group(1)}",
              file=sys.stderr)
        return 1
    if not data.startswith(b"\x7fELF") and data.endswith(b"\0"):
        data = data[:-1]  # PTX: the NUL terminator is not part of the file
    with open(out_path, "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
