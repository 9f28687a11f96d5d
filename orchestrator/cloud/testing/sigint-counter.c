/*
 * A native stand-in for `pulumi`, for pulumi-cli.test.ts: it appends one line
 * to $SIGNAL_LOG for every SIGINT it receives (a signal handler, so two
 * SIGINTs a few milliseconds apart are two lines), and creates
 * $SIGNAL_LOG.started when it is running. `up` exits one second after its
 * first SIGINT (time for a second one to arrive); `destroy` runs 6 s.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = -1;
static volatile sig_atomic_t received = 0;

static void on_sigint(int signo) {
  (void)signo;
  received++;
  if (write(log_fd, "SIGINT\n", 7) < 0) _exit(3);
}

static void nap(void) {
  struct timespec tenth = {0, 100000000L};
  nanosleep(&tenth, NULL);
}

int main(int argc, char **argv) {
  const char *log = getenv("SIGNAL_LOG");
  if (log == NULL) return 2;
  log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, NULL);
  char started[4096];
  snprintf(started, sizeof started, "%s.started", log);
  close(open(started, O_WRONLY | O_CREAT, 0644));
  int up = argc > 1 && strcmp(argv[1], "up") == 0;
  for (int i = 0; i < 600; i++) {
    nap();
    if (up && received > 0) {
      for (int j = 0; j < 10; j++) nap();
      return 0;
    }
    if (!up && i >= 60) return 0;
  }
  return 0;
}
