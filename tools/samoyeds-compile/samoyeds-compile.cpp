// samoyeds-compile: compile an MLIR file with samoyeds ops into what a program uses.
//
// Writes into the output directory (<stem> is the input's file name without
// its extension):
//   <stem>.<kernel-module>.ptx     the PTX of each gpu.module
//   <stem>.<kernel-module>.cubin   its cubin: the very bytes embedded in the host code
//   <stem>.host.o                  host code with the cubins embedded, an x86-64 PIC
//                                  object whose public functions have C entry points
//                                  _mlir_ciface_<name> (memref descriptors by pointer)
//   <stem>.so                      that object as a shared library; it needs the mgpu*
//                                  symbols of libsamoyeds_runtime.so (--runtime-dir)
//   <stem>.manifest.json           each entry point with its arguments (docs/pipeline.md)
//
// One run of samoyeds-gpu-pipeline (format=bin). Its gpu-module-to-binary step
// is done here, just before the pass itself runs (which then finds no
// gpu.module left), so that the NVVM target's ISA callback hands over the PTX
// that the cubin is assembled from; the pass has no option for a callback.
// The host object is compiled in-process by the LLVM that translated it (no
// llc or mlir-translate to find, no textual IR on disk).
#include "samoyeds/Dialect/Samoyeds/Transforms/BufferizableOpInterfaceImpl.h"
#include "samoyeds/Conversion/Passes.h"
#include "samoyeds/Dialect/Samoyeds/IR/Samoyeds.h"
#include "samoyeds/Dialect/Samoyeds/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/CompilationInterfaces.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

#include <cstdlib>
#include <map>
#include <optional>

using namespace mlir;
namespace cl = llvm::cl;

namespace {
cl::OptionCategory category("samoyeds-compile options");
cl::opt<std::string> inputFile(cl::Positional, cl::Required,
                               cl::desc("<MLIR file (samoyeds level, tensors)>"),
                               cl::cat(category));
cl::opt<std::string> outputDir("output-dir", cl::Required,
                               cl::desc("Directory of the outputs"),
                               cl::value_desc("dir"), cl::cat(category));
cl::alias outputDirShort("o", cl::aliasopt(outputDir), cl::desc("Alias for --output-dir"));
cl::opt<std::string> chip("chip", cl::init("sm_90a"), cl::desc("Target chip"),
                          cl::cat(category));
cl::opt<std::string> pipelineOptions(
    "pipeline-options", cl::init(""),
    cl::desc("Extra samoyeds-gpu-pipeline options, e.g. 'warp-n=32 stages=4'"),
    cl::cat(category));
cl::opt<std::string> runtimeDir(
    "runtime-dir", cl::init(""),
    cl::desc("Directory of libsamoyeds_runtime.so to link the .so against"),
    cl::cat(category));
cl::opt<bool> noShared("no-shared", cl::desc("Stop after the object"), cl::cat(category));

// The integer options of samoyeds-gpu-pipeline a caller may pass (sorted, as
// the error message lists them); chip and format are this driver's own.
const char *const kPipelineIntOptions[] = {"block-k",       "decode-tile", "min-blocks-per-sm",
                                           "split-k",       "stages",      "stream-tokens",
                                           "warp-m",        "warp-n",      "warps-m",
                                           "warps-n"};

[[noreturn]] void fail(const llvm::Twine &msg) {
  llvm::errs() << "samoyeds-compile: " << msg << "\n";
  std::exit(1);
}

// 'value' the way the Python driver's messages quoted it (repr of a str).
std::string quoted(llvm::StringRef s) {
  char q = s.contains('\'') && !s.contains('"') ? '"' : '\'';
  return (llvm::Twine(q) + s + llvm::Twine(q)).str();
}

// The options are spliced into one pipeline string: a value with spaces or
// '=' would inject options of its own (e.g. --chip "sm_90a format=bin").
void validateOptions() {
  if (!llvm::Regex("^sm_[0-9]{2,3}[af]?$").match(chip))
    fail("--chip " + quoted(chip) + " is not of the form sm_XX, sm_XXa or sm_XXf");
  llvm::SmallVector<llvm::StringRef> tokens;
  llvm::SplitString(pipelineOptions, tokens);
  for (llvm::StringRef tok : tokens) {
    auto [key, val] = tok.split('=');
    // The word-valued options: the MMA instruction family and the schedule.
    if (key == "family" && (val == "mma_sp" || val == "wgmma_sp"))
      continue;
    if (key == "schedule" && (val == "grid" || val == "warp_specialized"))
      continue;
    // The one negative value: no stream kernel.
    if (key == "stream-tokens" && val == "-1")
      continue;
    bool known = llvm::is_contained(kPipelineIntOptions, key);
    bool hasEq = tok.contains('=');
    if (!known || !hasEq || !llvm::Regex("^[0-9]+$").match(val))
      fail("--pipeline-options: " + quoted(tok) + " is not one of " +
           llvm::join(llvm::ArrayRef(kPipelineIntOptions), ", ") +
           " = a non-negative integer, stream-tokens = -1, family = mma_sp or wgmma_sp, "
           "or schedule = grid or warp_specialized");
  }
}

// One argument of an entry point, from its func.func type, as one JSON object.
void describeArgument(llvm::json::OStream &j, Type type, bool isOut) {
  auto print = [](auto printable) {
    std::string s;
    llvm::raw_string_ostream(s) << printable;
    return s;
  };
  j.object([&] {
    j.attribute("kind", isOut ? "out" : "input");
    j.attribute("type", print(type));
    auto memref = dyn_cast<MemRefType>(type);
    if (!memref)
      return;
    j.attribute("rank", memref.getRank());
    j.attributeArray("shape", [&] {
      for (int64_t d : memref.getShape())
        ShapedType::isDynamic(d) ? j.value(nullptr) : j.value(d);
    });
    j.attribute("element_type", print(memref.getElementType()));
    j.attribute("identity_layout", memref.getLayout().isIdentity());
  });
}

struct EntryPoint {
  std::string name;
  llvm::SmallVector<Type> arguments;
  unsigned inputs = 0;
};

struct KernelModule {
  std::string name;
  std::string ptx;
  std::vector<std::string> kernels;
};

// Watches the pipeline: records the entry points' signatures while they are
// still func.func (after the out-params rewrite) and serializes the kernel
// modules itself, with the ISA callback, when gpu-module-to-binary is next.
class CompileObserver : public PassInstrumentation {
public:
  explicit CompileObserver(ModuleOp top) : top(top) {}

