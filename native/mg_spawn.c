// mg_spawn: the native spawner of mg-workhorse (src/exec/native-spawner.ts, spawner=native).
//
// Why it exists: starting a plugin was the worker's biggest fixed cost. Node's own spawn() forks the whole
// worker and blocks its event loop; the Perl launchers (perl/mg-launcher.pl) vfork cheaply but cost a process
// wake-up, a protocol line each way and about as much CPU as the worker itself per check. Here one I/O thread
// inside the worker does what a launcher does: posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK), no page tables
// copied) into a session and process group of the plugin's own, reads its two pipes, sees its exit on a pidfd,
// enforces the deadline (SIGTERM to the group, SIGKILL after the grace period, the pipe-drain window for
// descendants), and hands the finished run to JavaScript through one thread-safe function call per batch.
// The main thread only queues a request (one eventfd write) and takes the answer.
//
// Run semantics are those of MgWorkhorse::RunLoop (perl/lib), so every spawner gives the same CheckOutcome:
//   deadline     -> timedOut, SIGTERM to the group (and the pid), kill_at = now + grace
//   kill_at      -> SIGKILL to the group; forcefullyKilled when it reached someone; final_at = now + drain
//   exit, pipes still open -> drain_at = now + drain
//   drain_at     -> SIGKILL to the group (forcefullyKilled only when terminating); final_at = now + drain
//   final_at     -> pipes closed, the run is answered (an unreaped child is reaped later as a stray)
// Linux only (epoll, eventfd, pidfd, close_range through posix_spawn_file_actions_addclosefrom_np: glibc 2.34).
#define _GNU_SOURCE
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

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void free_strv(char **v) {
  if (v == NULL) return;
  for (char **p = v; *p != NULL; p++) free(*p);
  free(v);
}

static void free_run(run_t *r) {
  free_strv(r->argv);
  free_strv(r->envp);
  free(r->cwd);
  free(r->buf[0].data);
  free(r->buf[1].data);
  free(r);
}

static bool push_pid(pid_t **arr, size_t *n, size_t *cap, pid_t pid) {
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 64;
    pid_t *na = realloc(*arr, nc * sizeof(pid_t));
    if (na == NULL) return false;
    *arr = na;
    *cap = nc;
  }
  (*arr)[(*n)++] = pid;
  return true;
}

// Removes a group from the list and its shared copy, in the same order (swap with the last, then shorten). (groups_mu)
static void drop_group(spawner_t *s, pid_t pid) {
  for (size_t i = 0; i < s->n_groups; i++) {
    if (s->groups[i] != pid) continue;
    size_t last = s->n_groups - 1;
    s->groups[i] = s->groups[last];
    s->n_groups = last;
    if (s->shared != NULL && last + 1 < SHARED_SLOTS) {
      s->shared[i + 1] = s->groups[i];  // a torn update leaves the last group listed twice, never a stale one
      __atomic_store_n(&s->shared[0], (int32_t)last, __ATOMIC_RELEASE);
    }
    return;
  }
}

