#!/bin/sh
#
# tests/man_lint.sh: lint the manual pages and check that kmemlab(1) lists
# every command.
#
# How: for each page $top_srcdir/man/*.[0-9], run "$MANDOC -Tlint -W warning"
# and report one TAP test per page; the page passes when mandoc exits 0 and
# prints nothing, otherwise mandoc's messages are shown as diagnostics.  A
# second test per page checks that its .Dt line names the page and section
# of its file name (vmem.3 has ".Dt VMEM 3").  Then, for every command in
# the command table (the `.name = "NAME"` of each `struct cmd_entry` in
# $top_srcdir/src/cmd-*.c), one test checks that man/kmemlab.1 documents it
# with an ".It Cm NAME" entry.
#
# Environment: top_srcdir (default: the parent of this script's directory)
# and MANDOC, the mandoc program as configure found it.  MANDOC set but
# empty means configure found no mandoc: the whole test is skipped.  MANDOC
# unset (the script run by hand) means "mandoc from PATH".

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
if [ "${MANDOC+set}" != set ]; then
	MANDOC=$(command -v mandoc 2>/dev/null)
fi

if [ -z "$MANDOC" ]; then
	echo "1..0 # SKIP mandoc not found"
	exit 0
fi

n=0
failed=0

# man_lint_result: print one TAP line for test name $2; $1 is 0 for ok.
# The diagnostic text, if any, is read from the file $3 and shown as "# ".
man_lint_result()
{
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
	if [ -n "$3" ] && [ -s "$3" ]; then
		sed 's/^/# /' "$3"
	fi
}

tmp=${TMPDIR:-/tmp}/man_lint.$$
trap 'rm -f "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# The pages (counted here, walked below by the same glob, so that a
# $top_srcdir with blanks works), and the commands of the command table.
npages=0
for p in "$top_srcdir"/man/*.[0-9]; do
	[ -f "$p" ] && npages=$((npages + 1))
done
# A command's name is the first `.name = "..."` after the line that defines
# its `struct cmd_entry cmd_NAME_entry` (other .name initializers, such as
# those of struct option, do not count).
commands=$(awk '
	/struct cmd_entry[ \t]+cmd_[A-Za-z0-9_]*_entry[ \t]*=/ {
		inentry = 1
	}
	inentry && match($0, /\.name[ \t]*=[ \t]*"[^"]*"/) {
		s = substr($0, RSTART, RLENGTH)
		sub(/^[^"]*"/, "", s)
		sub(/"$/, "", s)
		print s
		inentry = 0
	}' "$top_srcdir"/src/cmd-*.c 2>/dev/null | sort -u)

ncmds=$(printf '%s' "$commands" | grep -c .)
echo "1..$((npages * 2 + ncmds + 2))"

# Both lists must be non-empty, or the tests below would pass vacuously.
: >"$tmp"
[ "$npages" -gt 0 ] || echo "no man/*.[0-9] in $top_srcdir" >"$tmp"
man_lint_result $((npages == 0)) "man pages found ($npages)" "$tmp"
: >"$tmp"
[ "$ncmds" -gt 0 ] || echo "no .name = \"...\" in $top_srcdir/src/cmd-*.c" >"$tmp"
man_lint_result $((ncmds == 0)) "commands found in src/cmd-*.c ($ncmds)" "$tmp"

for p in "$top_srcdir"/man/*.[0-9]; do
	[ -f "$p" ] || continue
	base=${p##*/}
	"$MANDOC" -Tlint -W warning "$p" >"$tmp" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && [ -s "$tmp" ]; then
		rc=1
	fi
	[ $rc -eq 0 ] || echo "$MANDOC exited $rc" >>"$tmp"
	man_lint_result $rc "mandoc -Tlint -W warning man/$base" "$tmp"

	name=${base%.*}
	sect=${base##*.}
	want=$(echo "$name" | tr '[:lower:]' '[:upper:]')
	got=$(sed -n 's/^\.Dt[[:space:]]*//p' "$p" | sed 1q)
	: >"$tmp"
	if [ "$got" = "$want $sect" ]; then
		rc=0
	else
		rc=1
		echo "want '.Dt $want $sect', got '.Dt $got'" >"$tmp"
	fi
	man_lint_result $rc ".Dt of man/$base" "$tmp"
done

for c in $commands; do
	: >"$tmp"
	if grep -Eq "^\\.It Cm $c( |\$)" "$top_srcdir/man/kmemlab.1" 2>/dev/null; then
		rc=0
	else
		rc=1
		echo "man/kmemlab.1 has no '.It Cm $c' entry" >"$tmp"
	fi
	man_lint_result $rc "kmemlab.1 documents command '$c'" "$tmp"
done

[ $failed -eq 0 ]
