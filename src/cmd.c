/*
 * src/cmd.c: the command table, command lookup by unique prefix, usage
 * and help printing, and the option error messages shared by every
 * command (see cmd.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "util.h"

/* Listing order: the workbench commands, then the ones about kmemlab itself. */
const struct cmd_entry *const cmd_table[] = {
	&cmd_vmem_entry,
	&cmd_gen_entry,
	&cmd_import_entry,
	&cmd_record_entry,
	&cmd_trace_entry,
	&cmd_replay_entry,
	&cmd_runs_entry,
	&cmd_report_entry,
	&cmd_compare_entry,
	&cmd_sql_entry,
	&cmd_top_entry,
	&cmd_help_entry,
	&cmd_version_entry,
	NULL
};

/* ---- lookup */

/*
 * cmd_append: append str to the NUL-terminated string in buf[0..len),
 * truncating if it does not fit.
 */
static void
cmd_append(char *buf, size_t len, const char *str)
{
	size_t used = strlen(buf);

	if (used + 1 < len)
		snprintf(buf + used, len - used, "%s", str);
}

const struct cmd_entry *
cmd_find(const char *name, char *cause, size_t len)
{
	const struct cmd_entry *const *ep, *found = NULL;
	const char *sep = " ";
	size_t namelen = strlen(name);
	unsigned nfound = 0;

	for (ep = cmd_table; *ep != NULL; ep++) {
		if (strcmp((*ep)->name, name) == 0)
			return *ep;
		if (namelen != 0 && strncmp((*ep)->name, name, namelen) == 0) {
			found = *ep;
			nfound++;
		}
	}
	if (nfound == 1)
		return found;
	if (nfound == 0) {
		snprintf(cause, len, "unknown command '%s' (try 'kmemlab help')",
		    name);
		return NULL;
	}
	snprintf(cause, len, "ambiguous command '%s', could be:", name);
	for (ep = cmd_table; *ep != NULL; ep++) {
		if (strncmp((*ep)->name, name, namelen) != 0)
			continue;
		cmd_append(cause, len, sep);
		cmd_append(cause, len, (*ep)->name);
		sep = ", ";
	}
	return NULL;
}

/* ---- usage and help */

void
cmd_print_usage(FILE *fp)
{
	const struct cmd_entry *const *ep;

	fputs("usage: kmemlab [--version | -V] [--help | -h] COMMAND [ARGS...]\n"
	    "\n"
	    "kmemlab is a workbench for kernel memory allocators.\n"
	    "\n"
	    "options:\n"
	    "  -h, --help       print this help and exit\n"
	    "  -V, --version    print \"kmemlab VERSION\" and exit\n"
	    "\n"
	    "commands (any unique prefix will do):\n", fp);
	for (ep = cmd_table; *ep != NULL; ep++)
		fprintf(fp, "  %-10s %s\n", (*ep)->name, (*ep)->summary);
	fputs("\n"
	    "'kmemlab help COMMAND' or 'kmemlab COMMAND --help' describes a "
	    "command.\n", fp);
}

void
cmd_print_help(FILE *fp, const struct cmd_entry *entry)
{
	fprintf(fp, "usage: kmemlab %s%s%s\n\n%s: %s\n\n%s", entry->name,
	    entry->usage[0] != '\0' ? " " : "", entry->usage, entry->name,
	    entry->summary, entry->help);
}

/* ---- options */

void
cmd_getopt_reset(void)
{
	/* glibc: optind = 0 also resets getopt's internal scanning state. */
	optind = 0;
	opterr = 0;
}

/*
 * cmd_long_name: the name part of a long option argument "--name[=value]"
 * into buf[0..len), without the leading dashes.
 */
static void
cmd_long_name(const char *arg, char *buf, size_t len)
{
	size_t n = strcspn(arg + 2, "=");

	if (n >= len)
		n = len - 1;
	memcpy(buf, arg + 2, n);
	buf[n] = '\0';
}

/*
 * cmd_long_matches: how many long options start with name, and whether
 * one is exactly name (*exactp).
 */
static unsigned
cmd_long_matches(const struct option *longopts, const char *name, int *exactp)
{
	size_t n = strlen(name);
	unsigned count = 0;

	*exactp = 0;
	for (; longopts->name != NULL; longopts++) {
		if (strcmp(longopts->name, name) == 0)
			*exactp = 1;
		if (strncmp(longopts->name, name, n) == 0)
			count++;
	}
	return count;
}

/*
 * cmd_long_error: report an error about the long option at arg (getopt's
 * result ch, its optopt); see cmd_option_error.
 */
static void
cmd_long_error(int ch, const char *arg, const struct option *longopts,
    const char *hint)
{
	char name[64], list[512] = "";
	const struct option *o;
	int exact;

	cmd_long_name(arg, name, sizeof(name));
	if (ch == ':') {
		util_error("option '--%s' needs a value", name);
		return;
	}
	if (optopt != 0) {
		util_error("option '--%s' takes no value", name);
		return;
	}
	if (cmd_long_matches(longopts, name, &exact) < 2 || exact) {
		util_error("unknown option '--%s' (try '%s')", name, hint);
		return;
	}
	for (o = longopts; o->name != NULL; o++) {
		if (strncmp(o->name, name, strlen(name)) != 0)
			continue;
		cmd_append(list, sizeof(list), list[0] == '\0' ? " --" : ", --");
		cmd_append(list, sizeof(list), o->name);
	}
	util_error("ambiguous option '--%s', could be:%s", name, list);
}

/*
 * cmd_is_long_error: true if getopt's error is about the long option
 * argv[optind - 1] rather than a short option in the current group.
 * glibc always steps past a faulty long option, and reports it with
 * optopt 0 (unknown, ambiguous) or the option's val.
 */
static int
cmd_is_long_error(char **argv, const struct option *longopts)
{
	const char *arg;
	char name[64];

	if (optind < 1 || argv[optind - 1] == NULL)
		return 0;
	arg = argv[optind - 1];
	if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
		return 0;
	if (optopt == 0)
		return 1;
	cmd_long_name(arg, name, sizeof(name));
	for (; longopts->name != NULL; longopts++)
		if (strncmp(longopts->name, name, strlen(name)) == 0 &&
		    longopts->val == optopt)
			return 1;
	return 0;
}

int
cmd_option_error(int ch, char **argv, const struct option *longopts,
    const struct cmd_entry *entry)
{
	char hint[64];

	if (entry != NULL)
		snprintf(hint, sizeof(hint), "kmemlab help %s", entry->name);
	else
		snprintf(hint, sizeof(hint), "kmemlab help");
	if (cmd_is_long_error(argv, longopts))
		cmd_long_error(ch, argv[optind - 1], longopts, hint);
	else if (ch == ':')
		util_error("option '-%c' needs a value", optopt);
	else
		util_error("unknown option '-%c' (try '%s')", optopt, hint);
	return KML_EXIT_USAGE;
}

int
cmd_extra_argument(const char *arg)
{
	util_error("unexpected argument '%s'", arg);
	return KML_EXIT_USAGE;
}
