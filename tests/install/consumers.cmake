# The install tree consumed the way each ecosystem does (tests/install/consumers.py): one CTest
# fixture installs the build into a scratch prefix and checks its layout and RUNPATHs, then one
# test per consumer uses that prefix alone with an empty LD_LIBRARY_PATH. Included by the
# top-level CMakeLists.txt after every subdirectory, so that the package targets are known: a
# consumer is registered when the build makes its package (its toolchain was found).
find_package(Python3 COMPONENTS Interpreter QUIET)
if(NOT Python3_Interpreter_FOUND)
  message(STATUS "llmroute: no python3; the install.consumer.* tests are not registered")
  return()
endif()
if(CMAKE_CXX_FLAGS MATCHES "-fsanitize=")
  message(STATUS "llmroute: sanitizer build; the install.consumer.* tests are not registered")
  return()
endif()
find_program(LLMR_CONSUMER_PKG_CONFIG NAMES pkg-config pkgconf)
find_program(LLMR_CONSUMER_READELF NAMES readelf HINTS "${CMAKE_READELF}")
find_program(LLMR_CONSUMER_GO go)

set(_llmr_parts "")
set(_llmr_consumers pkgconfig cmake)
if(TARGET llmroute-sim)
  list(APPEND _llmr_parts sim)
  list(APPEND _llmr_consumers sim)
endif()
if(TARGET llmroute_java_package)
  list(APPEND _llmr_parts java)
  list(APPEND _llmr_consumers java)
endif()
if(TARGET llmroute_csharp_package)
  list(APPEND _llmr_parts csharp)
  list(APPEND _llmr_consumers csharp)
endif()
if(TARGET llmroute_python_wheel)
  list(APPEND _llmr_parts python)
  list(APPEND _llmr_consumers python)
endif()
if(LLMR_CONSUMER_GO AND LLMR_CONSUMER_PKG_CONFIG AND EXISTS ${PROJECT_SOURCE_DIR}/examples/go-gateway/go.mod)
  list(APPEND _llmr_consumers go)
endif()
string(REPLACE ";" "," _llmr_parts "${_llmr_parts}")

set(_llmr_consumer_args
  --build ${PROJECT_BINARY_DIR}
  --prefix ${PROJECT_BINARY_DIR}/tests/install/consumers-prefix
  --work ${PROJECT_BINARY_DIR}/tests/install/consumers
  --source ${PROJECT_SOURCE_DIR}
  --libdir ${CMAKE_INSTALL_LIBDIR}
  --version ${PROJECT_VERSION}
  --cmake ${CMAKE_COMMAND}
  --config $<CONFIG>
  "--features=${LLMR_FEATURES_SPACED}"
  "--parts=${_llmr_parts}"
  --generator ${CMAKE_GENERATOR}
  "--make-program=${CMAKE_MAKE_PROGRAM}"
  --cc ${CMAKE_C_COMPILER}
  "--pkg-config=${LLMR_CONSUMER_PKG_CONFIG}"
  "--readelf=${LLMR_CONSUMER_READELF}"
  "--java=${Java_JAVA_EXECUTABLE}"
  "--javac=${Java_JAVAC_EXECUTABLE}"
  "--mcs=${LLMR_MCS}"
  "--mono=${LLMR_MONO}"
  "--python=${Python3_EXECUTABLE}"
  "--go=${LLMR_CONSUMER_GO}")
set(_llmr_script ${PROJECT_SOURCE_DIR}/tests/install/consumers.py)

add_test(NAME install.consumers.prefix
  COMMAND ${Python3_EXECUTABLE} ${_llmr_script} install ${_llmr_consumer_args})
# The lock: every `cmake --install` of this build tree rewrites its install_manifest.txt.
set_tests_properties(install.consumers.prefix PROPERTIES LABELS install TIMEOUT 600
  FIXTURES_SETUP llmr_consumers_prefix RESOURCE_LOCK llmr_test_prefix
  FAIL_REGULAR_EXPRESSION "FAILED: ")
foreach(_consumer IN LISTS _llmr_consumers)
  add_test(NAME install.consumer.${_consumer}
    COMMAND ${Python3_EXECUTABLE} ${_llmr_script} ${_consumer} ${_llmr_consumer_args})
  set_tests_properties(install.consumer.${_consumer} PROPERTIES LABELS install TIMEOUT 900
    FIXTURES_REQUIRED llmr_consumers_prefix FAIL_REGULAR_EXPRESSION "FAILED: ")
endforeach()
