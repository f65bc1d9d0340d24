package dev.kiln.executor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The seccomp filter of a sandboxed RUN step, in the runtime spec's {@code linux.seccomp} form: an
 * allow-list modelled on Docker's default profile for a container holding Docker's default
 * capabilities. Every system call not listed fails with EPERM; among those refused are mount,
 * umount2, pivot_root, unshare, setns, the kernel-module calls (init_module, finit_module,
 * delete_module), kexec, reboot, swapon, bpf, perf_event_open, userfaultfd, the keyring calls,
 * open_by_handle_at, and clock or hostname changes; ptrace is allowed, as Docker allows it on the
 * 4.8 and later kernels this runs on. {@code clone} is allowed only
 * without namespace flags, and {@code clone3} (whose flags live in memory a filter cannot read)
 * fails with ENOSYS so that libc falls back to {@code clone}, as Docker does. {@code personality}
 * is limited to the values Docker allows.
 *
 * <p>The profile covers the native ABI of the host and its compatibility ABIs (x86-64 with i386
 * and x32; arm64 with arm). runc skips names its libseccomp does not know, so the list may name
 * calls newer than the host kernel. Immutable; {@link #spec()} builds a fresh tree each call.
 */
final class SeccompProfile {

    /** EPERM: what a refused call returns. */
    static final int EPERM = 1;
    /** ENOSYS: what clone3 returns, so that callers fall back to clone. */
    static final int ENOSYS = 38;
    /** CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET. */
    static final long CLONE_NAMESPACE_FLAGS = 0x7E020000L;

    /** System calls allowed without condition. */
    static final List<String> ALLOWED = words("""
            accept accept4 access adjtimex alarm arch_prctl bind brk cachestat capget capset chdir chmod chown
            chown32 chroot clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime
            clock_gettime64 clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat
            dup dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait
            epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64
            fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchown32 fchownat fcntl
            fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64 fstatat64
            fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_requeue futex_time64 futex_wait futex_waitv
            futex_wake futimesat get_mempolicy get_robust_list get_thread_area getcpu getcwd getdents getdents64
            getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer getpeername
            getpgid getpgrp getpid getppid getpriority getrandom getresgid getresgid32 getresuid getresuid32
            getrlimit getrusage getsid getsockname getsockopt gettid gettimeofday getuid getuid32 getxattr
            inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel io_destroy io_getevents
            io_pgetevents io_pgetevents_time64 io_setup io_submit ioctl ioprio_get ioprio_set ipc kill
            landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr link linkat
            listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64 madvise
            map_shadow_stack mbind membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock
            mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive
            mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget msgrcv msgsnd
            msync munlock munlockall munmap name_to_handle_at nanosleep newfstatat _newselect open openat openat2
            pause pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll
            ppoll_time64 prctl pread64 preadv preadv2 prlimit64 process_mrelease pselect6 pselect6_time64 pwrite64
            pwritev pwritev2 read readahead readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64
            recvmsg remap_file_pages removexattr rename renameat renameat2 restart_syscall rmdir rseq rt_sigaction
            rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait
            rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_get_priority_max sched_get_priority_min
            sched_getaffinity sched_getattr sched_getparam sched_getscheduler sched_rr_get_interval
            sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam sched_setscheduler
            sched_yield seccomp select semctl semget semop semtimedop semtimedop_time64 send sendfile sendfile64
            sendmmsg sendmsg sendto set_mempolicy set_robust_list set_thread_area set_tid_address setfsgid
            setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer setpgid setpriority
            setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit setsid
            setsockopt setuid setuid32 setxattr shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4
            sigprocmask sigreturn socket socketcall socketpair splice stat stat64 statfs statfs64 statx symlink
            symlinkat sync sync_file_range syncfs sysinfo tee tgkill time timer_create timer_delete
            timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd_create
            timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill truncate truncate64
            ugetrlimit umask uname unlink unlinkat utime utimensat utimensat_time64 utimes vfork vmsplice wait4
            waitid waitpid write writev
            """);

    /**
     * Allowed as Docker allows them on kernels 4.8 and later (where ptrace can no longer bypass the
     * filter): process inspection for debuggers and tracers run in a RUN step.
     */
    static final List<String> ALLOWED_SINCE_4_8 = words("""
            kcmp pidfd_getfd process_vm_readv process_vm_writev ptrace
            """);

    /** Architecture-specific calls: x86's LDT, ARM's cache and TLS helpers. */
    static final List<String> ALLOWED_ARCH_SPECIFIC = words("""
            modify_ldt arm_fadvise64_64 arm_sync_file_range breakpoint cacheflush set_tls sync_file_range2
            """);

    /** The personality(2) arguments Docker allows: PER_LINUX, UNAME26, PER_LINUX32, PER_LINUX32|UNAME26, query. */
    static final List<Long> PERSONALITIES = List.of(0x0L, 0x8L, 0x20000L, 0x20008L, 0xffffffffL);

    private SeccompProfile() {}

    /** The {@code linux.seccomp} object for the host's architecture ({@code os.arch}). */
    static Map<String, Object> spec() {
        return spec(System.getProperty("os.arch", ""));
    }

    /** The {@code linux.seccomp} object for a JVM {@code os.arch} value. */
    static Map<String, Object> spec(String osArch) {
        Map<String, Object> seccomp = new LinkedHashMap<>();
        seccomp.put("defaultAction", "SCMP_ACT_ERRNO");
        seccomp.put("defaultErrnoRet", EPERM);
        seccomp.put("architectures", architectures(osArch));
        List<Map<String, Object>> rules = new ArrayList<>();
        List<String> allowed = new ArrayList<>(ALLOWED);
        allowed.addAll(ALLOWED_SINCE_4_8);
        allowed.addAll(ALLOWED_ARCH_SPECIFIC);
        rules.add(rule(allowed, "SCMP_ACT_ALLOW", List.of()));
        rules.add(rule(List.of("clone"), "SCMP_ACT_ALLOW", List.of(Map.of("index", 0,
                "value", CLONE_NAMESPACE_FLAGS, "valueTwo", 0, "op", "SCMP_CMP_MASKED_EQ"))));
        Map<String, Object> clone3 = rule(List.of("clone3"), "SCMP_ACT_ERRNO", List.of());
        clone3.put("errnoRet", ENOSYS);
        rules.add(clone3);
        for (long p : PERSONALITIES) {
            rules.add(rule(List.of("personality"), "SCMP_ACT_ALLOW",
                    List.of(Map.of("index", 0, "value", p, "op", "SCMP_CMP_EQ"))));
        }
        seccomp.put("syscalls", rules);
        return seccomp;
    }

    /** libseccomp architecture names: the native one first, then the compatibility ABIs. */
    static List<String> architectures(String osArch) {
        return switch (osArch) {
            case "amd64", "x86_64" -> List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
            case "aarch64", "arm64" -> List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
            case "x86", "i386", "i686" -> List.of("SCMP_ARCH_X86");
            case "ppc64le" -> List.of("SCMP_ARCH_PPC64LE");
            case "s390x" -> List.of("SCMP_ARCH_S390X", "SCMP_ARCH_S390");
            case "riscv64" -> List.of("SCMP_ARCH_RISCV64");
            default -> List.of();
        };
    }

    private static Map<String, Object> rule(List<String> names, String action, List<Map<String, Object>> args) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("names", names);
        r.put("action", action);
        if (!args.isEmpty()) {
            r.put("args", args);
        }
        return r;
    }

    private static List<String> words(String text) {
        return Arrays.stream(text.strip().split("\\s+")).toList();
    }
}
