// The fuzzer itself works: 40 mutants, deterministic (seed 7), no new crash.
// RUN: rm -rf %t && %python %samoyeds_src/test/Fuzz/fuzz.py --opt samoyeds-opt --count 40 --time 120 --seed 7 --jobs 1 --corpus %t | FileCheck %s
// CHECK: fuzz.py: 40 mutants run ({{[0-9]+}} rejected with a diagnostic), 0 distinct crashes
