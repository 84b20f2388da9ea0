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
// The I/O thread and the run life cycle are in io_loop.c; the types both sides share in mg_spawn.h.
#define _GNU_SOURCE
#include "mg_spawn.h"

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
