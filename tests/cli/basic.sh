#!/bin/sh
# tests/cli/basic.sh: the kmemlab program's top level: help, version,
# command lookup by unique prefix, and usage errors (exit status 2 with the
# exact one-line messages of the CLI spec).  Runs $KMEMLAB and checks exit
# status, stdout and stderr of each invocation.

. "$(dirname "$0")/lib.sh"

# The version configure was given, from the build's config.h.
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' \
    "$top_builddir/config.h")
ok "PACKAGE_VERSION found in config.h" test -n "$version"

vmem_summary='run a workload against a vmem arena and print the arena'

# ---- help

run "$KMEMLAB" help
is_status 0 "help: exit 0"
out_line "usage: kmemlab [--version | -V] [--help | -h] COMMAND [ARGS...]" \
    "help: usage line"
out_line "  vmem       $vmem_summary" "help: lists vmem with its summary"
out_line "  help       list the commands, or describe one" \
    "help: lists help with its summary"
out_line "  version    print the version of kmemlab" \
    "help: lists version with its summary"
err_empty "help: nothing on stderr"
cp "$RUN_OUT" "$T/help.out"

run "$KMEMLAB" --help
is_status 0 "--help: exit 0"
ok "--help prints the same as help" cmp -s "$RUN_OUT" "$T/help.out"

run "$KMEMLAB" -h
is_status 0 "-h: exit 0"
ok "-h prints the same as help" cmp -s "$RUN_OUT" "$T/help.out"

run "$KMEMLAB" h
is_status 0 "h (prefix of help): exit 0"
ok "h prints the same as help" cmp -s "$RUN_OUT" "$T/help.out"

# ---- help CMD and CMD --help

run "$KMEMLAB" help vmem
is_status 0 "help vmem: exit 0"
ok "help vmem: first line is the usage" \
    test "$(head -n 1 "$RUN_OUT")" = "usage: kmemlab vmem [options]"
out_line "vmem: $vmem_summary" "help vmem: summary line"
for opt in "-s, --strategy=NAME" "-q, --quantum=SIZE" "-b, --base=ADDR" \
    "-z, --size=SIZE" "-n, --ops=N" "-S, --seed=N" "-m, --max-size=SIZE" \
    "-x, --xalloc=PERCENT" "-i, --import=SIZE" "-f, --script=FILE" \
    "-d, --dump=full|summary" "-v, --verbose" "-h, --help"; do
	out_has "  $opt" "help vmem lists $opt"
done
for default in "(default: instant)" "(default: 4096)" \
    "(default: 0x100000000)" "(default: 16M)" "(default: 1000)" \
    "output (default: 1)" "(default: 64K)" "(default: 20)" \
    "(default: full)"; do
	out_has "$default" "help vmem gives the default $default"
done
out_has "  freeaddr ADDR SIZE" "help vmem describes the script commands"
cp "$RUN_OUT" "$T/help-vmem.out"

run "$KMEMLAB" vmem --help
is_status 0 "vmem --help: exit 0"
ok "vmem --help prints the same as help vmem" \
    cmp -s "$RUN_OUT" "$T/help-vmem.out"

run "$KMEMLAB" vmem -h
is_status 0 "vmem -h: exit 0"
ok "vmem -h prints the same as help vmem" cmp -s "$RUN_OUT" "$T/help-vmem.out"

run "$KMEMLAB" help vm
is_status 0 "help vm (prefix): exit 0"
ok "help vm prints the same as help vmem" cmp -s "$RUN_OUT" "$T/help-vmem.out"

run "$KMEMLAB" help version
is_status 0 "help version: exit 0"
out_line "usage: kmemlab version" "help version: usage line"
out_has "  -h, --help" "help version lists -h, --help"

run "$KMEMLAB" version --help
is_status 0 "version --help: exit 0"
out_line "usage: kmemlab version" "version --help: usage line"

run "$KMEMLAB" help help
is_status 0 "help help: exit 0"
out_line "usage: kmemlab help [COMMAND]" "help help: usage line"

run "$KMEMLAB" help frob
is_status 2 "help frob: exit 2"
err_line "kmemlab help: unknown command 'frob' (try 'kmemlab help')" \
    "help frob: message"
out_empty "help frob: nothing on stdout"

run "$KMEMLAB" help vmem version
is_status 2 "help with two commands: exit 2"
err_line "kmemlab help: unexpected argument 'version'" \
    "help with two commands: message"

# ---- version

for form in --version -V version ver; do
	run "$KMEMLAB" $form
	is_status 0 "$form: exit 0"
	ok "$form: stdout is exactly 'kmemlab $version'" \
	    test "$(cat "$RUN_OUT")" = "kmemlab $version"
	err_empty "$form: nothing on stderr"
done

run "$KMEMLAB" version extra
is_status 2 "version extra: exit 2"
err_line "kmemlab version: unexpected argument 'extra'" \
    "version extra: message"

