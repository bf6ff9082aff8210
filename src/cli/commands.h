/* The subcommands of the stsdane command line. Each returns an exit status. */
#ifndef SD_CLI_COMMANDS_H
#define SD_CLI_COMMANDS_H

int sd_cmd_check(int argc, char **argv);
int sd_cmd_scan(int argc, char **argv);
int sd_cmd_report(int argc, char **argv);
int sd_cmd_lint(int argc, char **argv);
int sd_cmd_diff(int argc, char **argv);
int sd_cmd_plan(int argc, char **argv);

#endif
