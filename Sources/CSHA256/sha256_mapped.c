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
 * Only C runs between sigsetjmp and the fault, so the jump never crosses a Swift frame.
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif
#include "csha256.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>

/* The range one thread is hashing and where to jump when it faults. Lives on that thread's stack. */
struct mapped_guard {
    sigjmp_buf jump;
    const char *start;
    const char *end;
};

/*
 * initial-exec TLS: reading it from a signal handler is a plain load, with no lazy allocation that a
 * handler must not trigger.
 */
static _Thread_local struct mapped_guard *volatile active_guard __attribute__((tls_model("initial-exec")));

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
    const int sent_by_process = info == NULL || info->si_code <= 0;
    if (previous_action.sa_handler == SIG_IGN && sent_by_process) return;
    /* The default action: restore it. A fault recurs when the instruction is retried on return and is then
     * fatal; a signal sent with kill() does not recur, so raise it again (it stays pending until we return). */
    struct sigaction fallback;
    memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    sigemptyset(&fallback.sa_mask);
    sigaction(signo, &fallback, NULL);
    if (sent_by_process) raise(signo);
}

static void on_sigbus(int signo, siginfo_t *info, void *context) {
    struct mapped_guard *guard = active_guard;
    if (guard != NULL && info != NULL && info->si_code > 0) {
        const char *address = (const char *)info->si_addr;
        if (address >= guard->start && address < guard->end) {
            active_guard = NULL;
            siglongjmp(guard->jump, 1);
        }
    }
    pass_on(signo, info, context);
}

static void install_handler(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_sigbus;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&action.sa_mask);
    handler_installed = sigaction(SIGBUS, &action, &previous_action) == 0;
}

int mr_sha256_update_mapped(mr_sha256_ctx *ctx, const void *data, size_t length) {
    pthread_once(&install_once, install_handler);
    if (!handler_installed) return -2;
    if (length == 0) return 0;
    struct mapped_guard guard;
    guard.start = (const char *)data;
    guard.end = (const char *)data + length;
    /* savemask 0 keeps the common path free of a sigprocmask call; the rare fault path unblocks below. */
    if (sigsetjmp(guard.jump, 0) != 0) {
        /* The kernel blocked SIGBUS while the handler ran and the jump skipped its return: unblock it, or
         * the next fault on this thread would kill the process without asking any handler. */
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGBUS);
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
        return -1;
    }
    active_guard = &guard;
    mr_sha256_update(ctx, data, length);
    active_guard = NULL;
    return 0;
}
