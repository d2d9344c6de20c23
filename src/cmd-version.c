/*
 * src/cmd-version.c: "kmemlab version", the program's version.
 */
#include "config.h"

#include <stdio.h>

#include "cmd.h"
#include "util.h"

static int cmd_version_exec(int, char **);

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.usage = "",
	.summary = "print the version of kmemlab",
	.help =
	    "Prints \"kmemlab VERSION\" on standard output, as --version and -V\n"
	    "do.\n"
	    "\n"
	    "options:\n"
	    "  -h, --help    print this help and exit\n",
	.exec = cmd_version_exec
};

static const struct option cmd_version_longopts[] = {
	{ "help",	no_argument,	NULL,	'h' },
	{ NULL,		0,		NULL,	0 }
};

/*
 * cmd_version_exec: print "kmemlab VERSION".
 * => no arguments; -h prints the help.
 */
static int
cmd_version_exec(int argc, char **argv)
{
	int ch;

	while ((ch = getopt_long(argc, argv, ":h", cmd_version_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
			cmd_print_help(stdout, &cmd_version_entry);
			return KML_EXIT_OK;
		default:
			return cmd_option_error(ch, argv, cmd_version_longopts,
			    &cmd_version_entry);
		}
	}
	if (optind < argc)
		return cmd_extra_argument(argv[optind]);
	printf("kmemlab %s\n", PACKAGE_VERSION);
	return KML_EXIT_OK;
}