  void runBeforePass(Pass *pass, Operation *op) override {
    if (op != top.getOperation())
      return;
    llvm::StringRef arg = pass->getArgument();
    if (arg == "buffer-results-to-out-params") {
      // The rewrite appends one argument per result: what is there now is
      // the inputs.
      for (auto fn : top.getOps<func::FuncOp>())
        if (fn.isPublic() && !fn.isExternal())
          inputCounts[fn.getSymName().str()] = fn.getNumArguments();
      sawOutParams = true;
    } else if (arg == "gpu-module-to-binary") {
      serializeKernels();
    }
  }

  void runAfterPass(Pass *pass, Operation *op) override {
    if (op != top.getOperation() || !sawOutParams)
      return;
    // The last view of the public functions before they become llvm.func.
    std::vector<EntryPoint> now;
    for (auto fn : top.getOps<func::FuncOp>()) {
      if (!fn.isPublic() || fn.isExternal())
        continue;
      EntryPoint e;
      e.name = fn.getSymName().str();
      e.arguments.assign(fn.getArgumentTypes().begin(), fn.getArgumentTypes().end());
      auto it = inputCounts.find(e.name);
      e.inputs = it == inputCounts.end() ? e.arguments.size() : it->second;
      now.push_back(std::move(e));
    }
    if (!now.empty())
      entries = std::move(now);
  }

