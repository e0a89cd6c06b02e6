/* Unit tests: the run-directory lock (lib/rundir_lock.h): one holder, a
 * live holder refused, a dead one or a stale other-host one taken over. */
#include "lib/common.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/rundir_lock.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <setjmp.h>
#include <cmocka.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/steval-lock-XXXXXX";

static void put_lock(const char *text)
{
	char *p = path_join(dir, RUNDIR_LOCK_NAME);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static int lock_exists(void)
{
	char *p = path_join(dir, RUNDIR_LOCK_NAME);
	int r = file_exists(p);

	free(p);
	return r;
}

static void test_parse(void **state)
{
	struct rundir_lock_holder h;
	const char t[] = "pid 42\nhost node-7\ncommand run\nstarted 2026-01-01T00:00:00Z\nheartbeat 1700000000\n";

	(void)state;
	assert_int_equal(rundir_lock_parse(t, strlen(t), &h), 0);
	assert_int_equal(h.pid, 42);
	assert_string_equal(h.host, "node-7");
	assert_string_equal(h.command, "run");
	assert_string_equal(h.started, "2026-01-01T00:00:00Z");
	assert_true(h.heartbeat == 1700000000.0);
	assert_int_equal(rundir_lock_parse("host x\n", 7, &h), -1);
	assert_int_equal(rundir_lock_parse("pid -3\n", 7, &h), -1);
}

static void test_one_holder(void **state)
{
	struct rundir_lock a, b, z;
	struct buf log = BUF_INIT;
	char host[256], want[400];

	(void)state;
	memset(&z, 0, sizeof(z));
	rundir_lock_release(&z);   /* a zeroed lock holds nothing */
	assert_int_equal(rundir_lock_acquire(dir, "run", &a), 0);
	assert_true(rundir_lock_held(&a));
	assert_true(lock_exists());
	/* flock is per open file: a second acquire in this process is refused too */
	log_capture(&log);
	assert_int_equal(rundir_lock_acquire(dir, "judge", &b), -1);
	log_capture(NULL);
	assert_false(rundir_lock_held(&b));
	gethostname(host, sizeof(host));
	snprintf(want, sizeof(want), "in use by pid %ld on host '%s' ('steval run'", (long)getpid(), host);
	assert_non_null(strstr(buf_cstr(&log), want));
	rundir_lock_release(&a);
	rundir_lock_release(&a);   /* twice is harmless */
	assert_false(lock_exists());
	assert_int_equal(rundir_lock_acquire(dir, NULL, &b), 0);
	rundir_lock_release(&b);
	buf_release(&log);
}

static void test_dead_holder(void **state)
{
	struct rundir_lock a;
	struct buf log = BUF_INIT;
	char host[256], text[512];
	pid_t pid = fork();

	(void)state;
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);   /* a pid that is gone */
	gethostname(host, sizeof(host));
	snprintf(text, sizeof(text), "pid %ld\nhost %s\ncommand run\nheartbeat 1\n", (long)pid, host);
	put_lock(text);
	log_capture(&log);
	assert_int_equal(rundir_lock_acquire(dir, "run", &a), 0);
	log_capture(NULL);
	assert_non_null(strstr(buf_cstr(&log), "no longer running"));
	rundir_lock_release(&a);
	buf_release(&log);
}

static void test_other_host(void **state)
{
	struct rundir_lock a;
	struct buf log = BUF_INIT;
	char text[512];

	(void)state;
	/* another host's fresh heartbeat: refused, even though no flock is held here */
	snprintf(text, sizeof(text), "pid 1\nhost other-node.invalid\ncommand run\nheartbeat %.0f\n",
		 wall_now() - 5);
	put_lock(text);
	log_capture(&log);
	assert_int_equal(rundir_lock_acquire(dir, "run", &a), -1);
	assert_non_null(strstr(buf_cstr(&log), "pid 1 on host 'other-node.invalid'"));
	assert_non_null(strstr(buf_cstr(&log), "heartbeat"));
	assert_true(lock_exists());   /* left alone */
	/* a stale one: taken over with a warning */
	buf_reset(&log);
	snprintf(text, sizeof(text), "pid 1\nhost other-node.invalid\nheartbeat %.0f\n",
		 wall_now() - RUNDIR_LOCK_STALE - 10);
	put_lock(text);
	assert_int_equal(rundir_lock_acquire(dir, "run", &a), 0);
	log_capture(NULL);
	assert_non_null(strstr(buf_cstr(&log), "taking over the lock of pid 1 on host 'other-node.invalid'"));
	rundir_lock_release(&a);
	buf_release(&log);
}

static void test_not_a_file(void **state)
{
	struct rundir_lock a;
	struct buf log = BUF_INIT;
	char *p = path_join(dir, RUNDIR_LOCK_NAME);

	(void)state;
	assert_int_equal(symlink("/etc/passwd", p), 0);
	log_capture(&log);
	assert_int_equal(rundir_lock_acquire(dir, "run", &a), -1);
	log_capture(NULL);
	unlink(p);
	free(p);
	buf_release(&log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_one_holder),
		cmocka_unit_test(test_dead_holder),
		cmocka_unit_test(test_other_host),
		cmocka_unit_test(test_not_a_file),
	};
	int rc;

	if (!mkdtemp(dir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return rc;
}
