/*
 * src/kmemlab.c: the kmemlab program: top-level options and dispatch to
 * a command (see cmd.h for the table and cli-spec for the interface).
 *
 *   kmemlab [--version | -V] [--help | -h] COMMAND [ARGS...]
 *
 * Exit status: 0 success, 1 runtime error, 2 usage error.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "util.h"

static const struct option kmemlab_longopts[] = {
	{ "help",	no_argument,	NULL,	'h' },
	{ "version",	no_argument,	NULL,	'V' },
	{ NULL,		0,		NULL,	0 }
};

/*
 * kmemlab_run: look up the command named argv[0] and run it with argv.
 * => returns its exit status, or KML_EXIT_USAGE if there is no such
 *    command (one, unambiguous).
 */
static int
kmemlab_run(int argc, char **argv)
{
	const struct cmd_entry *entry;
	char cause[256];

	if ((entry = cmd_find(argv[0], cause, sizeof(cause))) == NULL) {
		util_error("%s", cause);
		return KML_EXIT_USAGE;
	}
	util_set_command(entry->name);
	cmd_getopt_reset();
	return entry->exec(argc, argv);
}

int
main(int argc, char **argv)
{
	int ch, status;

	/* '+': stop at the command name, whose options are its own. */
	cmd_getopt_reset();
	while ((ch = getopt_long(argc, argv, "+:hV", kmemlab_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
			cmd_print_usage(stdout);
			return KML_EXIT_OK;
		case 'V':
			printf("kmemlab %s\n", PACKAGE_VERSION);
			return KML_EXIT_OK;
		default:
			return cmd_option_error(ch, argv, kmemlab_longopts, NULL);
		}
	}
	if (optind >= argc) {
		cmd_print_usage(stderr);
		return KML_EXIT_USAGE;
	}
	status = kmemlab_run(argc - optind, argv + optind);
	/* A command that failed has said why; one that did not may have lost output. */
	if ((fflush(stdout) != 0 || ferror(stdout)) && status == KML_EXIT_OK) {
		util_error("error writing output");
		return KML_EXIT_RUNTIME;
	}
	return status;
}
