/*
 * src/record-bpf.h: the BPF side of "kmemlab record" as the command sees
 * it: what to record, the checks before loading, and a recorder that
 * loads and attaches the programs of record.bpf.c and hands each event
 * of the ring buffer to a callback (see record-bpf.c).
 */
#ifndef KMEMLAB_RECORD_BPF_H
#define KMEMLAB_RECORD_BPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/types.h>

#include "record.h"

/* The events that can be recorded, as --events names them. */
enum record_ev {
	/* kernel: kmem tracepoints */
	RECORD_EV_KMALLOC = 0,
	RECORD_EV_KMALLOC_NODE,
	RECORD_EV_KFREE,
	RECORD_EV_CACHE_ALLOC,
	RECORD_EV_CACHE_ALLOC_NODE,
	RECORD_EV_CACHE_FREE,
	RECORD_EV_PAGE_ALLOC,
	RECORD_EV_PAGE_FREE,
	/* user space: the C library's functions */
	RECORD_EV_MALLOC,
	RECORD_EV_CALLOC,
	RECORD_EV_REALLOC,
	RECORD_EV_FREE,
	RECORD_EV_POSIX_MEMALIGN,
	RECORD_EV_MEMALIGN,
	RECORD_EV_ALIGNED_ALLOC,
	RECORD_EV_VALLOC,
	RECORD_EV_COUNT
};

#define RECORD_EV_BIT(ev)	(1u << (ev))
#define RECORD_EV_KERNEL	(RECORD_EV_BIT(RECORD_EV_MALLOC) - 1)
#define RECORD_EV_USER		(RECORD_EV_BIT(RECORD_EV_COUNT) - 1 - \
				 RECORD_EV_KERNEL)

/* record_ev_name: the --events name of ev ("kmalloc", "malloc", ...). */
const char *record_ev_name(unsigned ev);

/* record_ev_lookup: the event named name, or -1. */
int record_ev_lookup(const char *name);

/* What to record and how. */
struct record_config {
	unsigned rc_events;	/* RECORD_EV_BIT()s to record */
	unsigned rc_asked;	/* those named by --events: missing is an error */
	pid_t rc_self;		/* kmemlab's process: never recorded */
	pid_t rc_target;	/* the process traced, 0: every process */
	const char *rc_target_arg;	/* how the user named it, for messages */
	const char *rc_comm;	/* only threads with this command, NULL: any */
	const char *rc_lib;	/* library for the uprobes (path or name) */
	const char *rc_prefix;	/* prefix of its function names, "" none */
	uint32_t rc_buffer;	/* ring buffer bytes: a power of 2, >= a page */
	bool rc_verbose;	/* libbpf's messages and what was left out */
	bool rc_cache_struct;	/* cache names from the structure (testing) */
};

/*
 * record_check: can this process record on this kernel?  Checks the
 * privileges (root, or CAP_BPF and CAP_PERFMON), the kernel's BTF, and,
 * for kernel events, that tracefs is mounted, mounting it when it is not.
 * => returns 0, or -1 with a one-line message in errbuf.
 */
int record_check(const struct record_config *rc, char *errbuf,
    size_t errlen);

/*
 * Called for each event read from the ring buffer; a negative value
 * stops the reading (record_bpf_poll then fails).
 */
typedef int (*record_fn)(void *arg, const struct kml_rec_event *e);

struct record_bpf;

/*
 * record_bpf_open: open, load and attach the programs rc asks for
 * (kernel events: every asked tracepoint must exist; user events: the
 * library's functions, attached to rc_target only).  fn gets each event.
 * => returns the recorder, or NULL with a one-line message in errbuf.
 */
struct record_bpf *record_bpf_open(const struct record_config *rc,
    record_fn fn, void *arg, char *errbuf, size_t errlen);

/*
 * record_bpf_poll: wait up to timeout_ms (0: not at all) for events and
 * hand every one in the ring buffer to the callback.
 * => returns the events read, or -1 with a message in errbuf (a signal
 *    during the wait is not an error).
 */
int record_bpf_poll(struct record_bpf *rb, int timeout_ms, char *errbuf,
    size_t errlen);

/*
 * record_possible_cpus: the possible CPUs (the entries of
 * record_bpf_drops), 0 if unknown.
 */
unsigned record_possible_cpus(void);

/*
 * record_bpf_drops: the events lost so far on each CPU (ring buffer
 * full) into drops[0..ncpu).
 * => returns 0, or -1 with a message in errbuf.
 */
int record_bpf_drops(struct record_bpf *rb, uint64_t *drops, char *errbuf,
    size_t errlen);

/* record_bpf_close: detach and unload everything (NULL is fine). */
void record_bpf_close(struct record_bpf *rb);

#endif /* KMEMLAB_RECORD_BPF_H */
