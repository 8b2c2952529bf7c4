"""Only the wheel's tag lives here; everything else is in pyproject.toml.

A wheel built by the project's CMake build carries libllmroute.so.1 inside the package (see
cmake/LlmroutePythonWheel.cmake): it is then tagged py3-none-<platform> (any Python 3, since the
binding is ctypes, but this platform only, since the library is native). Built from a plain
checkout, without the library, it stays a pure py3-none-any wheel that loads an installed
libllmroute.
"""

import glob
import os

from setuptools import setup
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLED = glob.glob(os.path.join(HERE, "llmroute", "libllmroute.so*"))

class BundlingDistribution(Distribution):
    """With the library inside, the package goes to the wheel's root as platform code (platlib),
    not under .data/purelib."""

    def has_ext_modules(self):
        return bool(BUNDLED)


cmdclass = {}
if BUNDLED:
    try:
        from setuptools.command.bdist_wheel import bdist_wheel as _bdist_wheel  # setuptools>=70.1
    except ImportError:
        from wheel.bdist_wheel import bdist_wheel as _bdist_wheel

    class bdist_wheel(_bdist_wheel):
        def get_tag(self):
            _, _, platform = super().get_tag()
            return "py3", "none", platform

    cmdclass["bdist_wheel"] = bdist_wheel

setup(cmdclass=cmdclass, distclass=BundlingDistribution)
