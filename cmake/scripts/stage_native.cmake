# Copies a shared library into a package staging folder and gives the copy a RUNPATH relative to
# where it lands (run with cmake -P at build time):
#   SRC        the built library
#   DST        the copy to write (its file name may differ, e.g. the SONAME)
#   RUNPATH    "ORIGIN" for $ORIGIN, "ORIGIN/<rel>" for $ORIGIN/<rel>, or "" to keep none
# The build tree's RUNPATH (absolute, into the build folder) never reaches a package: it is
# replaced, or removed when RUNPATH is empty, and the result is read back and checked.
cmake_minimum_required(VERSION 3.21)
foreach(var SRC DST)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "stage_native.cmake: ${var} is not set")
  endif()
endforeach()
get_filename_component(dir "${DST}" DIRECTORY)
file(MAKE_DIRECTORY "${dir}")
file(REMOVE "${DST}")
# The real file, not a symlink (zip and jar would store the link target's name otherwise).
file(REAL_PATH "${SRC}" real_src)
file(COPY_FILE "${real_src}" "${DST}")

set(want "")
if(RUNPATH MATCHES "^ORIGIN(/.*)?$")
  set(want "\$ORIGIN${CMAKE_MATCH_1}")
elseif(NOT "${RUNPATH}" STREQUAL "")
  message(FATAL_ERROR "stage_native.cmake: RUNPATH must be ORIGIN or ORIGIN/<rel> (got ${RUNPATH})")
endif()

file(READ_ELF "${DST}" RUNPATH have_runpath RPATH have_rpath)
if(want STREQUAL "")
  if(NOT "${have_runpath}${have_rpath}" STREQUAL "")
    file(RPATH_REMOVE FILE "${DST}")
  endif()
else()
  if("${have_runpath}${have_rpath}" STREQUAL "")
    message(FATAL_ERROR "stage_native.cmake: ${SRC} has no RUNPATH entry to rewrite into ${want}")
  endif()
  # The build tree's entry is longer than $ORIGIN[/..], so it is rewritten in place.
  file(RPATH_SET FILE "${DST}" NEW_RPATH "${want}")
endif()
file(READ_ELF "${DST}" RUNPATH got_runpath RPATH got_rpath)
if(NOT "${got_runpath}${got_rpath}" STREQUAL "${want}")
  message(FATAL_ERROR "stage_native.cmake: ${DST} has RUNPATH '${got_runpath}' RPATH "
                      "'${got_rpath}', expected '${want}'")
endif()
