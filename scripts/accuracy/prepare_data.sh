#!/usr/bin/env bash
# Writes .accuracy/kjv.txt.gz: the King James Bible (public domain) from the
# Debian packages bible-kjv-text (the compressed text) and bible-kjv (the
# `bible` reader), one verse per line without its reference. .accuracy/ is
# git-ignored (.git/info/exclude) and carried to the GPU machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/.accuracy"
mkdir -p "$OUT"
if ! command -v bible >/dev/null; then
  apt-get install -y bible-kjv bible-kjv-text >/dev/null
fi
# -f: one verse per line with its reference ("Ge1:1 In the beginning ...").
bible -f -m 8000 Gen1:1-Rev22:21 </dev/null \
  | sed -E 's/^[0-9]?[A-Za-z]+[0-9]+:[0-9]+ //' | gzip -9n > "$OUT/kjv.txt.gz"
echo "$OUT/kjv.txt.gz: $(zcat "$OUT/kjv.txt.gz" | wc -l) verses, $(zcat "$OUT/kjv.txt.gz" | wc -c) bytes"