static void wake_thread(spawner_t *s) {
  uint64_t one = 1;
  while (write(s->wake, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

// ------------------------------------------------------------------------------------------- the I/O thread

// execvp's lookup, done before the spawn so that ENOENT and EACCES are told apart as execvp tells them: PATH
// from the plugin's environment (KEY=VALUE prefixes may set it), EACCES remembered while searching on.
static int resolve(const char *file, char **envp, char **out) {
  if (file[0] == '\0') return ENOENT;
  if (strchr(file, '/') != NULL) {
    *out = strdup(file);
    return *out == NULL ? ENOMEM : 0;
  }
  const char *path = NULL;
  for (char **e = envp; *e != NULL; e++) {
    if (strncmp(*e, "PATH=", 5) == 0) {
      path = *e + 5;
      break;
    }
  }
  if (path == NULL) path = "/bin:/usr/bin";
  int err = ENOENT;
  size_t flen = strlen(file);
  const char *p = path;
  for (;;) {
    const char *end = strchr(p, ':');
    size_t dlen = end ? (size_t)(end - p) : strlen(p);
    char *cand = malloc(dlen + flen + 3);
    if (cand == NULL) return ENOMEM;
    if (dlen == 0) {
      strcpy(cand, "./");
    } else {
      memcpy(cand, p, dlen);
      cand[dlen] = '/';
      cand[dlen + 1] = '\0';
    }
    strcat(cand, file);
    struct stat st;
    if (stat(cand, &st) == 0) {
      if (!S_ISDIR(st.st_mode) && access(cand, X_OK) == 0) {
        *out = cand;
        return 0;
      }
      err = EACCES;
    }
    free(cand);
    if (end == NULL) break;
    p = end + 1;
  }
  return err;
}

static int do_spawn(spawner_t *s, run_t *r, char **envp, int out_w, int err_w, pid_t *pid) {
  char *path = NULL;
  int rc = resolve(r->argv[0], envp, &path);
  if (rc != 0) return rc;
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&fa, s->devnull, 0);
  posix_spawn_file_actions_adddup2(&fa, out_w, 1);
  posix_spawn_file_actions_adddup2(&fa, err_w, 2);
  // The plugin gets fds 0, 1 and 2 and nothing else, also of fds Node or a library left without close-on-exec.
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  if (r->cwd != NULL) posix_spawn_file_actions_addchdir_np(&fa, r->cwd);
  // A session and process group of its own (timeouts signal the group; no controlling terminal), an empty
  // signal mask and default dispositions: Node ignores SIGPIPE, and an ignored signal would stay ignored
  // across exec (`yes | head` must end by SIGPIPE).
  sigset_t mask;
  sigemptyset(&mask);
  posix_spawnattr_setsigmask(&attr, &mask);
  posix_spawnattr_setsigdefault(&attr, &s->ignored);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  rc = posix_spawn(pid, path, &fa, &attr, r->argv, envp);
  if (rc == ENOEXEC) {
    // execvp runs a file with neither "#!" nor an ELF header with /bin/sh; posix_spawn does not.
    size_t n = 0;
    while (r->argv[n] != NULL) n++;
    char **sh = calloc(n + 2, sizeof(char *));
    if (sh == NULL) {
      rc = ENOMEM;
    } else {
      sh[0] = r->argv[0];
      sh[1] = path;
      for (size_t i = 1; i < n; i++) sh[i + 1] = r->argv[i];
      rc = posix_spawn(pid, "/bin/sh", &fa, &attr, sh, envp);
      free(sh);
    }
  }
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  free(path);
  return rc;
}

static void epoll_add(spawner_t *s, int fd, run_t *r, int tag) {
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)(uintptr_t)r | (uint64_t)tag};
  epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev);
}

static void finish_run(spawner_t *s, run_t *r);

// Every fd leaves the epoll set explicitly before it is closed. close() alone removes it only when no other copy
// of the open file exists, and a child that another thread (or Node's own spawn) is forking holds copies of all
// our fds until its exec: the registration, with its pointer to this run, would outlive the run.
static void unwatch_close(spawner_t *s, int fd) {
  epoll_ctl(s->ep, EPOLL_CTL_DEL, fd, NULL);
  close(fd);
}

static void maybe_finish(spawner_t *s, run_t *r) {
  if (r->done || !r->exited || r->open > 0) return;
  finish_run(s, r);
}

static void start_run(spawner_t *s, run_t *r) {
  r->t0 = mono_ns();
  r->started_wall_ms = wall_ms();
  r->deadline = r->t0 + r->timeout_ns;
  r->kill_at = r->drain_at = r->final_at = NO_TIME;
  r->pidfd = r->fd[0] = r->fd[1] = -1;
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    r->spawn_errno = errno;
    r->exited = true;
    return;
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    r->spawn_errno = errno;
    r->exited = true;
    close(out[0]);
    close(out[1]);
    return;
  }
  pid_t pid = 0;
  pthread_mutex_lock(&s->groups_mu);
  int rc = do_spawn(s, r, r->envp != NULL ? r->envp : s->base_env, out[1], err[1], &pid);
  if (rc == 0 && push_pid(&s->groups, &s->n_groups, &s->cap_groups, pid) && s->shared != NULL && s->n_groups < SHARED_SLOTS) {
    s->shared[s->n_groups] = pid;  // slot n (1-based) = groups[n - 1]
    __atomic_store_n(&s->shared[0], (int32_t)s->n_groups, __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&s->groups_mu);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    close(out[0]);
    close(err[0]);
    r->spawn_errno = rc;
    r->exited = true;
    return;
  }
  r->pid = pid;
  r->fd[0] = out[0];
  r->fd[1] = err[0];
  r->open = 2;
  epoll_add(s, out[0], r, TAG_OUT);
  epoll_add(s, err[0], r, TAG_ERR);
  r->pidfd = s->no_pidfd ? -1 : (int)syscall(SYS_pidfd_open, pid, 0);
  if (r->pidfd >= 0) {  // close-on-exec by definition
    epoll_add(s, r->pidfd, r, TAG_PIDFD);
  } else {
    s->polling = true;  // out of fds, or an old kernel: waitpid every millisecond instead
  }
}

