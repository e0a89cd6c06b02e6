/*
 * cmd_sweep.c: `steval sweep FILE --slurm DIR | --local | --status`.
 */
#include "lib/common.h"
#include "harness/cli/commands.h"
#include "harness/cli/opt.h"
#include "harness/run/sweep.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static const char sweep_help[] =
	"Plan a sweep (models x suites x protocols x option sets, docs/cluster.md) and\n"
	"carry it out: --slurm DIR writes one sbatch job array per (model, suite,\n"
	"protocol, option set) running `steval run --shard auto` (a requeued task\n"
	"resumes its own run), a merge job after each array (afterok), a leaderboard\n"
	"job after every merge, and DIR/submit.sh, which submits them in order;\n"
	"--local runs the same scripts here, one after another, without Slurm;\n"
	"--status says what is done, running, failed or missing.\n"
	"\n"
	"A sweep file (JSON; every field in docs/cluster.md, docs/examples/sweep.json):\n"
	"  {\"models\": [\"openai:gpt-4o\",\n"
	"     {\"name\": \"qwen\", \"model\": \"openai@http://127.0.0.1:{port}/v1:Qwen/Qwen2.5-VL-7B-Instruct\",\n"
	"      \"server\": {\"command\": \"vllm serve ...\", \"port\": 18000},\n"
	"      \"slurm\": {\"gres\": \"gpu:1\", \"shards\": 4}}],\n"
	"   \"suites\": [\"vsi-bench\", {\"suite\": \"vlm4d\", \"protocols\": [\"cot\"]}],\n"
	"   \"options\": {\"limit\": 100}, \"slurm\": {\"partition\": \"gpu\", \"time\": \"04:00:00\"}}\n"
	"\n"
	"Results go under the sweep's \"out\": runs/KEY/shard-I-of-N/, merged/KEY/,\n"
	"leaderboard/SUITE.FMT, logs/ (KEY: SUITE.PROTOCOL.MODEL[.OPTIONS]).\n"
	"\n"
	"exit: 0 done (--status: everything done); 2 bad usage or a bad sweep file;\n"
	"3 --local: a job failed, --status: something is not done yet.";

/* The absolute path of this program, for the scripts to call. */
static char *self_path(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0)
		return xstrdup("steval");
	buf[n] = 0;
	return xstrdup(buf);
}

/* The script running now, in a process group of its own; a signal to
 * steval (Ctrl-C, kill) is passed on to that whole group, as scancel would. */
static volatile sig_atomic_t child_pid, got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
	if (child_pid > 0)
		kill(-(pid_t)child_pid, sig);
}

/* Run `bash SCRIPT` with Slurm's array variables; output appended to log.
 * Returns the exit code (128 + signal when killed), -1 if it could not start. */
static int run_script(const char *script, const char *log, long task, long count)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return error("cannot fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
		char v[32];
		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		if (fd < 0) {
			fprintf(stderr, "steval: error: cannot open '%s': %s\n", log, strerror(errno));
			_exit(127);
		}
		dup2(fd, 1);
		dup2(fd, 2);
		unsetenv("SLURM_JOB_ID");
		if (task >= 0) {
			snprintf(v, sizeof(v), "%ld", task);
			setenv("SLURM_ARRAY_TASK_ID", v, 1);
			snprintf(v, sizeof(v), "%ld", count);
			setenv("SLURM_ARRAY_TASK_COUNT", v, 1);
			setenv("SLURM_ARRAY_TASK_MIN", "0", 1);
			snprintf(v, sizeof(v), "%ld", count - 1);
			setenv("SLURM_ARRAY_TASK_MAX", v, 1);
			setenv("SLURM_ARRAY_JOB_ID", "local", 1);
		} else {
			unsetenv("SLURM_ARRAY_TASK_ID");
			unsetenv("SLURM_ARRAY_TASK_COUNT");
			unsetenv("SLURM_ARRAY_TASK_MIN");
			unsetenv("SLURM_ARRAY_TASK_MAX");
			unsetenv("SLURM_ARRAY_JOB_ID");
		}
		execlp("bash", "bash", script, (char *)NULL);
		fprintf(stderr, "steval: error: cannot run bash: %s\n", strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);   /* also here: no signal may reach it before the child did */
	child_pid = pid;
	if (got_signal)
		kill(-pid, got_signal);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			child_pid = 0;
			return error("waitpid: %s", strerror(errno));
		}
	child_pid = 0;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static int step(const struct sweep *sw, const char *dir, size_t j, enum sweep_script_kind k,
		long task, long count, const char *what)
{
	char *name = sweep_script_name(sw, j, k), *script = path_join(dir, name), *log;
	int rc;

	if (k == SWEEP_ARRAY)
		log = xasprintf("%s/logs/%s.shard-%ld.out", sw->out, sw->jobs[j].key, task);
	else if (k == SWEEP_MERGE)
		log = xasprintf("%s/logs/%s.merge.out", sw->out, sw->jobs[j].key);
	else
		log = xasprintf("%s/logs/leaderboard.out", sw->out);
	if (log_get_level() > LOG_QUIET)
		log_raw("steval: sweep: %s\n", what);
	rc = run_script(script, log, task, count);
	if (rc != 0)
		warnf("sweep: %s: failed (exit %d, see '%s')", what, rc, log);
	free(name);
	free(script);
	free(log);
	return rc;
}

