# Sourced by demo.sh and test.sh: installs the Debian packages a step needs.
# As root it runs apt-get; otherwise it prints the exact apt-get line and stops.
# Go, Java and Maven are expected preinstalled (Debian's golang-go is too old: never install it).

# need_packages PKG... : ensures every named Debian package is installed.
need_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "==> installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
}

# The packages every build needs. hiredis too: the two commands build with Redis shared state
# (-DLLMR_WITH_REDIS=ON, which fails configure without it).
BUILD_PACKAGES=(cmake ninja-build g++ pkgconf nlohmann-json3-dev libhiredis-dev)