// SIGs the run's group (and the plugin itself, should it have left the group); true when someone got it.
static bool kill_group(run_t *r, int sig) {
  if (r->pid <= 0) return false;
  bool hit = kill(-r->pid, sig) == 0;
  if (!r->exited) kill(r->pid, sig);
  return hit;
}

static void terminate(run_t *r) {
  if (r->terminating || r->done) return;
  r->terminating = true;
  kill_group(r, SIGTERM);
  r->kill_at = mono_ns() + r->grace_ns;
}

static void close_stream(spawner_t *s, run_t *r, int i) {
  if (r->fd[i] < 0) return;
  unwatch_close(s, r->fd[i]);
  r->fd[i] = -1;
  r->open--;
}

static void reap(spawner_t *s, run_t *r) {
  if (r->pid <= 0 || r->reaped) return;
  int status;
  pid_t got;
  do {
    got = waitpid(r->pid, &status, WNOHANG);
  } while (got < 0 && errno == EINTR);
  // ECHILD: something in the process reaped it with waitpid(-1) or SIGCHLD set to SIG_IGN. Its pidfd stays
  // readable, so it must count as reaped, or the loop would spin on it until the deadline.
  if (got == 0 || (got < 0 && errno != ECHILD)) return;
  r->reaped = r->exited = true;
  r->status_lost = got < 0;
  r->status = got < 0 ? 0 : status;
  if (r->pidfd >= 0) {
    unwatch_close(s, r->pidfd);
    r->pidfd = -1;
  }
  if (r->open > 0 && r->drain_at == NO_TIME) r->drain_at = mono_ns() + r->drain_ns;
  maybe_finish(s, r);
}

static void keep_output(run_t *r, int i, const char *chunk, size_t n) {
  out_buf_t *b = &r->buf[i];
  b->seen += n;
  if (b->len >= r->max_out) return;
  size_t room = (size_t)(r->max_out - b->len);
  size_t take = n < room ? n : room;
  if (b->len + take > b->cap) {
    size_t nc = b->cap ? b->cap : 256;
    while (nc < b->len + take) nc *= 2;
    char *nd = realloc(b->data, nc);
    if (nd == NULL) return;  // out of memory: the output is cut here, the run goes on
    b->data = nd;
    b->cap = nc;
  }
  memcpy(b->data + b->len, chunk, take);
  b->len += take;
}

static void read_stream(spawner_t *s, run_t *r, int i) {
  static __thread char chunk[READ_CHUNK];
  if (r->fd[i] < 0) return;
  ssize_t n = read(r->fd[i], chunk, sizeof chunk);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n > 0) return keep_output(r, i, chunk, (size_t)n);
  close_stream(s, r, i);
  if (r->open > 0) return;
  // The last pipe closed: the plugin has most likely exited; reap it now so the answer needs no other turn.
  if (!r->exited) reap(s, r);
  maybe_finish(s, r);
}

static void run_timers(spawner_t *s, run_t *r, int64_t now) {
  if (!r->exited && !r->terminating && now >= r->deadline) {
    r->timed_out = true;
    terminate(r);
  }
  if (r->kill_at != NO_TIME && now >= r->kill_at) {
    r->kill_at = NO_TIME;
    if (kill_group(r, SIGKILL)) r->forced = true;
    r->final_at = now + r->drain_ns;
  }
  if (r->drain_at != NO_TIME && now >= r->drain_at) {
    r->drain_at = NO_TIME;
    if (kill_group(r, SIGKILL) && r->terminating) r->forced = true;
    r->final_at = now + r->drain_ns;
  }
  if (r->final_at != NO_TIME && now >= r->final_at) {
    close_stream(s, r, 0);
    close_stream(s, r, 1);
    r->exited = true;  // a child stuck in the kernel after SIGKILL: answer anyway, reaped later as a stray
    maybe_finish(s, r);
  }
}

