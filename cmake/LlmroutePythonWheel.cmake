# The Python package as a wheel that carries libllmroute (as auditwheel-repaired wheels carry
# their libraries): `pip install llmroute-<version>-py3-none-linux_x86_64.whl` is all a user
# needs, in a fresh venv, with no LD_LIBRARY_PATH; the loader looks beside its module first
# (bindings/python/llmroute/_native.py, library_location()).
#
# Built offline with setuptools (`pip wheel --no-build-isolation --no-index`) from a copy of
# bindings/python in the build tree, so the source tree gets no build/ or *.egg-info. Needs an
# interpreter with setuptools >= 61 and wheel (Debian: python3-setuptools python3-wheel); the
# first of ${Python3_EXECUTABLE}, python3 on PATH and /usr/bin/python3 that has both is used.
# Installed into <prefix>/share/llmroute/python/.
#
# Included from bindings/python/CMakeLists.txt once Python3_EXECUTABLE is known. Defines the
# target llmroute_python_wheel (part of ALL) and LLMR_WHEEL_DIR.

# A wheel of a sanitizer-instrumented library would not load into a plain interpreter.
if(CMAKE_CXX_FLAGS MATCHES "-fsanitize=")
  message(STATUS "llmroute: sanitizer build; the Python wheel is not built")
  return()
endif()

file(STRINGS ${CMAKE_CURRENT_SOURCE_DIR}/pyproject.toml _llmr_py_version REGEX "^version = ")
if(NOT _llmr_py_version STREQUAL "version = \"${PROJECT_VERSION}\"")
  message(FATAL_ERROR "bindings/python/pyproject.toml has '${_llmr_py_version}'; the project is "
                      "${PROJECT_VERSION} (CMakeLists.txt project(VERSION)): make them agree")
endif()

set(LLMR_WHEEL_PYTHON "")
find_program(_llmr_path_python3 python3)
foreach(_py IN ITEMS ${Python3_EXECUTABLE} ${_llmr_path_python3} /usr/bin/python3)
  if(NOT EXISTS "${_py}")
    continue()
  endif()
  execute_process(
    COMMAND ${_py} -c "import setuptools, wheel, pip, sys; sys.exit(0 if int(setuptools.__version__.split('.')[0]) >= 61 else 1)"
    RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET)
  if(_rc EQUAL 0)
    set(LLMR_WHEEL_PYTHON ${_py})
    break()
  endif()
endforeach()
if(NOT LLMR_WHEEL_PYTHON)
  message(STATUS "llmroute: no Python with setuptools >= 61, wheel and pip (apt-get install "
                 "python3-setuptools python3-wheel python3-pip); the Python wheel is not built")
  return()
endif()
message(STATUS "llmroute: Python wheel built with ${LLMR_WHEEL_PYTHON}")

set(LLMR_WHEEL_SRC ${CMAKE_CURRENT_BINARY_DIR}/wheel-src)
set(LLMR_WHEEL_DIR ${CMAKE_CURRENT_BINARY_DIR}/dist)
set(LLMR_WHEEL_STAMP ${CMAKE_CURRENT_BINARY_DIR}/wheel.stamp)
file(GLOB _llmr_py_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/llmroute/*.py)
set(_llmr_py_files ${_llmr_py_sources} ${CMAKE_CURRENT_SOURCE_DIR}/llmroute/py.typed)
add_custom_command(OUTPUT ${LLMR_WHEEL_STAMP}
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${LLMR_WHEEL_SRC} ${LLMR_WHEEL_DIR}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${LLMR_WHEEL_SRC}/llmroute ${LLMR_WHEEL_DIR}
  COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_SOURCE_DIR}/pyproject.toml
    ${CMAKE_CURRENT_SOURCE_DIR}/setup.py ${CMAKE_CURRENT_SOURCE_DIR}/README.md ${LLMR_WHEEL_SRC}/
  COMMAND ${CMAKE_COMMAND} -E copy ${_llmr_py_files} ${LLMR_WHEEL_SRC}/llmroute/
  COMMAND ${CMAKE_COMMAND} -DSRC=$<TARGET_FILE:llmroute>
    -DDST=${LLMR_WHEEL_SRC}/llmroute/$<TARGET_SONAME_FILE_NAME:llmroute> -DRUNPATH=
    -P ${PROJECT_SOURCE_DIR}/cmake/scripts/stage_native.cmake
  COMMAND ${CMAKE_COMMAND} -E env PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1
    PYTHONDONTWRITEBYTECODE=1
    ${LLMR_WHEEL_PYTHON} -m pip wheel --no-deps --no-build-isolation --no-index -q
    -w ${LLMR_WHEEL_DIR} ${LLMR_WHEEL_SRC}
  COMMAND ${CMAKE_COMMAND} -E touch ${LLMR_WHEEL_STAMP}
  DEPENDS ${_llmr_py_files} ${CMAKE_CURRENT_SOURCE_DIR}/pyproject.toml
    ${CMAKE_CURRENT_SOURCE_DIR}/setup.py ${CMAKE_CURRENT_SOURCE_DIR}/README.md llmroute
    ${PROJECT_SOURCE_DIR}/cmake/scripts/stage_native.cmake
  COMMENT "wheel llmroute ${PROJECT_VERSION} (with libllmroute)"
  VERBATIM)
add_custom_target(llmroute_python_wheel ALL DEPENDS ${LLMR_WHEEL_STAMP})

install(DIRECTORY ${LLMR_WHEEL_DIR}/ DESTINATION ${CMAKE_INSTALL_DATADIR}/llmroute/python
  FILES_MATCHING PATTERN "*.whl")
