/*
 * sha256_mapped.c: hashing straight out of a memory-mapped file without dying when the file shrinks.
 *
 * Touching a mapped page that lies past the file's current end raises SIGBUS, and so does a page the
 * kernel cannot read (an I/O error). A library must not let a user's `truncate` of a hard-linked source
 * kill the host process, so mr_sha256_update_mapped() runs the kernel under a per-thread guard: a
 * process-wide SIGBUS handler jumps back to the guarded call when the faulting address lies inside the
 * range that this thread is hashing, and hands every other SIGBUS to the handler installed before it
 * (or to the default action, which ends the process as if we had never been here).
 *
 * Only C runs between sigsetjmp and the fault, so the jump never crosses a Swift frame. Before each range
 * the guard checks that its handler is still the installed one: a host that replaced it (a crash reporter,
 * Python's faulthandler) gets -2 and the caller reads the file instead of mapping it.
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif
#include "csha256.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

/* The range one thread is hashing and where to jump when it faults. Lives on that thread's stack. */
struct mapped_guard {
    sigjmp_buf jump;
    const char *start;
    const char *end;
};

/*
 * The calling thread's active guard, read from the signal handler. On Linux an initial-exec thread-local:
 * a plain load, no lazy allocation. Darwin ignores tls_model and may allocate on a thread's first access, so
 * there a pthread key is used: pthread_getspecific is a plain load of the thread's slot.
 */
#if defined(__APPLE__)
static pthread_key_t guard_key;
static struct mapped_guard *current_guard(void) { return pthread_getspecific(guard_key); }
static void set_current_guard(struct mapped_guard *guard) { pthread_setspecific(guard_key, guard); }
#else
static _Thread_local struct mapped_guard *volatile active_guard __attribute__((tls_model("initial-exec")));
static struct mapped_guard *current_guard(void) { return active_guard; }
static void set_current_guard(struct mapped_guard *guard) { active_guard = guard; }
#endif

static struct sigaction previous_action;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int handler_installed = 0;

/* Gives a SIGBUS that is not ours to whoever would have had it without us. */
static void pass_on(int signo, siginfo_t *info, void *context) {
    if (previous_action.sa_flags & SA_SIGINFO) {
        if (previous_action.sa_sigaction != NULL) {
            previous_action.sa_sigaction(signo, info, context);
            return;
        }
    } else if (previous_action.sa_handler != SIG_DFL && previous_action.sa_handler != SIG_IGN) {
        previous_action.sa_handler(signo);
        return;
    }
    /* An ignored SIGBUS sent with kill() stays ignored. (Darwin marks every SIGBUS as a fault, so there it is
     * treated like the default action below: a host that ignores SIGBUS is rare and a fault cannot be ignored.) */
    if (previous_action.sa_handler == SIG_IGN && (info == NULL || info->si_code <= 0)) return;
    /* The default action: restore it and raise the signal again. It stays pending while this handler runs and
     * is delivered, fatally, on return; a fault would also recur when the instruction is retried. */
    struct sigaction fallback;
    memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    sigemptyset(&fallback.sa_mask);
    sigaction(signo, &fallback, NULL);
    raise(signo);
}

static void on_sigbus(int signo, siginfo_t *info, void *context) {
    const int saved_errno = errno;
    struct mapped_guard *guard = current_guard();
    if (guard != NULL && info != NULL && info->si_code > 0) {
        const char *address = (const char *)info->si_addr;
        if (address >= guard->start && address < guard->end) {
            set_current_guard(NULL);
            siglongjmp(guard->jump, 1);
        }
    }
    pass_on(signo, info, context);
    errno = saved_errno;
}

static void install_handler(void) {
#if defined(__APPLE__)
    if (pthread_key_create(&guard_key, NULL) != 0) return;
#endif
    /* Read the old action first: installing and reading it in one call would leave a moment in which our
     * handler runs with an empty previous_action. */
    if (sigaction(SIGBUS, NULL, &previous_action) != 0) return;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_sigbus;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&action.sa_mask);
    handler_installed = sigaction(SIGBUS, &action, NULL) == 0;
}

/* True when our handler is still the one the process would run for SIGBUS. */
static int handler_in_place(void) {
    struct sigaction current;
    if (sigaction(SIGBUS, NULL, &current) != 0) return 0;
    return (current.sa_flags & SA_SIGINFO) && current.sa_sigaction == on_sigbus;
}

int mr_sha256_update_mapped(mr_sha256_ctx *ctx, const void *data, size_t length) {
    pthread_once(&install_once, install_handler);
    if (!handler_installed || !handler_in_place()) return -2;
    if (length == 0) return 0;
    struct mapped_guard guard;
    guard.start = (const char *)data;
    guard.end = (const char *)data + length;
    /* savemask 1: the jump restores the signal mask the handler's entry changed (SIGBUS blocked) and, on
     * Darwin, the alternate-stack state. One sigprocmask per window, nothing next to hashing 8 MiB. */
    if (sigsetjmp(guard.jump, 1) != 0) return -1;
    set_current_guard(&guard);
    atomic_signal_fence(memory_order_seq_cst);
    mr_sha256_update(ctx, data, length);
    atomic_signal_fence(memory_order_seq_cst);
    set_current_guard(NULL);
    return 0;
}
