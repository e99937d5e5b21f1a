"""Installs the `loom` package and records where loom's tools were built.

pyproject.toml holds the package's metadata; this file only adds one step to
the build: loom/_build.py, naming the folder of loom-compile, so that the
installed package finds the tool without PYTHONPATH, PATH or $LOOM_COMPILE.
The folder is $LOOM_BUILD_DIR/bin, else ../build/bin beside this file (the
build scripts/build makes), when it holds loom-compile.
"""
import os

from setuptools import setup
from setuptools.command.build_py import build_py


def tools_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    build = os.environ.get("LOOM_BUILD_DIR") or os.path.join(here, "..", "build")
    tools = os.path.abspath(os.path.join(build, "bin"))
    return tools if os.path.isfile(os.path.join(tools, "loom-compile")) else None


class BuildWithToolsDir(build_py):
    def run(self):
        super().run()
        target = os.path.join(self.build_lib, "loom", "_build.py")
        with open(target, "w") as f:
            f.write('"""Written by setup.py at install time."""\n')
            f.write(f"TOOLS_DIR = {tools_dir()!r}\n")


setup(cmdclass={"build_py": BuildWithToolsDir})
