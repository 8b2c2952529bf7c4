# Installs llmroute into a test prefix and uses it from a separate consumer project, as a host
# application would (run with cmake -P by CTest):
#   1. cmake --install <build> --prefix <build>/test-prefix, and check the installed files;
#   2. find_package(llmroute 1.0 REQUIRED CONFIG) in consumer/, build, run;
#   3. cc -std=c99 ... main.c $(pkg-config --cflags --libs llmroute), run;
#   4. find_package(llmroute 2.0) must not accept 1.x (SameMajorVersion);
#   5. move the prefix elsewhere and repeat 2 and 3: the package and the .pc file are relocatable.
# Inputs: BUILD_DIR PREFIX WORK_DIR CONSUMER_DIR LIBDIR INCLUDEDIR VERSION VERSION_MAJOR CONFIG
#         GENERATOR MAKE_PROGRAM C_COMPILER C_FLAGS LINKER_FLAGS PKG_CONFIG
cmake_minimum_required(VERSION 3.21)

foreach(var BUILD_DIR PREFIX WORK_DIR CONSUMER_DIR LIBDIR INCLUDEDIR VERSION VERSION_MAJOR
            GENERATOR C_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "install_tree.cmake: ${var} is not set")
  endif()
endforeach()
if(NOT PKG_CONFIG OR PKG_CONFIG MATCHES "-NOTFOUND$")
  message(FATAL_ERROR "pkg-config was not found when the project was configured; install it "
                      "(apt-get install pkg-config) and reconfigure")
endif()

set(moved_prefix "${WORK_DIR}/moved-prefix")
file(REMOVE_RECURSE "${PREFIX}" "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

separate_arguments(c_flags UNIX_COMMAND "${C_FLAGS}")
separate_arguments(linker_flags UNIX_COMMAND "${LINKER_FLAGS}")
set(config_args "")
if(NOT CONFIG STREQUAL "")
  set(config_args --config "${CONFIG}")
endif()

function(fail what)
  message(FATAL_ERROR "install tree test: ${what}")
endfunction()

# ---- 1. install ------------------------------------------------------------------------------
message(STATUS "installing ${BUILD_DIR} into ${PREFIX}")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}"
                        ${config_args}
                OUTPUT_QUIET COMMAND_ERROR_IS_FATAL ANY)

set(expected_files
    "${INCLUDEDIR}/llmroute/llmroute.h"
    "${INCLUDEDIR}/llmroute/version.h"
    "${LIBDIR}/libllmroute.so"
    "${LIBDIR}/libllmroute.so.${VERSION_MAJOR}"
    "${LIBDIR}/libllmroute.so.${VERSION}"
    "${LIBDIR}/pkgconfig/llmroute.pc"
    "${LIBDIR}/cmake/llmroute/llmrouteConfig.cmake"
    "${LIBDIR}/cmake/llmroute/llmrouteConfigVersion.cmake"
    "${LIBDIR}/cmake/llmroute/llmrouteTargets.cmake")
foreach(f IN LISTS expected_files)
  if(NOT EXISTS "${PREFIX}/${f}")
    fail("${f} was not installed")
  endif()
endforeach()
foreach(link libllmroute.so libllmroute.so.${VERSION_MAJOR})
  if(NOT IS_SYMLINK "${PREFIX}/${LIBDIR}/${link}")
    fail("${LIBDIR}/${link} should be a symlink")
  endif()
endforeach()
# The public headers are the whole interface: nothing internal is installed.
file(GLOB_RECURSE headers RELATIVE "${PREFIX}/${INCLUDEDIR}" "${PREFIX}/${INCLUDEDIR}/*")
list(SORT headers)
if(NOT headers STREQUAL "llmroute/llmroute.h;llmroute/version.h")
  fail("unexpected installed headers: ${headers}")
endif()
file(GLOB_RECURSE archives "${PREFIX}/*.a")
if(archives)
  fail("static archives were installed: ${archives}")
endif()
# The installed version.h agrees with the project version.
file(STRINGS "${PREFIX}/${INCLUDEDIR}/llmroute/version.h" version_line
     REGEX "#define LLMR_VERSION_STRING ")
if(NOT version_line MATCHES "\"${VERSION}\"")
  fail("installed version.h says '${version_line}', expected ${VERSION}")
endif()
# Relocatable: no installed text file names the build tree or the install prefix.
file(GLOB_RECURSE text_files "${PREFIX}/${LIBDIR}/cmake/*" "${PREFIX}/${LIBDIR}/pkgconfig/*")
foreach(f IN LISTS text_files)
  file(READ "${f}" content)
  string(FIND "${content}" "${BUILD_DIR}" at)
  if(NOT at EQUAL -1)
    fail("${f} contains the absolute path ${BUILD_DIR}; the package is not relocatable")
  endif()
endforeach()

