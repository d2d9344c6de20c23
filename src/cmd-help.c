/*
 * src/cmd-help.c: "kmemlab help [COMMAND]", the command list or one
 * command's full help.
 */
#include "config.h"

#include <stdio.h>

#include "cmd.h"
#include "util.h"

static int cmd_help_exec(int, char **);

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[COMMAND]",
	.summary = "list the commands, or describe one",
	.help =
	    "Without COMMAND, prints the usage of kmemlab and the list of\n"
	    "commands.  With COMMAND (a name or a unique prefix of one), prints\n"
	    "its full help, the same text as 'kmemlab COMMAND --help'.\n"
	    "\n"
	    "options:\n"
	    "  -h, --help    print this help and exit\n",
	.exec = cmd_help_exec
};

static const struct option cmd_help_longopts[] = {
	{ "help",	no_argument,	NULL,	'h' },
	{ NULL,		0,		NULL,	0 }
};

/*
 * cmd_help_exec: print the command list (no argument) or the help of the
 * command named by the only argument.
 * => an unknown or ambiguous name is a usage error.
 */
static int
cmd_help_exec(int argc, char **argv)
{
	const struct cmd_entry *entry;
	char cause[256];
	int ch;

	while ((ch = getopt_long(argc, argv, ":h", cmd_help_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
			cmd_print_help(stdout, &cmd_help_entry);
			return KML_EXIT_OK;
		default:
			return cmd_option_error(ch, argv, cmd_help_longopts,
			    &cmd_help_entry);
		}
	}
	if (optind == argc) {
		cmd_print_usage(stdout);
		return KML_EXIT_OK;
	}
	if (optind + 1 < argc)
		return cmd_extra_argument(argv[optind + 1]);
	if ((entry = cmd_find(argv[optind], cause, sizeof(cause))) == NULL) {
		util_error("%s", cause);
		return KML_EXIT_USAGE;
	}
	cmd_print_help(stdout, entry);
	return KML_EXIT_OK;
}
