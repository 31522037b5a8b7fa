#!/bin/bash
# Fake `aws ssm` over a file store: parameter NAME is the file $FAKE_PARAMS/NAME. Every call's arguments are kept in
# $FAKE_PARAMS/.argv, one call per line, so a test can prove no secret was ever an argument. Builtins only: the suite
# makes hundreds of these calls, and each process costs. Run as `aws` (tests/bootstrap.test.ts), or sourced by another
# fake for its ssm calls (tests/host-scripts.test.ts).
#   get-parameter --name NAME ... --output text: the value and a newline, as the real CLI prints a scalar
#     (aws/aws-cli awscli/text.py @0993070, _format_text).
#   put-parameter --name NAME --type TYPE --value file://PATH [--overwrite]: the value loaded as the AWS CLI v2 loads
#     file:// (aws/aws-cli awscli/paramfile.py get_file, awscli/compat.py compat_open @73fb33bb): opened as text in
#     AWS_CLI_FILE_ENCODING (callers must set UTF-8, else the locale decides), with universal newlines (CRLF and CR
#     read as LF). Without --overwrite an existing parameter fails, atomically, as SSM's PutParameter does.
#   delete-parameter --name NAME.
# tests/real/aws-ssm.test.ts holds this fake to the real AWS CLI v2 against moto, byte for byte (npm run test:real).
# A service error exits 254 ("the service returned an error", https://docs.aws.amazon.com/cli/latest/topic/return-codes.html).
[[ "$1" == ssm ]] || { echo "fake aws: unexpected $*" >&2; exit 2; }
printf '%s\n' "$*" >>"$FAKE_PARAMS/.argv"
op="$2"
shift 2
name="" value="" overwrite=no
while [[ $# -gt 0 ]]; do
  case "$1" in
    --name) name="$2"; shift 2 ;;
    --value)
      if [[ "$2" == file://* ]]; then
        [[ "${AWS_CLI_FILE_ENCODING:-}" == UTF-8 ]] || { echo "fake aws: AWS_CLI_FILE_ENCODING is not UTF-8" >&2; exit 252; }
        IFS= read -r -d '' value <"${2#file://}" || true
        value="${value//$'\r\n'/$'\n'}"
        value="${value//$'\r'/$'\n'}"
      else
        value="$2"
      fi
      shift 2 ;;
    --overwrite) overwrite=yes; shift ;;
    *) shift ;;
  esac
done
file="$FAKE_PARAMS$name"
case "$op" in
  get-parameter)
    [[ -f "$file" ]] || { echo "An error occurred (ParameterNotFound) when calling the GetParameter operation: " >&2; exit 254; }
    IFS= read -r -d '' stored <"$file" || true
    printf '%s\n' "$stored" ;;
  put-parameter)
    [[ -d "${file%/*}" ]] || mkdir -p "${file%/*}"
    if [[ $overwrite == yes ]]; then
      printf '%s' "$value" >"$file"
    else
      (set -o noclobber; printf '%s' "$value" >"$file") 2>/dev/null || {
        echo "An error occurred (ParameterAlreadyExists) when calling the PutParameter operation: The parameter already exists. To overwrite this value, set the overwrite option in the request to true." >&2
        exit 254
      }
    fi ;;
  delete-parameter) rm -f "$file" ;;
  *) echo "fake aws: unexpected ssm $op" >&2; exit 2 ;;
esac
