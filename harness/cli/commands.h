/*
 * commands.h: one function per subcommand, `int cmd_NAME(int argc, char **argv)`.
 * argv[0] is the subcommand name. Each returns a process exit code (see
 * common.h) and is registered in the table in cli.c. They live in
 * harness/cmd_NAME.c and only glue options to modules.
 */
#ifndef STEVAL_COMMANDS_H
#define STEVAL_COMMANDS_H

/* Registered in cli.c; add new commands here and in its table. */
int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_judge(int argc, char **argv);
int cmd_frames(int argc, char **argv);
int cmd_cache(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_cat(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_leaderboard(int argc, char **argv);
int cmd_sweep(int argc, char **argv);

#endif
