# Sourced by bin/ scripts: prints the home of a JDK 25 or newer, or fails saying where it looked.
find_jdk25() {
  local candidate version
  for candidate in "${JAVA_HOME:-}" $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    [[ -n "$candidate" && -x "$candidate/bin/java" ]] || continue
    version="$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 \
      | sed -n 's/^ *java.specification.version = //p')"
    if [[ "${version%%.*}" =~ ^[0-9]+$ ]] && (( ${version%%.*} >= 25 )); then
      echo "${candidate%/}"
      return 0
    fi
  done
  echo "bitnet: no JDK 25 or newer found in \$JAVA_HOME or /usr/lib/jvm; install Temurin 25" >&2
  return 1
}
