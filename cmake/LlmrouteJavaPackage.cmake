# The Java package: share/java/llmroute-<version>.jar, the jar a Maven or Gradle user depends on
# (coordinates io.llmroute:llmroute:<version>, bindings/java/pom.xml). Besides the classes it
# carries the JNI library and libllmroute under META-INF/native/<os>-<arch>/, the layout of
# netty-tcnative and sqlite-jdbc, which NativeLoader extracts into a private temporary folder
# when -Dllmroute.jni is not given; the pom and pom.properties sit under META-INF/maven/ as
# Maven itself would put them. Maven cannot build offline on a machine without a populated
# ~/.m2, so CMake assembles the same jar; `mvn package` with the pom gives the same layout.
#
# Included from bindings/java/CMakeLists.txt after the llmroute_jar and llmroute_java targets.
# Defines the target llmroute_java_package (part of ALL) and its install rules.

if(NOT CMAKE_SYSTEM_NAME STREQUAL "Linux")
  message(STATUS "llmroute: the Java package with native libraries is built on Linux only")
  return()
endif()
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(LLMR_JAVA_NATIVE_PLATFORM linux-x86_64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(LLMR_JAVA_NATIVE_PLATFORM linux-aarch_64) # netty's spelling
else()
  message(STATUS "llmroute: no Java native platform name for ${CMAKE_SYSTEM_PROCESSOR}; the "
                 "Java package is not built")
  return()
endif()

# The pom is the source of the Maven coordinates; its version must be the project's.
set(LLMR_POM ${CMAKE_CURRENT_SOURCE_DIR}/pom.xml)
file(READ ${LLMR_POM} _llmr_pom)
string(REGEX REPLACE "<parent>.*</parent>" "" _llmr_pom "${_llmr_pom}")
string(REGEX REPLACE "<dependencies>.*</dependencies>" "" _llmr_pom "${_llmr_pom}")
string(REGEX REPLACE "<build>.*</build>" "" _llmr_pom "${_llmr_pom}")
foreach(_field groupId artifactId version)
  if(NOT _llmr_pom MATCHES "<${_field}>([^<]*)</${_field}>")
    message(FATAL_ERROR "bindings/java/pom.xml has no <${_field}>")
  endif()
  set(LLMR_POM_${_field} "${CMAKE_MATCH_1}")
endforeach()
if(NOT LLMR_POM_version STREQUAL PROJECT_VERSION)
  message(FATAL_ERROR "bindings/java/pom.xml has version ${LLMR_POM_version}; the project is "
                      "${PROJECT_VERSION} (CMakeLists.txt project(VERSION)): make them agree")
endif()

set(LLMR_JAVA_PKG_DIR ${CMAKE_CURRENT_BINARY_DIR}/package)
set(LLMR_JAVA_STAGE ${LLMR_JAVA_PKG_DIR}/stage)
set(LLMR_JAVA_NATIVE_DIR ${LLMR_JAVA_STAGE}/META-INF/native/${LLMR_JAVA_NATIVE_PLATFORM})
set(LLMR_JAVA_MAVEN_DIR ${LLMR_JAVA_STAGE}/META-INF/maven/${LLMR_POM_groupId}/${LLMR_POM_artifactId})
set(LLMR_JAVA_PACKAGE_JAR ${CMAKE_CURRENT_BINARY_DIR}/llmroute-${PROJECT_VERSION}.jar)
get_target_property(_llmr_class_jar llmroute_jar JAR_FILE)

# The load order NativeLoader follows: the dependency first, then the JNI library.
file(GENERATE OUTPUT ${LLMR_JAVA_PKG_DIR}/LIBRARIES
  CONTENT "$<TARGET_SONAME_FILE_NAME:llmroute>\n$<TARGET_FILE_NAME:llmroute_java>\n")
file(WRITE ${LLMR_JAVA_PKG_DIR}/pom.properties
  "groupId=${LLMR_POM_groupId}\nartifactId=${LLMR_POM_artifactId}\nversion=${PROJECT_VERSION}\n")
file(WRITE ${LLMR_JAVA_PKG_DIR}/MANIFEST.MF
  "Automatic-Module-Name: io.llmroute\n"
  "Implementation-Title: llmroute\n"
  "Implementation-Version: ${PROJECT_VERSION}\n"
  "Implementation-Vendor-Id: ${LLMR_POM_groupId}\n")

set(_llmr_stage_native ${PROJECT_SOURCE_DIR}/cmake/scripts/stage_native.cmake)
add_custom_command(OUTPUT ${LLMR_JAVA_PACKAGE_JAR}
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${LLMR_JAVA_STAGE}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${LLMR_JAVA_STAGE} ${LLMR_JAVA_MAVEN_DIR}
  COMMAND ${CMAKE_COMMAND} -E chdir ${LLMR_JAVA_STAGE} ${Java_JAR_EXECUTABLE} xf ${_llmr_class_jar}
  COMMAND ${CMAKE_COMMAND} -E rm -f ${LLMR_JAVA_STAGE}/META-INF/MANIFEST.MF
  # The JNI library finds libllmroute beside it, wherever the loader extracts the two.
  COMMAND ${CMAKE_COMMAND} -DSRC=$<TARGET_FILE:llmroute_java>
    -DDST=${LLMR_JAVA_NATIVE_DIR}/$<TARGET_FILE_NAME:llmroute_java> -DRUNPATH=ORIGIN
    -P ${_llmr_stage_native}
  COMMAND ${CMAKE_COMMAND} -DSRC=$<TARGET_FILE:llmroute>
    -DDST=${LLMR_JAVA_NATIVE_DIR}/$<TARGET_SONAME_FILE_NAME:llmroute> -DRUNPATH=
    -P ${_llmr_stage_native}
  COMMAND ${CMAKE_COMMAND} -E copy ${LLMR_JAVA_PKG_DIR}/LIBRARIES ${LLMR_JAVA_NATIVE_DIR}/LIBRARIES
  COMMAND ${CMAKE_COMMAND} -E copy ${LLMR_POM} ${LLMR_JAVA_MAVEN_DIR}/pom.xml
  COMMAND ${CMAKE_COMMAND} -E copy ${LLMR_JAVA_PKG_DIR}/pom.properties
    ${LLMR_JAVA_MAVEN_DIR}/pom.properties
  COMMAND ${CMAKE_COMMAND} -E rm -f ${LLMR_JAVA_PACKAGE_JAR}
  COMMAND ${Java_JAR_EXECUTABLE} --create --file ${LLMR_JAVA_PACKAGE_JAR}
    --manifest ${LLMR_JAVA_PKG_DIR}/MANIFEST.MF -C ${LLMR_JAVA_STAGE} .
  DEPENDS ${_llmr_class_jar} llmroute_java llmroute ${LLMR_POM}
    ${LLMR_JAVA_PKG_DIR}/LIBRARIES ${LLMR_JAVA_PKG_DIR}/pom.properties
    ${LLMR_JAVA_PKG_DIR}/MANIFEST.MF ${_llmr_stage_native}
  COMMENT "jar llmroute-${PROJECT_VERSION}.jar (classes, native libraries, pom)"
  VERBATIM)
add_custom_target(llmroute_java_package ALL DEPENDS ${LLMR_JAVA_PACKAGE_JAR})
# Ordering only: a file dependency on the class jar, not on add_jar's always-out-of-date target.
add_dependencies(llmroute_java_package llmroute_jar)

# Installed: the jar (Debian's /usr/share/java convention: versioned file plus an unversioned
# link), and the JNI library for -Djava.library.path users in <libdir>/jni
# (Debian's place for JNI libraries), finding libllmroute one level up.
install(FILES ${LLMR_JAVA_PACKAGE_JAR} DESTINATION ${CMAKE_INSTALL_DATADIR}/java)
install(CODE "file(CREATE_LINK llmroute-${PROJECT_VERSION}.jar
  \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/java/llmroute.jar\" SYMBOLIC)")
install(FILES ${LLMR_POM} DESTINATION ${CMAKE_INSTALL_DATADIR}/maven-repo/io/llmroute/llmroute/${PROJECT_VERSION}
  RENAME llmroute-${PROJECT_VERSION}.pom)
# A Maven repository layout too (Debian's /usr/share/maven-repo), so that a Maven build can
# depend on io.llmroute:llmroute from <prefix>/share/maven-repo as a file:// repository.
install(CODE "file(CREATE_LINK ../../../../../java/llmroute-${PROJECT_VERSION}.jar
  \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/maven-repo/io/llmroute/llmroute/${PROJECT_VERSION}/llmroute-${PROJECT_VERSION}.jar\" SYMBOLIC)")
set_target_properties(llmroute_java PROPERTIES INSTALL_RPATH "\$ORIGIN/..")
install(TARGETS llmroute_java LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/jni)
