// io_loop.c: the I/O thread of the native spawner (see mg_spawn.c): starting a plugin, reading its pipes,
// reaping it, its deadlines, and handing finished runs to the main thread.
//
// Run semantics are those of MgWorkhorse::RunLoop (perl/lib), so every spawner gives the same CheckOutcome:
//   deadline     -> timedOut, SIGTERM to the group (and the pid), kill_at = now + grace
//   kill_at      -> SIGKILL to the group; forcefullyKilled when it reached someone; final_at = now + drain
//   exit, pipes still open -> drain_at = now + drain
//   drain_at     -> SIGKILL to the group (forcefullyKilled only when terminating); final_at = now + drain
//   final_at     -> pipes closed, the run is answered (an unreaped child is reaped later as a stray)
// Linux only (epoll, eventfd, pidfd, close_range through posix_spawn_file_actions_addclosefrom_np: glibc 2.34).
#define _GNU_SOURCE
#include "mg_spawn.h"

int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void free_strv(char **v) {
  if (v == NULL) return;
  for (char **p = v; *p != NULL; p++) free(*p);
  free(v);
}

void free_run(run_t *r) {
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

void wake_thread(spawner_t *s) {
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

void epoll_add(spawner_t *s, int fd, run_t *r, int tag) {
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

void *io_main(void *arg) {
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
