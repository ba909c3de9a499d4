/*
 * gate-launch: the sandbox entrypoint where the image has it (built statically with the offline
 * image when a C compiler is present, and in the Dockerfile image). It binds the in-sandbox
 * forwarder's port 127.0.0.1:3128 at once, hands the listening socket to `gate proxy --fd 3`
 * (started detached, so it is reaped by the container's init), and execs the agent. The agent
 * and the forwarder start in parallel, and no connection is refused: the kernel queues them on
 * the bound socket until the forwarder accepts. Without it, `gate exec` does the same serially.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: gate-launch CMD [ARGS...]\n");
    return 2;
  }
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons(3128);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 511) < 0) {
    perror("gate-launch: cannot listen on 127.0.0.1:3128");
    return 1;
  }
  if (fd != 3) {
    if (dup2(fd, 3) < 0) {
      perror("gate-launch: dup2");
      return 1;
    }
    close(fd);
  }
  pid_t first = fork();
  if (first < 0) {
    perror("gate-launch: fork");
    return 1;
  }
  if (first == 0) {
    setsid();
    if (fork() == 0) {
      /* The forwarder makes no TLS connections: spare it loading the extra CA certs at start. */
      unsetenv("NODE_EXTRA_CA_CERTS");
      char *proxy[] = {"node", "/opt/gatehouse/gate/gate.mjs", "proxy", "--fd", "3", NULL};
      execvp(proxy[0], proxy);
      perror("gate-launch: cannot start the forwarder (node)");
      _exit(127);
    }
    _exit(0);
  }
  waitpid(first, NULL, 0);
  fcntl(3, F_SETFD, FD_CLOEXEC); /* the agent does not inherit the listening socket */
  execvp(argv[1], argv + 1);
  fprintf(stderr, "gate-launch: cannot run %s: ", argv[1]);
  perror("");
  return 127;
}
