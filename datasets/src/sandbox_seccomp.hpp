#pragma once
// The system-call filter of the sandbox, built with libseccomp and handed to bubblewrap
// (`--seccomp FD`), which installs it just before it starts the program.
#include <string>

namespace legion::datasets::sandbox_detail {

// The compiled BPF program. It refuses, with EPERM:
//   - looking into or changing other processes: ptrace, process_vm_readv/writev, kcmp, pidfd_getfd;
//   - new namespaces (unshare, setns, clone with any CLONE_NEW* flag): no user namespace inside;
//   - mounts and root changes, kernel keyrings, BPF, perf events, userfaultfd, io_uring (whose
//     operations would bypass this filter), modules, kexec, reboot, swap, accounting, syslog;
//   - sockets of any family but AF_INET and AF_INET6, so no Unix socket is reached by path or by
//     abstract name (socketpair stays: a connected pair reaches nothing outside);
//   - with `allow_new_processes` false, every new process (fork, vfork, clone without
//     CLONE_THREAD): the fallback that keeps one memory budget without a cgroup.
// clone3 answers ENOSYS, since its flags cannot be inspected; the C library then uses clone.
// A call from another architecture (i386 or x32 numbers) kills the program.
std::string seccomp_filter(bool allow_new_processes);

}  // namespace legion::datasets::sandbox_detail