static int64_t next_time(const run_t *r) {
  int64_t t = (r->exited || r->terminating) ? NO_TIME : r->deadline;
  if (r->kill_at < t) t = r->kill_at;
  if (r->drain_at < t) t = r->drain_at;
  if (r->final_at < t) t = r->final_at;
  return t;
}

static void finish_run(spawner_t *s, run_t *r) {
  r->done = true;
  r->duration_ms = (double)(mono_ns() - r->t0) / 1e6;
  if (r->pidfd >= 0) {
    unwatch_close(s, r->pidfd);
    r->pidfd = -1;
  }
  if (r->pid > 0 && !r->reaped) push_pid(&s->strays, &s->n_strays, &s->cap_strays, r->pid);
  // Off the active list (callers that iterate it saved their next pointer).
  for (run_t **pp = &s->active; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == r) {
      *pp = r->next;
      break;
    }
  }
  r->next = NULL;
  if (s->finished == NULL) s->finished = r;
  else s->finished_tail->next = r;
  s->finished_tail = r;
}

// Hands this turn's answers to the main thread: one thread-safe call per batch, which takes them all.
static void hand_over(spawner_t *s) {
  if (s->finished == NULL) return;
  pthread_mutex_lock(&s->groups_mu);
  for (run_t *r = s->finished; r != NULL; r = r->next) {
    if (r->pid > 0) drop_group(s, r->pid);
  }
  pthread_mutex_unlock(&s->groups_mu);
  pthread_mutex_lock(&s->mu);
  bool was_empty = s->done == NULL;
  if (was_empty) s->done = s->finished;
  else s->done_tail->next = s->finished;
  s->done_tail = s->finished_tail;
  pthread_mutex_unlock(&s->mu);
  s->finished = s->finished_tail = NULL;
  if (was_empty) napi_call_threadsafe_function(s->tsfn, NULL, napi_tsfn_nonblocking);
}

static void reap_strays(spawner_t *s) {
  size_t k = 0;
  for (size_t i = 0; i < s->n_strays; i++) {
    if (waitpid(s->strays[i], NULL, WNOHANG) == 0) s->strays[k++] = s->strays[i];
  }
  s->n_strays = k;
}

static void take_requests(spawner_t *s, bool *leave) {
  uint64_t junk;
  while (read(s->wake, &junk, sizeof junk) < 0 && errno == EINTR) {
  }
  pthread_mutex_lock(&s->mu);
  run_t *in = s->incoming;
  s->incoming = NULL;
  size_t nc = s->n_cancels;
  uint32_t *cancels = NULL;
  if (nc > 0) {
    cancels = s->cancels;
    s->cancels = NULL;
    s->n_cancels = s->cap_cancels = 0;
  }
  bool abort_all = s->abort_all;
  int quit = s->quit;
  pthread_mutex_unlock(&s->mu);
  // incoming is newest first: reverse it so runs start in the order they were asked for.
  run_t *rev = NULL;
  while (in != NULL) {
    run_t *next = in->next;
    in->next = rev;
    rev = in;
    in = next;
  }
  while (rev != NULL) {
    run_t *r = rev;
    rev = rev->next;
    r->next = s->active;
    s->active = r;
    start_run(s, r);
    maybe_finish(s, r);
  }
  for (size_t i = 0; i < nc; i++) {
    for (run_t *r = s->active; r != NULL; r = r->next) {
      if (r->id == cancels[i] && !r->exited) {
        r->aborted = true;
        terminate(r);
      }
    }
  }
  free(cancels);
  if (abort_all) {
    for (run_t *r = s->active; r != NULL; r = r->next) {
      if (!r->exited) {
        r->aborted = true;
        terminate(r);
      }
    }
  }
  if (quit == 2) {
    for (run_t *r = s->active; r != NULL; r = r->next) kill_group(r, SIGKILL);
  }
  *leave = quit == 2 || (quit == 1 && s->active == NULL);
}

