# The C# package: LlmRoute.<version>.nupkg, built without the .NET SDK (a .nupkg is a zip with a
# .nuspec and the OPC parts NuGet writes), in NuGet's layout:
#   LlmRoute.nuspec, [Content_Types].xml, _rels/.rels
#   lib/netstandard2.0/LlmRoute.dll           the assembly
#   lib/netstandard2.0/LlmRoute.dll.config    Mono's dllmap to the native library below
#   runtimes/linux-x64/native/libllmroute_csharp.so   RUNPATH $ORIGIN
#   runtimes/linux-x64/native/libllmroute.so.1
# .NET resolves the P/Invoke name "llmroute_csharp" from runtimes/<rid>/native/ by itself; Mono
# follows the dllmap (a path relative to the assembly). The assembly is compiled by mcs against
# Mono's 4.x profile (mscorlib): Debian's Mono ships netstandard.dll only as a type-forwarding
# facade (mono-devel's /usr/lib/mono/4.5/Facades), which a compiler cannot build against alone,
# and the netstandard 2.0 reference assembly (NETStandard.Library) comes from NuGet, which this
# build does not reach. .NET loads such an assembly through its mscorlib compatibility facade.
#
# Installed: the .nupkg in <prefix>/share/llmroute/nuget/ (a local NuGet feed folder), and the
# assembly with its native library in <prefix>/<libdir>/llmroute/csharp/ (Mono finds a P/Invoke
# library beside the assembly; it finds libllmroute through RUNPATH $ORIGIN/../..).
#
# Included from bindings/csharp/CMakeLists.txt after the LlmRoute.dll and llmroute_csharp
# targets. Defines the target llmroute_csharp_package (part of ALL).

if(NOT CMAKE_SYSTEM_NAME STREQUAL "Linux" OR NOT CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  message(STATUS "llmroute: the C# package is built for linux-x64 only")
  return()
endif()
set(LLMR_CS_RID linux-x64)
set(LLMR_CS_TFM netstandard2.0)

set(LLMR_CS_PKG_SRC ${CMAKE_CURRENT_SOURCE_DIR}/package)
set(LLMR_CS_PKG_DIR ${CMAKE_CURRENT_BINARY_DIR}/package)
set(LLMR_CS_STAGE ${LLMR_CS_PKG_DIR}/stage)
set(LLMR_CS_NUPKG ${CMAKE_CURRENT_BINARY_DIR}/LlmRoute.${PROJECT_VERSION}.nupkg)
set(LLMR_CS_NATIVE runtimes/${LLMR_CS_RID}/native)

configure_file(${LLMR_CS_PKG_SRC}/LlmRoute.nuspec.in ${LLMR_CS_PKG_DIR}/LlmRoute.nuspec @ONLY)
set(LLMR_CS_DLLMAP_TARGET ../../${LLMR_CS_NATIVE}/libllmroute_csharp.so)
set(LLMR_CS_DLLMAP_WHERE "in the package's ${LLMR_CS_NATIVE}/")
configure_file(${LLMR_CS_PKG_SRC}/LlmRoute.dll.config.in ${LLMR_CS_PKG_DIR}/LlmRoute.dll.config @ONLY)

set(_llmr_stage_native ${PROJECT_SOURCE_DIR}/cmake/scripts/stage_native.cmake)
set(_llmr_cs_files
  LlmRoute.nuspec [Content_Types].xml _rels/.rels
  lib/${LLMR_CS_TFM}/LlmRoute.dll lib/${LLMR_CS_TFM}/LlmRoute.dll.config
  ${LLMR_CS_NATIVE}/libllmroute_csharp.so ${LLMR_CS_NATIVE}/$<TARGET_SONAME_FILE_NAME:llmroute>)
add_custom_command(OUTPUT ${LLMR_CS_NUPKG}
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${LLMR_CS_STAGE}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${LLMR_CS_STAGE}/_rels
    ${LLMR_CS_STAGE}/lib/${LLMR_CS_TFM} ${LLMR_CS_STAGE}/${LLMR_CS_NATIVE}
  COMMAND ${CMAKE_COMMAND} -E copy ${LLMR_CS_PKG_DIR}/LlmRoute.nuspec ${LLMR_CS_STAGE}/
  COMMAND ${CMAKE_COMMAND} -E copy ${LLMR_CS_PKG_SRC}/content_types.xml
    "${LLMR_CS_STAGE}/[Content_Types].xml"
  COMMAND ${CMAKE_COMMAND} -E copy ${LLMR_CS_PKG_SRC}/rels.in ${LLMR_CS_STAGE}/_rels/.rels
  COMMAND ${CMAKE_COMMAND} -E copy ${LLMR_CS_DLL} ${LLMR_CS_PKG_DIR}/LlmRoute.dll.config
    ${LLMR_CS_STAGE}/lib/${LLMR_CS_TFM}/
  COMMAND ${CMAKE_COMMAND} -DSRC=$<TARGET_FILE:llmroute_csharp>
    -DDST=${LLMR_CS_STAGE}/${LLMR_CS_NATIVE}/libllmroute_csharp.so -DRUNPATH=ORIGIN
    -P ${_llmr_stage_native}
  COMMAND ${CMAKE_COMMAND} -DSRC=$<TARGET_FILE:llmroute>
    -DDST=${LLMR_CS_STAGE}/${LLMR_CS_NATIVE}/$<TARGET_SONAME_FILE_NAME:llmroute> -DRUNPATH=
    -P ${_llmr_stage_native}
  COMMAND ${CMAKE_COMMAND} -E rm -f ${LLMR_CS_NUPKG}
  COMMAND ${CMAKE_COMMAND} -E chdir ${LLMR_CS_STAGE}
    ${CMAKE_COMMAND} -E tar cf ${LLMR_CS_NUPKG} --format=zip -- ${_llmr_cs_files}
  DEPENDS ${LLMR_CS_DLL} llmroute_csharp llmroute ${LLMR_CS_PKG_DIR}/LlmRoute.nuspec
    ${LLMR_CS_PKG_DIR}/LlmRoute.dll.config ${LLMR_CS_PKG_SRC}/content_types.xml
    ${LLMR_CS_PKG_SRC}/rels.in ${_llmr_stage_native}
  COMMENT "nupkg LlmRoute.${PROJECT_VERSION}.nupkg"
  VERBATIM)
add_custom_target(llmroute_csharp_package ALL DEPENDS ${LLMR_CS_NUPKG})

install(FILES ${LLMR_CS_NUPKG} DESTINATION ${CMAKE_INSTALL_DATADIR}/llmroute/nuget)
set(LLMR_CS_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/llmroute/csharp)
install(FILES ${LLMR_CS_DLL} DESTINATION ${LLMR_CS_INSTALL_DIR})
set_target_properties(llmroute_csharp PROPERTIES INSTALL_RPATH "\$ORIGIN/../..")
install(TARGETS llmroute_csharp LIBRARY DESTINATION ${LLMR_CS_INSTALL_DIR})
