"""Where the C++ headers and the CMake package of the installed onyxrt live, for programs that
embed the C++ core: find_package(onyxrt) with -Donyxrt_DIR=<get_cmake_dir()>."""

from __future__ import annotations

from pathlib import Path

from . import _C

# The installed tree (headers, libonyxrt, CMake files) lies beside the compiled module; found from
# it rather than from this file, which an editable install serves from the source folder.
_PACKAGE = Path(_C.__file__).resolve().parent


def get_include() -> str:
    """The folder holding onyxrt/onyxrt.hpp and onyxrt/onyxrt_c.h."""
    return str(_PACKAGE / "include")


def get_cmake_dir() -> str:
    """The folder holding onyxrtConfig.cmake."""
    return str(_PACKAGE / "lib" / "cmake" / "onyxrt")


def get_library_dir() -> str:
    """The folder holding libonyxrt."""
    return str(_PACKAGE / "lib")
