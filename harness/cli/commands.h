/*
 * commands.h: one function per subcommand, `int cmd_NAME(int argc, char **argv)`.
 * argv[0] is the subcommand name. Each returns a process exit code (see
 * common.h) and is registered in the table in cli.c. They live in
 * harness/cmd_NAME.c and only glue options to modules.
 */
#ifndef STEVAL_COMMANDS_H
#define STEVAL_COMMANDS_H

/*
 * CLI_FREE_AT_EXIT: whether a command frees everything it holds before the
 * process ends. Under a sanitizer (or with -DCLI_FREE_AT_EXIT=1) always, so
 * leak checks see every allocation freed; otherwise a command whose work is
 * written and synced may end the process at once (exit(), stdio flushed) and
 * leave its memory to the kernel: freeing the items and trees of a big suite
 * one by one costs more than building some of them (steval score).
 */
#ifndef CLI_FREE_AT_EXIT
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CLI_FREE_AT_EXIT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || __has_feature(thread_sanitizer)
#define CLI_FREE_AT_EXIT 1
#endif
#endif
#endif
#ifndef CLI_FREE_AT_EXIT
#define CLI_FREE_AT_EXIT 0
#endif

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
