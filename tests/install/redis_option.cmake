# LLMR_WITH_REDIS against a machine without hiredis (run with cmake -P by CTest). hiredis is hidden
# from the configure runs below: no pkg-config, and find_path/find_library search only an empty
# folder. Then
#   - LLMR_WITH_REDIS=ON must fail configure, saying hiredis is missing;
#   - LLMR_WITH_REDIS=AUTO must configure, and say so everywhere: version.h defines
#     LLMR_HAVE_REDIS 0, the .pc file's features variable and the CMake package's
#     llmroute_FEATURES do not list redis.
# Inputs: SOURCE_DIR WORK_DIR GENERATOR MAKE_PROGRAM C_COMPILER CXX_COMPILER
cmake_minimum_required(VERSION 3.21)
foreach(var SOURCE_DIR WORK_DIR GENERATOR C_COMPILER CXX_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "redis_option.cmake: ${var} is not set")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}/empty-root")

set(common -S "${SOURCE_DIR}" -G "${GENERATOR}"
  "-DCMAKE_C_COMPILER=${C_COMPILER}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
  -DLLMR_BUILD_TESTS=OFF -DLLMR_BUILD_EXAMPLES=OFF -DLLMR_BUILD_BINDINGS=OFF
  -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON
  "-DCMAKE_FIND_ROOT_PATH=${WORK_DIR}/empty-root"
  -DCMAKE_FIND_ROOT_PATH_MODE_INCLUDE=ONLY -DCMAKE_FIND_ROOT_PATH_MODE_LIBRARY=ONLY)
if(MAKE_PROGRAM)
  list(APPEND common "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()

execute_process(COMMAND "${CMAKE_COMMAND}" ${common} -B "${WORK_DIR}/on" -DLLMR_WITH_REDIS=ON
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "FAILED: LLMR_WITH_REDIS=ON configured without hiredis:\n${out}")
endif()
if(NOT err MATCHES "LLMR_WITH_REDIS=ON but hiredis was not found")
  message(FATAL_ERROR "FAILED: LLMR_WITH_REDIS=ON failed for another reason:\n${out}${err}")
endif()
message(STATUS "LLMR_WITH_REDIS=ON without hiredis: configure fails, as it should")

execute_process(COMMAND "${CMAKE_COMMAND}" ${common} -B "${WORK_DIR}/auto" -DLLMR_WITH_REDIS=AUTO
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "FAILED: LLMR_WITH_REDIS=AUTO did not configure without hiredis:\n${out}${err}")
endif()
if(NOT out MATCHES "Redis shared state OFF")
  message(FATAL_ERROR "FAILED: AUTO without hiredis did not report Redis OFF:\n${out}")
endif()
file(READ "${WORK_DIR}/auto/include/llmroute/version.h" version_h)
if(NOT version_h MATCHES "#define LLMR_HAVE_REDIS 0\n")
  message(FATAL_ERROR "FAILED: version.h without hiredis:\n${version_h}")
endif()
file(STRINGS "${WORK_DIR}/auto/llmroute.pc" features REGEX "^features=")
if(NOT features STREQUAL "features=")
  message(FATAL_ERROR "FAILED: llmroute.pc without hiredis has '${features}'")
endif()
file(STRINGS "${WORK_DIR}/auto/llmrouteConfig.cmake" features REGEX "llmroute_FEATURES")
if(NOT features MATCHES "set\\(llmroute_FEATURES \"\"\\)")
  message(FATAL_ERROR "FAILED: llmrouteConfig.cmake without hiredis has '${features}'")
endif()
message(STATUS "LLMR_WITH_REDIS=AUTO without hiredis: Redis OFF in version.h, .pc and CMake package")
