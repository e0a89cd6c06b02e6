/*
 * cli.h: subcommand dispatch, option parsing, --help. The only module that
 * decides the process exit code.
 */
#ifndef STEVAL_CLI_H
#define STEVAL_CLI_H

int cli_main(int argc, char **argv);

#endif