# ---- helpers ---------------------------------------------------------------------------------
function(run_consumer exe tag)
  execute_process(COMMAND "${exe}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "consumer ok")
    fail("the ${tag} consumer failed (exit ${rc}):\n${out}${err}")
  endif()
  message(STATUS "${tag}: ${out}")
endfunction()

function(check_cmake_consumer prefix tag)
  set(bin "${WORK_DIR}/cmake-${tag}")
  set(args -S "${CONSUMER_DIR}" -B "${bin}" -G "${GENERATOR}"
           "-DCMAKE_PREFIX_PATH=${prefix}"
           "-DCMAKE_C_COMPILER=${C_COMPILER}"
           "-DCMAKE_C_FLAGS=${C_FLAGS}"
           "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}"
           -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
           -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
  if(MAKE_PROGRAM)
    list(APPEND args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
  endif()
  if(NOT CONFIG STREQUAL "")
    list(APPEND args "-DCMAKE_BUILD_TYPE=${CONFIG}")
  endif()
  execute_process(COMMAND "${CMAKE_COMMAND}" ${args} OUTPUT_VARIABLE out
                  COMMAND_ERROR_IS_FATAL ANY)
  # It must have found this prefix's package, not some other llmroute.
  file(REAL_PATH "${prefix}/${LIBDIR}/cmake/llmroute" want_dir)
  if(NOT out MATCHES "llmroute ${VERSION} from ([^\n]*)")
    fail("the ${tag} consumer did not report which llmroute it found:\n${out}")
  endif()
  file(REAL_PATH "${CMAKE_MATCH_1}" got_dir)
  if(NOT got_dir STREQUAL want_dir)
    fail("the ${tag} consumer found llmroute in ${got_dir}, expected ${want_dir}")
  endif()
  execute_process(COMMAND "${CMAKE_COMMAND}" --build "${bin}" ${config_args}
                  OUTPUT_QUIET COMMAND_ERROR_IS_FATAL ANY)
  set(exe "${bin}/consumer")
  if(NOT EXISTS "${exe}" AND NOT CONFIG STREQUAL "")
    set(exe "${bin}/${CONFIG}/consumer")
  endif()
  run_consumer("${exe}" "CMake (${tag})")
endfunction()

function(check_pkgconfig_consumer prefix tag)
  set(ENV{PKG_CONFIG_PATH} "${prefix}/${LIBDIR}/pkgconfig")
  execute_process(COMMAND "${PKG_CONFIG}" --modversion llmroute
                  OUTPUT_VARIABLE modversion OUTPUT_STRIP_TRAILING_WHITESPACE
                  COMMAND_ERROR_IS_FATAL ANY)
  if(NOT modversion STREQUAL VERSION)
    fail("pkg-config --modversion llmroute gives ${modversion}, expected ${VERSION}")
  endif()
  # The relocatable prefix (${pcfiledir}/../..) must land on the real include and lib dirs.
  foreach(pair "includedir;${INCLUDEDIR}" "libdir;${LIBDIR}")
    list(GET pair 0 variable)
    list(GET pair 1 relative)
    execute_process(COMMAND "${PKG_CONFIG}" --variable=${variable} llmroute
                    OUTPUT_VARIABLE value OUTPUT_STRIP_TRAILING_WHITESPACE
                    COMMAND_ERROR_IS_FATAL ANY)
    if(NOT IS_DIRECTORY "${value}")
      fail("pkg-config's ${variable} '${value}' is not a directory (LIBDIR is ${LIBDIR})")
    endif()
    file(REAL_PATH "${value}" got)
    file(REAL_PATH "${prefix}/${relative}" want)
    if(NOT got STREQUAL want)
      fail("pkg-config's ${variable} is ${value} = ${got}, expected ${want}")
    endif()
  endforeach()
  execute_process(COMMAND "${PKG_CONFIG}" --cflags --libs llmroute
                  OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE
                  COMMAND_ERROR_IS_FATAL ANY)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  set(bin "${WORK_DIR}/pkgconfig-${tag}")
  file(MAKE_DIRECTORY "${bin}")
  execute_process(
    COMMAND "${C_COMPILER}" -std=c99 -Wall -Wextra -Werror -pedantic ${c_flags}
            "${CONSUMER_DIR}/main.c" ${flags} "-Wl,-rpath,${prefix}/${LIBDIR}" ${linker_flags}
            -o "${bin}/consumer"
    COMMAND_ERROR_IS_FATAL ANY)
  run_consumer("${bin}/consumer" "pkg-config (${tag})")
endfunction()

# ---- 2. and 3. -------------------------------------------------------------------------------
check_cmake_consumer("${PREFIX}" installed)
check_pkgconfig_consumer("${PREFIX}" installed)

# ---- 4. a 2.0 request does not accept 1.x --------------------------------------------------
if(VERSION_MAJOR EQUAL 1)
  set(v2 "${WORK_DIR}/wants-v2")
  file(MAKE_DIRECTORY "${v2}")
  file(WRITE "${v2}/CMakeLists.txt"
       "cmake_minimum_required(VERSION 3.21)\nproject(wants_v2 NONE)\n"
       "find_package(llmroute 2.0 CONFIG QUIET)\n"
       "if(llmroute_FOUND)\n  message(FATAL_ERROR \"llmroute \${llmroute_VERSION} accepted for 2.0\")\nendif()\n")
  execute_process(COMMAND "${CMAKE_COMMAND}" -S "${v2}" -B "${v2}/build" -G "${GENERATOR}"
                          "-DCMAKE_PREFIX_PATH=${PREFIX}" OUTPUT_QUIET
                  COMMAND_ERROR_IS_FATAL ANY)
endif()

# ---- 5. relocation -------------------------------------------------------------------------
# Move the whole prefix, so that nothing can still point at the old place, and use it there.
file(RENAME "${PREFIX}" "${moved_prefix}")
check_cmake_consumer("${moved_prefix}" moved)
check_pkgconfig_consumer("${moved_prefix}" moved)
file(RENAME "${moved_prefix}" "${PREFIX}")

message(STATUS "install tree OK: CMake package and pkg-config, in place and relocated")