static int sweep_local(const struct sweep *sw)
{
	char *dir = path_join(sw->out, "local"), *logs = path_join(sw->out, "logs");
	size_t j, failed = 0;
	int rc = EXIT_USAGE;
	long i;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	if (sweep_write_scripts(sw, dir) < 0 || mkdir_p(logs) < 0)
		goto out;
	for (j = 0; j < sw->njobs; j++) {
		const struct sweep_job *jb = &sw->jobs[j];
		int ok = 1;
		for (i = 0; i < jb->shards; i++) {
			char *what = xasprintf("[%zu/%zu] %s: shard %ld of %ld", j + 1, sw->njobs, jb->key,
					       i, jb->shards);
			int src = step(sw, dir, j, SWEEP_ARRAY, i, jb->shards, what);
			free(what);
			if (got_signal || src == 130 || src == 143) {
				/* interrupted (Ctrl-C reaches the task too): stop here */
				warnf("sweep: interrupted; 'steval sweep %s --local' again resumes", sw->path);
				rc = EXIT_INCOMPLETE;
				goto out;
			}
			if (src != 0)
				ok = 0;
		}
		if (ok) {
			char *what = xasprintf("[%zu/%zu] %s: merge", j + 1, sw->njobs, jb->key);
			ok = step(sw, dir, j, SWEEP_MERGE, -1, 0, what) == 0;
			free(what);
			if (got_signal) {
				rc = EXIT_INCOMPLETE;
				goto out;
			}
		} else
			warnf("sweep: %s: not merged (a shard failed)", jb->key);
		failed += !ok;
	}
	if (failed) {
		warnf("sweep: %zu of %zu jobs failed; no leaderboard ('steval sweep %s --local' again "
		      "resumes)", failed, sw->njobs, sw->path);
		rc = EXIT_INCOMPLETE;
		goto out;
	}
	if (got_signal || step(sw, dir, 0, SWEEP_LEADERBOARD, -1, 0, "leaderboard") != 0) {
		rc = EXIT_INCOMPLETE;
		goto out;
	}
	printf("%s/leaderboard\n", sw->out);
	rc = EXIT_OK;
out:
	free(dir);
	free(logs);
	return rc;
}

static int sweep_show_status(const struct sweep *sw)
{
	struct sweep_job_status *st = sweep_status(sw);
	size_t j, n[4] = { 0 };
	enum sweep_state lb;
	int all;

	printf("sweep '%s': %s\n", sw->name, sw->out);
	printf("%-8s %-7s %s\n", "STATE", "SHARDS", "JOB");
	for (j = 0; j < sw->njobs; j++) {
		char shards[32];
		snprintf(shards, sizeof(shards), "%zu/%ld", st[j].done, sw->jobs[j].shards);
		printf("%-8s %-7s %s%s%s%s\n", sweep_state_name(st[j].state), shards, sw->jobs[j].key,
		       st[j].detail ? " (" : "", st[j].detail ? st[j].detail : "",
		       st[j].detail ? ")" : "");
		n[st[j].state]++;
	}
	lb = sweep_leaderboard_state(sw);
	printf("%-8s %-7s %s\n", sweep_state_name(lb), "", "leaderboard");
	printf("%zu job%s: %zu done, %zu running, %zu failed, %zu missing\n", sw->njobs,
	       sw->njobs == 1 ? "" : "s", n[SWEEP_DONE], n[SWEEP_RUNNING], n[SWEEP_FAILED],
	       n[SWEEP_MISSING]);
	all = n[SWEEP_DONE] == sw->njobs && lb == SWEEP_DONE;
	sweep_status_free(sw, st);
	return all ? EXIT_OK : EXIT_INCOMPLETE;
}

int cmd_sweep(int argc, char **argv)
{
	const char *slurm = NULL;
	int local = 0, status = 0;
	const struct opt opts[] = {
		{ "slurm", 0, OPT_STR, &slurm, "DIR",
		  "write the sbatch scripts and DIR/submit.sh (prints its path)" },
		{ "local", 0, OPT_FLAG, &local, NULL,
		  "run the plan on this machine, one job after another (again: resumes)" },
		{ "status", 0, OPT_FLAG, &status, NULL,
		  "say what is done, running, failed or missing" },
		OPT_END_MARK,
	};
	const struct opt_cmd cmd = {
		"sweep", "steval sweep FILE --slurm DIR | --local | --status", sweep_help, opts, 1, 1,
	};
	const char **pos = NULL;
	size_t npos;
	struct sweep sw;
	char *self;
	int rc = opt_parse(&cmd, argc, argv, &pos, &npos), loaded = 0;

	if (rc)
		return rc < 0 ? EXIT_USAGE : EXIT_OK;
	rc = EXIT_USAGE;
	if ((slurm != NULL) + local + status != 1) {
		error("sweep: give one of --slurm DIR, --local or --status");
		goto out;
	}
	self = self_path();
	loaded = sweep_load(&sw, pos[0], self) == 0;
	free(self);
	if (!loaded || sweep_check(&sw) < 0 || sweep_plan(&sw) < 0)
		goto out;
	if (slurm) {
		if (sweep_write_scripts(&sw, slurm) < 0)
			goto out;
		printf("%s/submit.sh\n", slurm);
		rc = EXIT_OK;
	} else if (local)
		rc = sweep_local(&sw);
	else
		rc = sweep_show_status(&sw);
out:
	if (loaded)
		sweep_release(&sw);
	free(pos);
	return rc;
}