static void *io_main(void *arg) {
  spawner_t *s = arg;
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);  // signals are the main thread's (Node's handlers)
  struct epoll_event evs[64];
  bool leave = false;
  while (!leave) {
    int64_t next = NO_TIME;
    for (run_t *r = s->active; r != NULL; r = r->next) {
      int64_t t = next_time(r);
      if (t < next) next = t;
    }
    int timeout = -1;
    if (next != NO_TIME) {
      int64_t wait = next - mono_ns();
      timeout = wait <= 0 ? 0 : (int)((wait + 999999) / 1000000);
    }
    if (s->polling || s->n_strays > 0) timeout = (timeout < 0 || timeout > 1) ? 1 : timeout;
    int n = epoll_wait(s->ep, evs, 64, timeout);
    if (n < 0) {
      // Cannot happen with a valid epoll fd. Should it, leaving would strand every run unanswered: go on with the
      // timers, which answer each run by its deadline at the latest (as a timeout), and say so.
      if (errno != EINTR) {
        fprintf(stderr, "mg_spawn: epoll_wait: %s\n", strerror(errno));
        usleep(1000);
      }
      n = 0;
    }
    for (int i = 0; i < n; i++) {
      uint64_t u = evs[i].data.u64;
      int tag = (int)(u & 3);
      run_t *r = (run_t *)(uintptr_t)(u & ~(uint64_t)3);
      if (tag == TAG_WAKE) {
        take_requests(s, &leave);
        continue;
      }
      if (r->done) continue;  // finished earlier in this batch (its fds are closed)
      if (tag == TAG_OUT) read_stream(s, r, 0);
      else if (tag == TAG_ERR) read_stream(s, r, 1);
      else reap(s, r);
    }
    if (s->n_strays > 0) reap_strays(s);
    bool polling = false;
    int64_t now = mono_ns();
    for (run_t *r = s->active, *next; r != NULL; r = next) {
      next = r->next;
      if (r->pid > 0 && r->pidfd < 0 && !r->reaped) {
        reap(s, r);
        if (r->done) continue;
        polling = true;
      }
      run_timers(s, r, now);
    }
    s->polling = polling;
    hand_over(s);
    if (!leave) {
      pthread_mutex_lock(&s->mu);
      leave = s->quit == 2 || (s->quit == 1 && s->active == NULL && s->incoming == NULL);
      pthread_mutex_unlock(&s->mu);
    }
  }
  return NULL;
}

// ------------------------------------------------------------------------------------------- the main thread

