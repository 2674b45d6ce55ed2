#!/usr/bin/env bash
# Compiles the shim and its real TT-NN adapter against the headers of a tt-metal source tree or
# install, syntax only (-fsyntax-only): nothing is linked or run, no card is needed.
#
#   TT_METAL_HOME=/path/to/tt-metal [BTT_DEPS_INCLUDE=dir1:dir2:...] [BTT_TTNN_API_DATE=YYYYMMDD] \
#     backend-tenstorrent/native/shim/check_real_headers.sh
#
# TT_METAL_HOME   the tt-metal tree (its ttnn/, tt_metal/ and tt_stl/ folders are the include roots).
# BTT_DEPS_INCLUDE  include folders of tt-metal's header-only dependencies (fmt, enchantum, xtensor,
#                 xtl, tt-umd device/api, boost-ext/reflect, tt-logger, spdlog, Tracy public/,
#                 nlohmann-json, Boost), colon-separated; the versions are pinned in
#                 $TT_METAL_HOME/third_party/CMakeLists.txt. Without it, a tree tt-metal built itself
#                 is searched: $TT_METAL_HOME/.cpmcache and tt_metal/third_party.
# BTT_TTNN_API_DATE the API level of the tree for ttnn_compat.hpp (default: that of 622c6fb9).
# CXX             the compiler (default g++).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ -z "${TT_METAL_HOME:-}" ]]; then
  cat >&2 <<'EOF'
check_real_headers.sh: TT_METAL_HOME is not set.
  Point it at a tt-metal source tree (or install) to compile the shim and ttnn_adapter_real.cpp
  against its headers, e.g.
    TT_METAL_HOME=$HOME/tt-metal BTT_DEPS_INCLUDE=... backend-tenstorrent/native/shim/check_real_headers.sh
  See native/shim/VERIFIED_API.md for the command and dependency versions last used.
EOF
  exit 2
fi
root="$TT_METAL_HOME"
if [[ ! -d "$root/ttnn" || ! -d "$root/tt_metal" ]]; then
  echo "check_real_headers.sh: $root has no ttnn/ and tt_metal/ folders; TT_METAL_HOME must be a tt-metal tree" >&2
  exit 2
fi

# The tree and its dependencies are system headers here: their own warnings are not the shim's.
includes=()
for r in ttnn/api ttnn/cpp ttnn tt_metal/api tt_metal/hostdevcommon/api tt_stl . tt_metal; do
  includes+=(-isystem "$root/$r")
done
if [[ -n "${BTT_DEPS_INCLUDE:-}" ]]; then
  IFS=: read -r -a deps <<< "$BTT_DEPS_INCLUDE"
else
  mapfile -t deps < <(find "$root/.cpmcache" "$root/tt_metal/third_party" -maxdepth 4 -type d \
                        \( -name include -o -name public -o -path '*/device/api' \) 2>/dev/null)
fi
for d in "${deps[@]}"; do
  [[ -n "$d" ]] && includes+=(-isystem "$d")
done

cxx="${CXX:-g++}"
flags=(-std=c++20 -fsyntax-only -DNTEST -DSPDLOG_FMT_EXTERNAL -DFMT_HEADER_ONLY
       -DBTT_TTNN_API_DATE="${BTT_TTNN_API_DATE:-20260623}" -Wall -Wextra)
sources=(src/ttnn_adapter_real.cpp src/bitnet_tt_abi.cpp src/primitives.cpp src/recipe.cpp src/values.cpp src/roles.cpp src/adapter_common.cpp)

echo "compiler: $($cxx --version | head -1)"
echo "tt-metal: $root ($(git -C "$root" rev-parse HEAD 2>/dev/null || echo 'not a git checkout'))"
failed=0
for s in "${sources[@]}"; do
  if (cd "$here" && "$cxx" "${flags[@]}" "${includes[@]}" -I../include -Isrc "$s"); then
    echo "OK      $s"
  else
    echo "FAILED  $s"
    failed=1
  fi
done
exit $failed
