# lit configuration of loom's tests: every .mlir file under test/ is a test,
# run with loom's tools first on the PATH and LLVM's FileCheck/not/count after.
import os

import lit.formats

config.name = "loom"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.loom_obj_root, "test")

config.environment["PATH"] = os.pathsep.join(
    [config.loom_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
# The sanitizer build shares these tests; make its reports fail the test.
config.environment["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0"
config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"

config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%loom_src_root", config.loom_src_root))
config.substitutions.append(
    ("%expect_exit", config.python_executable + " " +
     os.path.join(config.loom_src_root, "test", "Inputs", "expect_exit.py")))
config.substitutions.append(("%onnx_test_data", "/usr/include/onnx/backend/test/data"))
config.substitutions.append(("%loom_obj_root", config.loom_obj_root))

# Partitioned models run as several processes under Open MPI's launcher:
# as root in CI (which mpirun refuses unless told), on fewer cores than
# ranks. Under the sanitizers their leak check is off: Open MPI leaves
# allocations at exit from components it has already unloaded (unnamed
# frames that no suppression can match); every other test checks loomrt's
# leaks.
config.substitutions.append(
    ("%mpirun", "env ASAN_OPTIONS=detect_leaks=0:abort_on_error=0"
     " mpirun --allow-run-as-root --oversubscribe"))

# ../shared/models beside the checkout holds real model files (never
# committed here). CI always has it; tests that need it say REQUIRES: shared-models.
shared_models = os.path.join(os.path.dirname(config.loom_src_root), "shared", "models")
config.substitutions.append(("%shared_models", shared_models))
if os.path.isdir(shared_models):
    config.available_features.add("shared-models")

# C programs that link loomrt: in the sanitizer build loomrt is instrumented,
# so they are built with the same sanitizers.
sanitize = config.loom_sanitize.upper() in ("ON", "1", "TRUE", "YES")
if sanitize:
    # ASan reserves terabytes of address space: tests under `ulimit -v` cannot run.
    config.available_features.add("sanitize")
config.substitutions.append(
    ("%loom_sanitize_cflags", "-fsanitize=address,undefined" if sanitize else ""))

# Python that loads loomrt through ctypes (python/loom/generate.py): in the
# sanitizer build the instrumented loomrt needs the ASan runtime preloaded
# (Python itself is not instrumented, and leaks by design: no leak check).
loomrt_python = config.python_executable
loomrt_env = ""  # the same, before another interpreter (a virtual environment's)
if sanitize:
    import subprocess
    asan_runtime = subprocess.check_output(
        ["clang-22", "-print-file-name=libclang_rt.asan-x86_64.so"], text=True).strip()
    # A process started under that preload must not be one of loom's tools:
    # they link ASan statically, and the runtime refuses a second copy. The
    # Python package runs loom-compile, so it gets one that drops the preload.
    unpreloaded = os.path.join(config.loom_obj_root, "test", "loom-compile-unpreloaded")
    os.makedirs(os.path.dirname(unpreloaded), exist_ok=True)
    with open(unpreloaded, "w") as script:
        script.write("#!/bin/sh\nexec env -u LD_PRELOAD "
                     f"{os.path.join(config.loom_tools_dir, 'loom-compile')} \"$@\"\n")
    os.chmod(unpreloaded, 0o755)
    loomrt_env = (f"env LD_PRELOAD={asan_runtime} ASAN_OPTIONS=detect_leaks=0 "
                  f"LOOM_COMPILE={unpreloaded}")
    loomrt_python = f"{loomrt_env} {config.python_executable}"
config.substitutions.append(("%loomrt_python", loomrt_python))
config.substitutions.append(("%loomrt_env", loomrt_env))
