# -*- Python -*-
# The deepc lit suite: FileCheck tests by area (Dialect/, Transforms/, later
# Import/, Conversion/, Codegen/, e2e/) and the GoogleTest unit tests, run as
# one suite so that one summary counts everything.

import os
import sys

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "deepc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir"]
config.excludes = ["CMakeLists.txt", "README.md", "lit.cfg.py",
                   "lit.site.cfg.py", "Unit"]

config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.deepc_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

# FileCheck, not and count come from llvm-19-tools; our tools from the build.
tool_dirs = [config.deepc_tools_dir, config.llvm_tools_dir]
# `deepc` right after `=` is an option value (--emit=deepc), not the tool.
tools = [ToolSubst("deepc-opt", unresolved="fatal"),
         ToolSubst("deepc-run", unresolved="fatal"),
         ToolSubst("deepc-embed-example", unresolved="fatal"),
         ToolSubst("deepc", pre=r".-^/\<=", unresolved="fatal")]
llvm_config.add_tool_substitutions(tools, tool_dirs)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.deepc_tools_dir, append_path=True)

config.substitutions.append(("%deepc_src_root", config.deepc_src_root))
config.substitutions.append(("%deepc_obj_root", config.deepc_obj_root))
# The Python that runs lit (the project's venv, with numpy and onnx), for
# tests that make or check ONNX tensor files.
config.substitutions.append(("%python", sys.executable))

# The CUDA toolkit (nvcc compiles and links even where no GPU runs it):
# tests of --target=cuda say `REQUIRES: nvcc`.
import shutil
_nvcc = shutil.which("nvcc") or ("/usr/local/cuda/bin/nvcc"
                                 if os.access("/usr/local/cuda/bin/nvcc",
                                              os.X_OK) else None)
if _nvcc:
    config.available_features.add("nvcc")
    config.environment["DEEPC_NVCC"] = _nvcc
