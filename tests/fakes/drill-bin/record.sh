# Sourced by the fakes: appends one line per call to $FAKE_DIR/calls, the tool's name and then each argument, all
# separated by the ASCII unit separator (0x1f), which no argument of the drill runner contains.
record() {
  local line="$1"
  shift
  local a
  for a in "$@"; do line+=$'\x1f'"$a"; done
  printf '%s\n' "$line" >> "$FAKE_DIR/calls"
}
unexpected() {
  echo "fake $(basename "$0"): unexpected arguments: $*" >&2
  exit 2
}
