#include "lib/common.h"
#include "harness/cli/judge_opts.h"
#include "lib/log.h"

void judge_cli_init(struct judge_cli *jc)
{
	memset(jc, 0, sizeof(*jc));
	judge_opts_init(&jc->o);
	jc->rpm = -1;
}

int judge_cli_finish(struct judge_cli *jc)
{
	if (jc->conc < 0 || jc->conc > 4096)
		return error("--judge-concurrency must be between 0 and 4096");
	if (jc->rpm < -1)
		return error("--judge-rpm must be 0 or more");
	if (!jc->o.spec && (jc->o.key_env || jc->conc || jc->rpm >= 0))
		return error("--judge-key-env, --judge-concurrency and --judge-rpm need --judge SPEC");
	jc->o.concurrency = jc->conc;
	jc->o.rpm = jc->rpm;
	return 0;
}
