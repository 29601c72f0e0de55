# Puts a Node.js that this repository can run on (>= 22.19: type stripping on by default, what `engines`
# asks for) first on PATH. The `node` already on PATH is used when it is new enough; otherwise Node 24 from
# the npm registry's `node` package, installed once into $GAES_NODE_PREFIX (default ~/.cache/gaes/node24).
#
# POSIX sh, to be sourced:  . scripts/use-node.sh && gaes_use_node
# Used by scripts/with-node.sh (the package.json scripts) and .ci/run.

# Succeeds when the node binary $1 is at least 22.19.
gaes_node_ok() {
  gaes_v=$("$1" --version 2>/dev/null) || return 1
  gaes_v=${gaes_v#v}
  gaes_major=${gaes_v%%.*}
  gaes_minor=${gaes_v#*.}
  gaes_minor=${gaes_minor%%.*}
  case "$gaes_major.$gaes_minor" in
    *[!0-9.]* | .* | *.) return 1 ;;
  esac
  [ "$gaes_major" -gt 22 ] || { [ "$gaes_major" -eq 22 ] && [ "$gaes_minor" -ge 19 ]; }
}

# Makes `node` on PATH (and so every child process's) at least 22.19, installing Node 24 if needed.
gaes_use_node() {
  if command -v node >/dev/null 2>&1 && gaes_node_ok node; then
    return 0
  fi
  gaes_prefix=${GAES_NODE_PREFIX:-${HOME:-/root}/.cache/gaes/node24}
  gaes_bin=$gaes_prefix/node_modules/.bin
  if ! gaes_node_ok "$gaes_bin/node"; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "gaes: this needs Node.js >= 22.19, and there is no npm to fetch it with; install Node 22 or 24" >&2
      return 1
    fi
    echo "gaes: Node.js $(node --version 2>/dev/null || echo '(none)') is older than 22.19; installing Node 24 from the npm registry into $gaes_prefix (once)" >&2
    # Install beside the cache and move it into place, so an interrupted install never looks complete.
    gaes_tmp=$gaes_prefix.partial.$$
    rm -rf "$gaes_tmp" && mkdir -p "$gaes_tmp" || return 1
    if ! npm install --prefix "$gaes_tmp" --no-audit --no-fund --prefer-offline --loglevel=error node@24 >&2 ||
      ! gaes_node_ok "$gaes_tmp/node_modules/.bin/node"; then
      rm -rf "$gaes_tmp"
      echo "gaes: installing Node 24 failed (see above); install Node 22 or 24 yourself" >&2
      return 1
    fi
    if gaes_node_ok "$gaes_bin/node"; then
      rm -rf "$gaes_tmp" # another run finished first
    else
      rm -rf "$gaes_prefix" && mv "$gaes_tmp" "$gaes_prefix" || return 1
    fi
  fi
  PATH=$gaes_bin:$PATH
  export PATH
}