#define CHECK(call)                                            \
  do {                                                         \
    if ((call) != napi_ok) {                                   \
      napi_throw_error(env, "MG_NATIVE", "napi call failed: " #call); \
      return NULL;                                             \
    }                                                          \
  } while (0)

static void call_js(napi_env env, napi_value js_cb, void *context, void *data) {
  (void)data;
  spawner_t *s = context;
  pthread_mutex_lock(&s->mu);
  run_t *r = s->done;
  s->done = s->done_tail = NULL;
  pthread_mutex_unlock(&s->mu);
  while (r != NULL) {
    run_t *next = r->next;
    if (env != NULL && js_cb != NULL) {
      napi_value argv[9], undef;
      napi_get_undefined(env, &undef);
      napi_create_uint32(env, r->id, &argv[0]);
      bool ran = r->spawn_errno == 0 && r->reaped && !r->status_lost;
      if (ran && WIFEXITED(r->status)) napi_create_int32(env, WEXITSTATUS(r->status), &argv[1]);
      else napi_get_null(env, &argv[1]);
      if (ran && WIFSIGNALED(r->status)) napi_create_int32(env, WTERMSIG(r->status), &argv[2]);
      else napi_get_null(env, &argv[2]);
      int flags = (r->timed_out ? F_TIMED_OUT : 0) | (r->aborted ? F_ABORTED : 0) | (r->forced ? F_FORCED : 0) |
                  (r->buf[0].seen > r->max_out ? F_OUT_TRUNC : 0) | (r->buf[1].seen > r->max_out ? F_ERR_TRUNC : 0);
      napi_create_int32(env, flags, &argv[3]);
      void *copy;
      napi_create_buffer_copy(env, r->buf[0].len, r->buf[0].len ? r->buf[0].data : "", &copy, &argv[4]);
      napi_create_buffer_copy(env, r->buf[1].len, r->buf[1].len ? r->buf[1].data : "", &copy, &argv[5]);
      napi_create_double(env, r->started_wall_ms, &argv[6]);
      napi_create_double(env, r->duration_ms, &argv[7]);
      napi_create_int32(env, r->spawn_errno, &argv[8]);
      if (napi_call_function(env, undef, js_cb, 9, argv, NULL) == napi_pending_exception) {
        napi_value err;
        napi_get_and_clear_last_exception(env, &err);
        napi_fatal_exception(env, err);  // the JS side never throws here; if it did, that is a bug to see
      }
    }
    free_run(r);
    r = next;
  }
}

static void free_spawner(spawner_t *s) {
  for (run_t *r = s->incoming, *n; r != NULL; r = n) {
    n = r->next;
    free_run(r);
  }
  if (s->ep >= 0) close(s->ep);
  if (s->wake >= 0) close(s->wake);
  if (s->devnull >= 0) close(s->devnull);
  free_strv(s->base_env);
  free(s->cancels);
  free(s->groups);
  if (s->shared != NULL) munmap(s->shared, SHARED_SLOTS * sizeof(int32_t));
  free(s->strays);
  pthread_mutex_destroy(&s->groups_mu);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

// Stops the thread and waits for it. quit = 1 (all runs answered: leaves at once) or 2 (process exit).
static void stop_thread(spawner_t *s, int quit) {
  if (!s->thread_started) return;
  pthread_mutex_lock(&s->mu);
  if (quit > s->quit) s->quit = quit;
  pthread_mutex_unlock(&s->mu);
  wake_thread(s);
  pthread_join(s->thread, NULL);
  s->thread_started = false;
}

static void drop_ref(spawner_t *s) {
  if (--s->refs > 0) return;
  for (run_t *r = s->active, *n; r != NULL; r = n) {
    n = r->next;
    free_run(r);
  }
  for (run_t *r = s->finished, *n; r != NULL; r = n) {
    n = r->next;
    free_run(r);
  }
  for (run_t *r = s->done, *n; r != NULL; r = n) {
    n = r->next;
    free_run(r);
  }
  free_spawner(s);
}

// Process exit (Node's environment teardown): SIGKILL every group in flight and end the thread now.
static void cleanup_hook(void *arg) {
  stop_thread(arg, 2);
}

// The JS handle was collected (or the environment is torn down).
static void finalize_external(napi_env env, void *data, void *hint) {
  (void)hint;
  spawner_t *s = data;
  napi_remove_env_cleanup_hook(env, cleanup_hook, s);
  stop_thread(s, 2);
  if (!s->tsfn_released && !s->tsfn_finalized) {
    s->tsfn_released = true;
    napi_release_threadsafe_function(s->tsfn, napi_tsfn_abort);
  }
  drop_ref(s);
}

// Node destroyed the thread-safe function (released, or at teardown).
static void finalize_tsfn(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  spawner_t *s = data;
  s->tsfn_finalized = true;
  drop_ref(s);
}

static spawner_t *get_spawner(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || p == NULL) {
    napi_throw_type_error(env, "MG_NATIVE", "not a native spawner handle");
    return NULL;
  }
  return p;
}

// The arguments of a call whose first is the spawner handle: fills a[0..n-1]; NULL (with a JS exception) if unusable.
static spawner_t *spawner_args(napi_env env, napi_callback_info info, size_t n, napi_value *a) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, a, NULL, NULL) != napi_ok || argc < n) {
    napi_throw_type_error(env, "MG_NATIVE", "too few arguments");
    return NULL;
  }
  return get_spawner(env, a[0]);
}

static char *get_string(napi_env env, napi_value v) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *buf = malloc(len + 1);
  if (buf == NULL) return NULL;
  napi_get_value_string_utf8(env, v, buf, len + 1, &len);
  return buf;
}

static char **get_strv(napi_env env, napi_value arr) {
  uint32_t n = 0;
  if (napi_get_array_length(env, arr, &n) != napi_ok) return NULL;
  char **v = calloc((size_t)n + 1, sizeof(char *));
  if (v == NULL) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    napi_get_element(env, arr, i, &e);
    v[i] = get_string(env, e);
    if (v[i] == NULL) {
      free_strv(v);
      return NULL;
    }
  }
  return v;
}

static char **copy_environ(void) {
  size_t n = 0;
  while (environ[n] != NULL) n++;
  char **v = calloc(n + 1, sizeof(char *));
  if (v == NULL) return NULL;
  for (size_t i = 0; i < n; i++) v[i] = strdup(environ[i]);
  return v;
}

