// Plugins loaded the wrong way fail with a message, not a crash.

// mlir-opt-22 reports every refused plugin with one line ("Failed to load
// ... Request ignored."; it drops the reason) and goes on without it: the
// samoyeds type then does not parse, and the tool exits with 1.

// A plugin built for another plugin API version (MLIR_PLUGIN_API_VERSION + 1)
// is refused.
// RUN: not %upstream_mlir_opt %s --load-dialect-plugin=%plugins/SamoyedsBadVersionPlugin.so 2>&1 \
// RUN:   | FileCheck %s --check-prefix=VERSION
// RUN: not %upstream_mlir_opt %s --load-pass-plugin=%plugins/SamoyedsBadVersionPlugin.so 2>&1 \
// RUN:   | FileCheck %s --check-prefix=VERSION
// VERSION: Failed to load {{dialect plugin|passes}} from '{{.*}}SamoyedsBadVersionPlugin.so'. Request ignored.
// VERSION: error: {{.*}} type created with unregistered dialect

// The pass plugin is not a dialect plugin (and the reverse): no entry point,
// the request is ignored, so the samoyeds op does not parse.
// RUN: not %upstream_mlir_opt %s --load-dialect-plugin=%plugins/SamoyedsPassPlugin.so 2>&1 \
// RUN:   | FileCheck %s --check-prefix=KIND
// KIND: Failed to load dialect plugin from '{{.*}}SamoyedsPassPlugin.so'. Request ignored.
// KIND: error: {{.*}} type created with unregistered dialect
// RUN: not %upstream_mlir_opt %s --load-pass-plugin=%plugins/SamoyedsDialectPlugin.so 2>&1 \
// RUN:   | FileCheck %s --check-prefix=PKIND
// PKIND: Failed to load passes from '{{.*}}SamoyedsDialectPlugin.so'. Request ignored.

// A path that is not a shared library.
// RUN: not %upstream_mlir_opt %s --load-dialect-plugin=%s 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NOTLIB
// NOTLIB: Failed to load dialect plugin from '{{.*}}bad-plugin.mlir'. Request ignored.

// Loaded into samoyeds-opt, which registers the dialect and the passes
// itself: the plugins say so and step aside instead of registering twice.
// RUN: samoyeds-opt %s --load-dialect-plugin=%plugins/SamoyedsDialectPlugin.so \
// RUN:   --load-pass-plugin=%plugins/SamoyedsPassPlugin.so 2>&1 | FileCheck %s --check-prefix=TWICE
// TWICE-DAG: SamoyedsPassPlugin: this tool already registers the samoyeds passes; plugin ignored
// TWICE-DAG: SamoyedsDialectPlugin: this tool already registers a `samoyeds` dialect; plugin ignored
// TWICE: samoyeds.unpack

func.func @f(%p: !samoyeds.packed<64x128xf16, #samoyeds.format<n = 1, m = 2, v = 64>>)
    -> tensor<64x128xf16> {
  %d = samoyeds.unpack %p : !samoyeds.packed<64x128xf16, #samoyeds.format<n = 1, m = 2, v = 64>>
         -> tensor<64x128xf16>
  return %d : tensor<64x128xf16>
}
