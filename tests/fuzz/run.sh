#!/bin/sh
# tests/fuzz/run.sh: build the libFuzzer harnesses with clang and run each
# for a bounded time (make fuzz).  Environment: FUZZ_CC (clang),
# top_srcdir, top_builddir, FUZZ_TIME (seconds per harness, default 60),
# LIB_SOURCES (the library's .c files, relative to top_srcdir),
# FUZZ_LIBS (the libraries they need: zlib, sqlite3, libm).  Crashes
# are written to fuzz-out/HARNESS/ and fail the run.
set -e
: "${FUZZ_CC:=clang}" "${FUZZ_TIME:=60}" "${FUZZ_LIBS:=-lz -lsqlite3 -lm}"
if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
	echo "make fuzz: $FUZZ_CC not found (apt-get install clang libclang-rt-14-dev)" >&2
	exit 1
fi
srcs=
for f in $LIB_SOURCES; do
	case $f in *.c) srcs="$srcs $top_srcdir/$f" ;; esac
done
for h in trace import text; do
	out=fuzz-out/$h
	mkdir -p "$out/corpus"
	echo "make fuzz: building fuzz_$h"
	"$FUZZ_CC" -std=c11 -D_GNU_SOURCE -g -O1 \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	    -I"$top_builddir" -I"$top_srcdir/lib" \
	    -o "fuzz-out/fuzz_$h" "$top_srcdir/tests/fuzz/fuzz_$h.c" $srcs $FUZZ_LIBS
	echo "make fuzz: running fuzz_$h for $FUZZ_TIME s"
	"fuzz-out/fuzz_$h" -max_total_time="$FUZZ_TIME" -timeout=10 \
	    -artifact_prefix="$out/" "$out/corpus" "$top_srcdir/tests/fuzz/corpus/$h"
done
echo "make fuzz: no crash in $FUZZ_TIME s per harness"
