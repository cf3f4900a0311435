#include "sandbox_seccomp.hpp"

#include <linux/sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace legion::datasets::sandbox_detail {
namespace {

constexpr int kDenied[] = {
    SCMP_SYS(ptrace),          SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev), SCMP_SYS(kcmp),
    SCMP_SYS(pidfd_getfd),     SCMP_SYS(unshare),          SCMP_SYS(setns),             SCMP_SYS(mount),
    SCMP_SYS(umount2),         SCMP_SYS(pivot_root),       SCMP_SYS(chroot),            SCMP_SYS(mount_setattr),
    SCMP_SYS(move_mount),      SCMP_SYS(open_tree),        SCMP_SYS(fsopen),            SCMP_SYS(fsconfig),
    SCMP_SYS(fsmount),         SCMP_SYS(fspick),           SCMP_SYS(keyctl),            SCMP_SYS(add_key),
    SCMP_SYS(request_key),     SCMP_SYS(bpf),              SCMP_SYS(perf_event_open),   SCMP_SYS(userfaultfd),
    SCMP_SYS(io_uring_setup),  SCMP_SYS(io_uring_enter),   SCMP_SYS(io_uring_register), SCMP_SYS(init_module),
    SCMP_SYS(finit_module),    SCMP_SYS(delete_module),    SCMP_SYS(kexec_load),        SCMP_SYS(kexec_file_load),
    SCMP_SYS(reboot),          SCMP_SYS(swapon),           SCMP_SYS(swapoff),           SCMP_SYS(acct),
    SCMP_SYS(syslog),          SCMP_SYS(open_by_handle_at), SCMP_SYS(name_to_handle_at), SCMP_SYS(quotactl),
    SCMP_SYS(iopl),            SCMP_SYS(ioperm),           SCMP_SYS(settimeofday),      SCMP_SYS(clock_settime),
};

constexpr unsigned long kNewNamespaceFlags[] = {CLONE_NEWNS,  CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET,
                                                CLONE_NEWIPC, CLONE_NEWUTS,  CLONE_NEWCGROUP, CLONE_NEWTIME};

void check(int rc, const char* what) {
  if (rc < 0) throw std::runtime_error(std::string("sandbox: seccomp filter: ") + what + ": " + std::strerror(-rc));
}

}  // namespace

std::string seccomp_filter(bool allow_new_processes) {
  const std::unique_ptr<void, void (*)(scmp_filter_ctx)> filter(seccomp_init(SCMP_ACT_ALLOW), seccomp_release);
  if (!filter) throw std::runtime_error("sandbox: seccomp filter: seccomp_init failed");
  const auto deny = SCMP_ACT_ERRNO(EPERM);
  for (const int call : kDenied) check(seccomp_rule_add(filter.get(), deny, call, 0), "deny a system call");
  check(seccomp_rule_add(filter.get(), SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0), "clone3");
  for (const auto flag : kNewNamespaceFlags)
    check(seccomp_rule_add(filter.get(), deny, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag)), "clone namespaces");
  for (int family = 0; family < AF_MAX; ++family)
    if (family != AF_INET && family != AF_INET6)
      check(seccomp_rule_add(filter.get(), deny, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(family))), "socket families");
  if (!allow_new_processes) {
    check(seccomp_rule_add(filter.get(), deny, SCMP_SYS(fork), 0), "fork");
    check(seccomp_rule_add(filter.get(), deny, SCMP_SYS(vfork), 0), "vfork");
    check(seccomp_rule_add(filter.get(), deny, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0)), "clone");
  }

  // libseccomp writes the program to a descriptor; a memory file holds it until it is read back.
  const int fd = ::memfd_create("legion-sandbox-seccomp", MFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("sandbox: memfd_create: ") + std::strerror(errno));
  std::string program;
  int rc = seccomp_export_bpf(filter.get(), fd);
  if (rc == 0 && ::lseek(fd, 0, SEEK_SET) == 0) {
    char chunk[4096];
    ssize_t n;
    while ((n = ::read(fd, chunk, sizeof chunk)) > 0) program.append(chunk, static_cast<std::size_t>(n));
    if (n < 0) rc = -errno;
  }
  ::close(fd);
  check(rc, "export");
  if (program.empty()) throw std::runtime_error("sandbox: seccomp filter: the exported program is empty");
  return program;
}

}  // namespace legion::datasets::sandbox_detail
