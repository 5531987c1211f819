# lit configuration of the samoyeds regression tests.
import os
import shutil
import subprocess

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "SAMOYEDS"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".py"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "Inputs", "helpers"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.samoyeds_obj_root, "test")

config.environment["FILECHECK_OPTS"] = "-enable-var-scope"
llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.use_default_substitutions()

# Debian's python3 has numpy (the pyenv one on developer machines may not).
python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"
config.substitutions.append(("%python", python))
config.substitutions.append(("%samoyeds_src", config.samoyeds_src_root))
config.substitutions.append(("%samoyeds_lib", config.samoyeds_lib_dir))
config.substitutions.append(("%mlir_lib", config.mlir_lib_dir))
# Shared libraries an mlir-runner execution test needs.
runner_libs = ",".join([
    os.path.join(config.mlir_lib_dir, "libmlir_runner_utils.so"),
    os.path.join(config.mlir_lib_dir, "libmlir_c_runner_utils.so"),
    os.path.join(config.samoyeds_lib_dir, "libsamoyeds_cpu_runtime.so"),
])
config.substitutions.append(("%runner_libs", runner_libs))

config.environment["PATH"] = os.pathsep.join(
    [config.cuda_bin_dir, config.environment.get("PATH", "")])
llvm_config.with_environment("PATH", config.samoyeds_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
tool_dirs = [config.samoyeds_tools_dir, config.llvm_tools_dir]
tools = ["samoyeds-opt", "mlir-runner", "mlir-translate", "llc",
         "samoyeds-compile"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# GPU tests run only where a CUDA GPU answers.
def _has_cuda_gpu():
    smi = shutil.which("nvidia-smi")
    if not smi:
        return False
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=20)
        return out.returncode == 0 and "GPU" in out.stdout
    except Exception:
        return False

if _has_cuda_gpu():
    config.available_features.add("cuda-gpu")
if os.path.exists(os.path.join(config.cuda_bin_dir, "ptxas")):
    config.available_features.add("ptxas")