// create(onDone, noPidfd?, groupsFile?) -> handle. onDone(id, exitCode, signal, flags, stdout, stderr, startedAt, durationMs, errno)
static napi_value js_create(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  spawner_t *s = calloc(1, sizeof *s);
  if (s == NULL) {
    napi_throw_error(env, "MG_NATIVE", "out of memory");
    return NULL;
  }
  if (argc > 1) napi_get_value_bool(env, argv[1], &s->no_pidfd);
  napi_valuetype t = napi_undefined;
  if (argc > 2) napi_typeof(env, argv[2], &t);
  if (t == napi_string) {
    char *path = get_string(env, argv[2]);
    int fd = path == NULL ? -1 : open(path, O_RDWR | O_CLOEXEC);
    free(path);
    size_t len = SHARED_SLOTS * sizeof(int32_t);
    if (fd >= 0 && ftruncate(fd, (off_t)len) == 0) {
      void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (m != MAP_FAILED) s->shared = m;
    }
    if (fd >= 0) close(fd);
    if (s->shared == NULL) {
      int e = errno;
      free(s);
      napi_throw_error(env, "MG_NATIVE", strerror(e));
      return NULL;
    }
  }
  pthread_mutex_init(&s->mu, NULL);
  pthread_mutex_init(&s->groups_mu, NULL);
  s->ep = epoll_create1(EPOLL_CLOEXEC);
  s->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  s->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  s->base_env = copy_environ();
  sigemptyset(&s->ignored);
  sigaddset(&s->ignored, SIGPIPE);
  for (int sig = 1; sig < SIGRTMIN; sig++) {
    struct sigaction sa;
    if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN) sigaddset(&s->ignored, sig);
  }
  if (s->ep < 0 || s->wake < 0 || s->devnull < 0 || s->base_env == NULL) {
    int e = errno;
    free_spawner(s);
    napi_throw_error(env, "MG_NATIVE", strerror(e));
    return NULL;
  }
  epoll_add(s, s->wake, NULL, TAG_WAKE);
  napi_value name;
  napi_create_string_utf8(env, "mg_spawn", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[0], NULL, name, 0, 1, s, finalize_tsfn, s, call_js, &s->tsfn) != napi_ok) {
    free_spawner(s);
    napi_throw_error(env, "MG_NATIVE", "cannot create the thread-safe function");
    return NULL;
  }
  // Idle, the spawner does not keep Node alive; runs in flight do (ref() from the JS side).
  napi_unref_threadsafe_function(env, s->tsfn);
  s->refs = 2;  // this handle and the thread-safe function
  int rc = pthread_create(&s->thread, NULL, io_main, s);
  if (rc != 0) {
    s->refs = 1;  // the thread-safe function frees it once released
    s->tsfn_released = true;
    napi_release_threadsafe_function(s->tsfn, napi_tsfn_abort);
    napi_throw_error(env, "MG_NATIVE", strerror(rc));
    return NULL;
  }
  s->thread_started = true;
  napi_add_env_cleanup_hook(env, cleanup_hook, s);
  napi_value handle;
  CHECK(napi_create_external(env, s, finalize_external, NULL, &handle));
  return handle;
}

// spawn(handle, id, argv[], env[]|null, cwd|null, timeoutMs, killGraceMs, maxOutputBytes, pipeDrainMs)
static napi_value js_spawn(napi_env env, napi_callback_info info) {
  napi_value a[9];
  spawner_t *s = spawner_args(env, info, 9, a);
  if (s == NULL) return NULL;
  run_t *r = calloc(1, sizeof *r);
  if (r == NULL) {
    napi_throw_error(env, "MG_NATIVE", "out of memory");
    return NULL;
  }
  napi_valuetype t;
  double timeout = 0, grace = 0, max = 0, drain = 0;  // the JS side always passes numbers
  CHECK(napi_get_value_uint32(env, a[1], &r->id));
  r->argv = get_strv(env, a[2]);
  napi_typeof(env, a[3], &t);
  if (t != napi_null && t != napi_undefined) r->envp = get_strv(env, a[3]);
  napi_typeof(env, a[4], &t);
  if (t == napi_string) r->cwd = get_string(env, a[4]);
  napi_get_value_double(env, a[5], &timeout);
  napi_get_value_double(env, a[6], &grace);
  napi_get_value_double(env, a[7], &max);
  napi_get_value_double(env, a[8], &drain);
  if (r->argv == NULL || r->argv[0] == NULL) {
    free_run(r);
    napi_throw_type_error(env, "MG_NATIVE", "spawn needs a non-empty argv");
    return NULL;
  }
  r->timeout_ns = (int64_t)(timeout * 1e6);
  r->grace_ns = (int64_t)(grace * 1e6);
  r->drain_ns = (int64_t)(drain * 1e6);
  r->max_out = max < 0 ? 0 : (uint64_t)max;
  pthread_mutex_lock(&s->mu);
  bool ok = s->thread_started && s->quit == 0;
  if (ok) {
    r->next = s->incoming;
    s->incoming = r;
  }
  pthread_mutex_unlock(&s->mu);
  if (!ok) {
    free_run(r);
    napi_throw_error(env, "MG_NATIVE", "the native spawner is stopped");
    return NULL;
  }
  wake_thread(s);
  return NULL;
}

