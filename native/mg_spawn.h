// mg_spawn.h: what the two halves of the native spawner share: the types of a run and of a spawner, and the
// few functions the N-API side (mg_spawn.c) calls in the I/O thread's half (io_loop.c).
#ifndef MG_SPAWN_H
#define MG_SPAWN_H
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define READ_CHUNK 65536
#define NO_TIME INT64_MAX
// Slots of the shared group list (see `shared` below): [0] = count, then the process group ids.
#define SHARED_SLOTS 65536

enum { TAG_WAKE = 0, TAG_OUT = 1, TAG_ERR = 2, TAG_PIDFD = 3 };
enum { F_TIMED_OUT = 1, F_ABORTED = 2, F_FORCED = 4, F_OUT_TRUNC = 8, F_ERR_TRUNC = 16 };

typedef struct {
  char *data;
  size_t len, cap;
  uint64_t seen;
} out_buf_t;

typedef struct run {
  uint32_t id;
  char **argv;  // NULL-terminated, owned
  char **envp;  // NULL-terminated, owned; NULL: the environment the spawner was made with
  char *cwd;
  int64_t timeout_ns, grace_ns, drain_ns;
  uint64_t max_out;
  pid_t pid;
  int pidfd, fd[2], open;
  bool exited, reaped, terminating, timed_out, aborted, forced, done;
  bool status_lost;  // someone else reaped it (ECHILD): answered with neither exit code nor signal
  int status, spawn_errno;
  int64_t t0, deadline, kill_at, drain_at, final_at;
  double started_wall_ms, duration_ms;
  out_buf_t buf[2];
  struct run *next;  // in exactly one list at a time: incoming, active or done
} run_t;

typedef struct {
  pthread_t thread;
  bool thread_started;
  pthread_mutex_t mu;
  int ep, wake, devnull;
  // Signals the worker ignores (SIGPIPE, Node's): reset to default in every plugin. Only these: the child pays one
  // sigaction per signal in the set while the spawning thread waits, and exec resets handled signals anyway.
  sigset_t ignored;
  char **base_env;  // snapshot of environ at creation
  run_t *incoming;  // main thread -> I/O thread (mu)
  uint32_t *cancels;  // ids to abort (mu)
  size_t n_cancels, cap_cancels;
  int quit;          // 1: leave once no run is left; 2: leave now (process exit), SIGKILL every group (mu)
  bool abort_all;    // destroy(): abort every run (mu)
  run_t *done;       // I/O thread -> main thread (mu)
  run_t *done_tail;
  // Live process groups, for killAll() from the main thread. Their own lock, held by the I/O thread from before
  // a spawn until its group is listed, so that killAll() never runs between a plugin's exec and its listing.
  pthread_mutex_t groups_mu;
  pid_t *groups;  // (groups_mu)
  size_t n_groups, cap_groups;
  // The same list in a file that the guard process (perl/mg-guard.pl) maps by reading it once the worker is gone,
  // even by SIGKILL: it then kills these groups. [0] = count; a slot is written before the count covers it.
  // A worker killed between a plugin's exec and this listing (microseconds) leaves that one plugin. (groups_mu)
  int32_t *shared;
  napi_threadsafe_function tsfn;
  bool tsfn_released;   // released by stop() or finalize (main thread)
  bool tsfn_finalized;  // Node destroyed it (main thread)
  int refs;             // the JS handle and the thread-safe function: the last to go frees this (main thread)
  // I/O thread only
  run_t *active;
  run_t *finished;  // answered this loop turn; handed over at its end, so no event of the turn sees freed memory
  run_t *finished_tail;
  pid_t *strays;
  size_t n_strays, cap_strays;
  bool polling;  // a run without a pidfd: look at waitpid every millisecond
  bool no_pidfd;  // create(..., true): never open pidfds (tests of the polling path)
} spawner_t;

int64_t mono_ns(void);
void free_strv(char **v);
void free_run(run_t *r);
// Adds fd to the I/O thread's epoll set; events carry the run and a TAG_* in the low bits (r NULL: the wake fd).
void epoll_add(spawner_t *s, int fd, run_t *r, int tag);
// Wakes the I/O thread (its eventfd): a request, a cancel or a stop is waiting.
void wake_thread(spawner_t *s);
// The I/O thread: starts queued runs, watches them, keeps their deadlines, hands finished ones over.
void *io_main(void *arg);

#endif