# ---- lookup errors

run "$KMEMLAB"
is_status 2 "no arguments: exit 2"
out_empty "no arguments: nothing on stdout"
err_line "usage: kmemlab [--version | -V] [--help | -h] COMMAND [ARGS...]" \
    "no arguments: usage on stderr"
err_line "  vmem       $vmem_summary" "no arguments: command list on stderr"

run "$KMEMLAB" frob
is_status 2 "unknown command: exit 2"
ok "unknown command: stderr is exactly the message" \
    test "$(cat "$RUN_ERR")" = "kmemlab: unknown command 'frob' (try 'kmemlab help')"
out_empty "unknown command: nothing on stdout"

run "$KMEMLAB" v
is_status 2 "ambiguous prefix: exit 2"
ok "ambiguous prefix: stderr is exactly the message" \
    test "$(cat "$RUN_ERR")" = "kmemlab: ambiguous command 'v', could be: vmem, version"
out_empty "ambiguous prefix: nothing on stdout"

run "$KMEMLAB" ""
is_status 2 "empty command name: exit 2"
err_line "kmemlab: unknown command '' (try 'kmemlab help')" \
    "empty command name: message"

run "$KMEMLAB" vm --help
is_status 0 "unique prefix vm runs vmem"
ok "vm --help prints the help of vmem" cmp -s "$RUN_OUT" "$T/help-vmem.out"

run "$KMEMLAB" vmemx
is_status 2 "a longer name is not a prefix match: exit 2"
err_line "kmemlab: unknown command 'vmemx' (try 'kmemlab help')" \
    "a longer name: message"

# ---- option errors

run "$KMEMLAB" --frob
is_status 2 "unknown top-level option: exit 2"
err_line "kmemlab: unknown option '--frob' (try 'kmemlab help')" \
    "unknown top-level option: message"

run "$KMEMLAB" -y
is_status 2 "unknown top-level short option: exit 2"
err_line "kmemlab: unknown option '-y' (try 'kmemlab help')" \
    "unknown top-level short option: message"

run "$KMEMLAB" vmem --frob
is_status 2 "vmem --frob: exit 2"
ok "vmem --frob: stderr is exactly the message" \
    test "$(cat "$RUN_ERR")" = "kmemlab vmem: unknown option '--frob' (try 'kmemlab help vmem')"
out_empty "vmem --frob: nothing on stdout"

run "$KMEMLAB" vmem --frob=3
is_status 2 "vmem --frob=3: exit 2"
err_line "kmemlab vmem: unknown option '--frob' (try 'kmemlab help vmem')" \
    "vmem --frob=3: message names the option only"

run "$KMEMLAB" vmem -y
is_status 2 "vmem -y: exit 2"
err_line "kmemlab vmem: unknown option '-y' (try 'kmemlab help vmem')" \
    "vmem -y: message"

run "$KMEMLAB" vmem -vy
is_status 2 "vmem -vy: exit 2"
err_line "kmemlab vmem: unknown option '-y' (try 'kmemlab help vmem')" \
    "vmem -vy: message names the short option"

run "$KMEMLAB" vmem --verbose -yv
is_status 2 "vmem --verbose -yv: exit 2"
err_line "kmemlab vmem: unknown option '-y' (try 'kmemlab help vmem')" \
    "vmem --verbose -yv: message names the short option, not --verbose"

run "$KMEMLAB" vmem --quantum
is_status 2 "vmem --quantum without value: exit 2"
ok "vmem --quantum without value: stderr is exactly the message" \
    test "$(cat "$RUN_ERR")" = "kmemlab vmem: option '--quantum' needs a value"

run "$KMEMLAB" vmem -q
is_status 2 "vmem -q without value: exit 2"
err_line "kmemlab vmem: option '-q' needs a value" \
    "vmem -q without value: message"

run "$KMEMLAB" vmem --verbose=yes
is_status 2 "vmem --verbose=yes: exit 2"
err_line "kmemlab vmem: option '--verbose' takes no value" \
    "vmem --verbose=yes: message"

run "$KMEMLAB" vmem --s=1
is_status 2 "vmem --s=1 (ambiguous): exit 2"
err_line "kmemlab vmem: ambiguous option '--s', could be: --strategy, --size, --seed, --script" \
    "vmem --s=1: message lists the candidates"

run "$KMEMLAB" vmem extra
is_status 2 "vmem with an argument: exit 2"
err_line "kmemlab vmem: unexpected argument 'extra'" \
    "vmem with an argument: message"

run "$KMEMLAB" version --frob
is_status 2 "version --frob: exit 2"
err_line "kmemlab version: unknown option '--frob' (try 'kmemlab help version')" \
    "version --frob: message"

run "$KMEMLAB" help --frob
is_status 2 "help --frob: exit 2"
err_line "kmemlab help: unknown option '--frob' (try 'kmemlab help help')" \
    "help --frob: message"

done_testing
