# Sourced by abi-check.sh and abi-update.sh: builds the shared library with debug information
# (abidw and abidiff read its DWARF) and names the pieces both scripts need.
#
#   abi_build [BUILD_DIR]  sets ABI_BUILD_DIR, ABI_LIBRARY (libllmroute.so.X.Y.Z), ABI_VERSION
#                          (project version), ABI_MAJOR, ABI_HEADER_DIRS (abidw/abidiff options)
#                          and ABI_SUPPRESSIONS (the append-only policy, see abi/README.md).
# With BUILD_DIR, that build is used as it is (it must have been built with -g); otherwise the
# library is built in build/abi (RelWithDebInfo, library only).

abi_build() {
  ABI_VERSION=$(sed -n 's/^project(llmroute VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
  ABI_MAJOR=${ABI_VERSION%%.*}
  if [ -n "${1:-}" ]; then
    ABI_BUILD_DIR=$1
  else
    ABI_BUILD_DIR=build/abi
    # Source paths relative to the tree in the DWARF (and so in the baseline): the baseline
    # must not depend on where the tree is checked out.
    cmake -S . -B "$ABI_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_C_FLAGS="-fdebug-prefix-map=$PWD=." -DCMAKE_CXX_FLAGS="-fdebug-prefix-map=$PWD=." \
      -DLLMR_BUILD_TESTS=OFF -DLLMR_BUILD_EXAMPLES=OFF -DLLMR_BUILD_BINDINGS=OFF -DLLMR_BUILD_BENCH=OFF >/dev/null
    cmake --build "$ABI_BUILD_DIR" --target llmroute
  fi
  ABI_LIBRARY="$ABI_BUILD_DIR/libllmroute.so.$ABI_VERSION"
  if [ ! -f "$ABI_LIBRARY" ]; then
    echo "abi: $ABI_LIBRARY not found (is $ABI_BUILD_DIR a build of version $ABI_VERSION?)" >&2
    exit 1
  fi
  if ! readelf -S "$ABI_LIBRARY" | grep -q '\.debug_info'; then
    echo "abi: $ABI_LIBRARY has no debug information; build it with -g (RelWithDebInfo)" >&2
    exit 1
  fi
  # Only types declared in the public headers are ABI; version.h is generated into the build.
  ABI_HEADER_DIRS=(include/llmroute "$ABI_BUILD_DIR/include/llmroute")
  ABI_SUPPRESSIONS="$ABI_BUILD_DIR/abi-append-only.suppr"
  abi_write_suppressions "$ABI_SUPPRESSIONS"
}

# The append-only policy for versioned structs: a struct whose first member is
# `uint32_t struct_size` may grow by members appended at its end (the library reads and writes
# no further than the caller's struct_size). The list comes from the header, so a struct without
# struct_size never gets this allowance.
abi_write_suppressions() {
  local out=$1 name
  : >"$out"
  for name in $(awk '
      /^typedef struct llmr_[a-z_]+ \{/ { name = $3; next }
      name != "" && NF > 0 { if ($1 == "uint32_t" && $2 == "struct_size;") print name; name = "" }
    ' include/llmroute/llmroute.h); do
    cat >>"$out" <<EOF
[suppress_type]
  label = $name is versioned by struct_size: members appended at its end are compatible
  type_kind = struct
  name = $name
  has_data_member_inserted_at = end
  has_size_change = yes

EOF
  done
  if [ ! -s "$out" ]; then
    echo "abi: found no struct_size-versioned struct in include/llmroute/llmroute.h" >&2
    exit 1
  fi
}
