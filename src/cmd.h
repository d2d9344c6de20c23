/*
 * src/cmd.h: the kmemlab command table.
 *
 * Each command lives in its own file src/cmd-NAME.c and exports one
 * `const struct cmd_entry cmd_NAME_entry`; src/cmd.c lists them in
 * cmd_table and finds them by name or unique prefix.
 *
 * A command's exec function gets the arguments after the command name,
 * with argv[0] the name as the user typed it, and returns the exit status
 * (KML_EXIT_OK, KML_EXIT_RUNTIME or KML_EXIT_USAGE from util.h).  Before
 * it runs, main has called util_set_command(entry->name), so util_error
 * messages read "kmemlab NAME: ...".
 */
#ifndef KMEMLAB_CMD_H
#define KMEMLAB_CMD_H

#include <getopt.h>
#include <stdio.h>

struct cmd_entry {
	const char *name;	/* full name, lower case */
	const char *usage;	/* arguments, one line: "[options]" */
	const char *summary;	/* one line for the command table */
	const char *help;	/* full text: every option with its default */
	int (*exec)(int argc, char **argv);
};

extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_version_entry;
extern const struct cmd_entry cmd_vmem_entry;
extern const struct cmd_entry cmd_gen_entry;
extern const struct cmd_entry cmd_import_entry;
extern const struct cmd_entry cmd_record_entry;
extern const struct cmd_entry cmd_trace_entry;
extern const struct cmd_entry cmd_replay_entry;
extern const struct cmd_entry cmd_runs_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_compare_entry;
extern const struct cmd_entry cmd_sql_entry;
extern const struct cmd_entry cmd_top_entry;

/* cmd_table: every command, in listing order, NULL-terminated. */
extern const struct cmd_entry *const cmd_table[];

/*
 * cmd_find: the command called name, or the only one whose name starts
 * with name; an exact match wins over prefixes.
 * => on failure returns NULL and writes "unknown command 'X' (try
 *    'kmemlab help')" or "ambiguous command 'X', could be: A, B" into
 *    cause[0..len).
 */
const struct cmd_entry *cmd_find(const char *name, char *cause, size_t len);

/* cmd_print_usage: the program's usage line and the command table. */
void cmd_print_usage(FILE *fp);

/* cmd_print_help: "usage: kmemlab NAME USAGE", the summary and the help. */
void cmd_print_help(FILE *fp, const struct cmd_entry *entry);

/*
 * cmd_getopt_reset: prepare getopt_long for a new argument vector: start
 * at argv[1] and report errors ourselves (opterr = 0).
 */
void cmd_getopt_reset(void);

/*
 * cmd_option_error: after getopt_long returned '?' or ':' (the option
 * string must start with ':'), print what was wrong with argv's last
 * option as a usage error and return KML_EXIT_USAGE:
 *   unknown option '--frob' (try 'kmemlab help CMD')
 *   ambiguous option '--s', could be: --strategy, --seed, --size
 *   option '--quantum' needs a value
 *   option '--verbose' takes no value
 * => ch is getopt_long's result, longopts the table given to it.
 * => entry names the command in the hint (NULL: the program itself).
 */
int cmd_option_error(int ch, char **argv, const struct option *longopts,
    const struct cmd_entry *entry);

/*
 * cmd_extra_argument: report "unexpected argument 'ARG'" as a usage error
 * and return KML_EXIT_USAGE.
 */
int cmd_extra_argument(const char *arg);

#endif /* KMEMLAB_CMD_H */
