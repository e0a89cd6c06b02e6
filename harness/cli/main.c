/*
 * main.c: the steval command. Thin on purpose: everything lives in cli.c
 * and the modules it calls.
 */
#include "lib/common.h"
#include "harness/cli/cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