  std::vector<EntryPoint> entries;
  std::vector<KernelModule> modules;
  bool serializeFailed = false;
  bool serialized = false;

private:
  void serializeKernels() {
    serialized = true;
    // The modules are serialized in block order, once per target: the i-th
    // callback is the i-th module (one NVVM target each, checked below).
    for (auto gm : top.getOps<gpu::GPUModuleOp>()) {
      KernelModule km;
      km.name = gm.getName().str();
      gm.walk([&](LLVM::LLVMFuncOp fn) {
        if (fn->hasAttr(NVVM::NVVMDialect::getKernelFuncAttrName()) ||
            fn->hasAttr(gpu::GPUDialect::getKernelFuncAttrName()))
          km.kernels.push_back(fn.getSymName().str());
      });
      if (!gm.getTargets() || gm.getTargets()->size() != 1) {
        gm.emitError("samoyeds-compile expects one target per gpu.module");
        serializeFailed = true;
        return;
      }
      modules.push_back(std::move(km));
    }
    size_t next = 0;
    auto isa = [&](llvm::StringRef ptx) {
      if (next < modules.size())
        modules[next].ptx = ptx.str();
      ++next;
    };
    SymbolTable *table = nullptr;
    std::optional<SymbolTable> tableStorage;
    auto lazyTable = [&]() -> SymbolTable * {
      if (!table) {
        tableStorage.emplace(top);
        table = &*tableStorage;
      }
      return table;
    };
    gpu::TargetOptions options(/*toolkitPath=*/{}, /*librariesToLink=*/{},
                               /*cmdOptions=*/{}, /*elfSection=*/{},
                               gpu::CompilationTarget::Binary, lazyTable, {}, {}, {}, isa);
    if (failed(gpu::transformGpuModulesToBinaries(top, nullptr, options)) ||
        next != modules.size()) {
      serializeFailed = true;
      if (next != modules.size())
        top.emitError() << "the ISA callback ran " << next << " times for "
                        << modules.size() << " kernel module(s)";
    }
  }