// cancel(handle, id): the run is aborted as on a timeout (TERM, then KILL) and answered with aborted set.
static napi_value js_cancel(napi_env env, napi_callback_info info) {
  napi_value a[2];
  spawner_t *s = spawner_args(env, info, 2, a);
  if (s == NULL) return NULL;
  uint32_t id;
  CHECK(napi_get_value_uint32(env, a[1], &id));
  pthread_mutex_lock(&s->mu);
  if (s->n_cancels == s->cap_cancels) {
    size_t nc = s->cap_cancels ? s->cap_cancels * 2 : 16;
    uint32_t *na = realloc(s->cancels, nc * sizeof(uint32_t));
    if (na != NULL) {
      s->cancels = na;
      s->cap_cancels = nc;
    }
  }
  if (s->n_cancels < s->cap_cancels) s->cancels[s->n_cancels++] = id;
  pthread_mutex_unlock(&s->mu);
  wake_thread(s);
  return NULL;
}

// abortAll(handle): every run in flight is aborted (destroy()).
static napi_value js_abort_all(napi_env env, napi_callback_info info) {
  napi_value a[1];
  spawner_t *s = spawner_args(env, info, 1, a);
  if (s == NULL) return NULL;
  pthread_mutex_lock(&s->mu);
  s->abort_all = true;
  pthread_mutex_unlock(&s->mu);
  wake_thread(s);
  return NULL;
}

// killAll(handle, signal) -> groups signalled. Synchronous, for the worker's exit path.
static napi_value js_kill_all(napi_env env, napi_callback_info info) {
  napi_value a[2];
  spawner_t *s = spawner_args(env, info, 2, a);
  if (s == NULL) return NULL;
  int32_t sig = SIGKILL;
  napi_get_value_int32(env, a[1], &sig);
  int n = 0;
  pthread_mutex_lock(&s->groups_mu);
  for (size_t i = 0; i < s->n_groups; i++) {
    if (s->groups[i] > 1 && kill(-s->groups[i], sig) == 0) n++;
  }
  pthread_mutex_unlock(&s->groups_mu);
  napi_value out;
  CHECK(napi_create_int32(env, n, &out));
  return out;
}

// ref(handle, on): whether the spawner keeps Node's event loop alive (on while runs are in flight).
static napi_value js_ref(napi_env env, napi_callback_info info) {
  napi_value a[2];
  spawner_t *s = spawner_args(env, info, 2, a);
  if (s == NULL || s->tsfn_released || s->tsfn_finalized) return NULL;
  bool on = false;
  napi_get_value_bool(env, a[1], &on);
  if (on) napi_ref_threadsafe_function(env, s->tsfn);
  else napi_unref_threadsafe_function(env, s->tsfn);
  return NULL;
}

// stop(handle): once no run is in flight, ends the thread and releases the callback. Idempotent.
static napi_value js_stop(napi_env env, napi_callback_info info) {
  napi_value a[1];
  spawner_t *s = spawner_args(env, info, 1, a);
  if (s == NULL) return NULL;
  stop_thread(s, 1);
  if (!s->tsfn_released && !s->tsfn_finalized) {
    s->tsfn_released = true;
    napi_release_threadsafe_function(s->tsfn, napi_tsfn_release);
  }
  return NULL;
}

#define METHOD(name, fn) {name, NULL, fn, NULL, NULL, NULL, napi_default, NULL}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      METHOD("create", js_create),
      METHOD("spawn", js_spawn),
      METHOD("cancel", js_cancel),
      METHOD("abortAll", js_abort_all),
      METHOD("killAll", js_kill_all),
      METHOD("ref", js_ref),
      METHOD("stop", js_stop),
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