  ModuleOp top;
  std::map<std::string, unsigned> inputCounts;
  bool sawOutParams = false;
};

void writeFile(const std::string &path, llvm::StringRef data) {
  std::string error;
  auto out = openOutputFile(path, &error);
  if (!out)
    fail("cannot write " + path + ": " + error);
  out->os() << data;
  out->keep();
}

void compileHostObject(llvm::Module &module, const std::string &path) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    fail("no LLVM target for " + triple.str() + ": " + error);
  llvm::TargetOptions targetOptions;
  // As llc -O2 -relocation-model=pic: the object goes into a shared library.
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, "generic", "", targetOptions, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Default));
  module.setTargetTriple(triple);
  module.setDataLayout(machine->createDataLayout());
  std::error_code ec;
  llvm::ToolOutputFile out(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    fail("cannot write " + path + ": " + ec.message());
  llvm::legacy::PassManager pm;
  if (machine->addPassesToEmitFile(pm, out.os(), nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
    fail("the LLVM target cannot emit an object file");
  pm.run(module);
  out.keep();
}

void linkShared(const std::string &object, const std::string &so) {
  auto cc = llvm::sys::findProgramByName("cc");
  if (!cc)
    fail("cannot find cc (searched PATH)");
  std::vector<std::string> args = {*cc, "-shared", "-o", so, object};
  if (!runtimeDir.empty()) {
    llvm::SmallString<256> abs(runtimeDir);
    llvm::sys::fs::make_absolute(abs);
    args.push_back("-L" + runtimeDir);
    args.push_back("-lsamoyeds_runtime");
    args.push_back("-Wl,-rpath,$ORIGIN");
    args.push_back("-Wl,-rpath," + abs.str().str());
  }
  llvm::SmallVector<llvm::StringRef> refs(args.begin(), args.end());
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(*cc, refs, std::nullopt, {}, 0, 0, &error);
  if (rc != 0)
    fail("command failed (" + llvm::Twine(rc) + "): " + llvm::join(args, " ") +
         (error.empty() ? "" : ": " + error));
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "samoyeds-compile: compile an MLIR file with samoyeds ops into PTX, cubins, "
      "host code (.o/.so) and a JSON manifest of the entry points\n");
  validateOptions();

  // ptxas, run by the NVVM target, is found in the CUDA toolkit or on PATH.
  std::string path = "/usr/local/cuda/bin";
  if (const char *old = std::getenv("PATH"))
    path += std::string(":") + old;
  setenv("PATH", path.c_str(), 1);

  mlir::registerAllPasses();
  mlir::samoyeds::registerSamoyedsPasses();
  mlir::samoyeds::registerSamoyedsPipelines();
  mlir::samoyeds::registerSamoyedsConversionPasses();
  mlir::samoyeds::registerSamoyedsGPUPipeline();
  DialectRegistry registry;
  registry.insert<mlir::samoyeds::SamoyedsDialect>();
  mlir::samoyeds::registerBufferizableOpInterfaceExternalModels(registry);
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  MLIRContext context(registry);
  // The kernels are serialized inside a pass instrumentation: keep the whole
  // pipeline on this thread.
  context.disableMultithreading();

  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  std::string error;
  auto input = openInputFile(inputFile, &error);
  if (!input)
    fail("cannot read " + inputFile + ": " + error);
  sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    fail("cannot parse " + inputFile);

  if (auto ec = llvm::sys::fs::create_directories(outputDir))
    fail("cannot create " + outputDir + ": " + ec.message());
  std::string stem = llvm::sys::path::stem(inputFile).str();
  auto out = [&](llvm::StringRef suffix) {
    llvm::SmallString<256> p(outputDir);
    llvm::sys::path::append(p, stem + suffix);
    return p.str().str();
  };

  std::string popts = "chip=" + chip.getValue() + " format=bin " + pipelineOptions.getValue();
  PassManager pm(&context, ModuleOp::getOperationName());
  if (failed(parsePassPipeline("samoyeds-gpu-pipeline{" + popts + "}", pm, llvm::errs())))
    fail("cannot build samoyeds-gpu-pipeline{" + popts + "}");
  auto observer = std::make_unique<CompileObserver>(*module);
  CompileObserver &seen = *observer;
  pm.addInstrumentation(std::move(observer));
  if (failed(pm.run(*module)) || seen.serializeFailed)
    fail("samoyeds-gpu-pipeline failed on " + inputFile);
  if (!seen.serialized)
    fail("samoyeds-gpu-pipeline has no gpu-module-to-binary step any more");

  // PTX from the callback, cubins from the gpu.binary the host code embeds.
  std::map<std::string, std::string> cubins;
  for (auto bin : module->getOps<gpu::BinaryOp>())
    for (Attribute a : bin.getObjects())
      if (auto obj = dyn_cast<gpu::ObjectAttr>(a))
        if (obj.getFormat() == gpu::CompilationTarget::Binary)
          cubins[bin.getName().str()] = obj.getObject().getValue().str();
  for (KernelModule &km : seen.modules) {
    auto it = cubins.find(km.name);
    if (it == cubins.end())
      fail("no cubin for kernel module " + km.name);
    writeFile(out("." + km.name + ".ptx"), km.ptx);
    writeFile(out("." + km.name + ".cubin"), it->second);
  }

  // Host code.
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext, stem);
  if (!llvmModule)
    fail("cannot translate the host code of " + inputFile + " to LLVM IR");
  compileHostObject(*llvmModule, out(".host.o"));

  // The manifest (docs/pipeline.md): the entry points that got a C
  // interface, in module order, one argument per line.
  std::string json;
  llvm::raw_string_ostream os(json);
  size_t numEntries = 0;
  {
    llvm::json::OStream j(os, /*IndentSize=*/1);
    j.object([&] {
      j.attribute("format", "samoyeds-compile manifest 1");
      j.attribute("chip", chip.getValue());
      j.attribute("pipeline_options", pipelineOptions.getValue());
      j.attributeArray("functions", [&] {
        for (const EntryPoint &e : seen.entries) {
          if (!llvmModule->getFunction("_mlir_ciface_" + e.name))
            continue;
          ++numEntries;
          j.object([&] {
            j.attribute("name", e.name);
            j.attribute("entry", "_mlir_ciface_" + e.name);
            j.attribute("inputs", static_cast<int64_t>(e.inputs));
            j.attribute("outputs", static_cast<int64_t>(e.arguments.size() - e.inputs));
            j.attributeArray("arguments", [&] {
              for (auto [i, t] : llvm::enumerate(e.arguments))
                j.rawValue([&](llvm::raw_ostream &raw) {
                  llvm::json::OStream line(raw);
                  describeArgument(line, t, i >= e.inputs);
                });
            });
          });
        }
      });
      j.attributeArray("kernel_modules", [&] {
        for (const KernelModule &km : seen.modules)
          j.object([&] {
            j.attribute("name", km.name);
            j.attribute("ptx", stem + "." + km.name + ".ptx");
            j.attribute("cubin", stem + "." + km.name + ".cubin");
            j.attributeArray("kernels", [&] {
              for (const std::string &k : km.kernels)
                j.value(k);
            });
          });
      });
    });
  }
  os << "\n";
  writeFile(out(".manifest.json"), json);

  if (!noShared)
    linkShared(out(".host.o"), out(".so"));
  llvm::outs() << "samoyeds-compile: wrote " << seen.modules.size()
               << " kernel module(s) and host code for " << numEntries
               << " function(s) into " << outputDir << "\n";
  return 0;
}
