// The example the page offers: a small profile that shows each kind of
// verdict (allowed, errno'd, killed, conditional on an argument).
export const sampleProfile = `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 1,
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"],
  "syscalls": [
    { "names": ["read", "write", "openat", "close", "fstat", "mmap", "munmap", "brk",
                "exit", "exit_group", "rt_sigreturn", "futex", "getpid"],
      "action": "SCMP_ACT_ALLOW" },
    { "names": ["mkdir"], "action": "SCMP_ACT_ALLOW",
      "args": [{ "index": 1, "value": 512, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ" }] },
    { "names": ["mkdirat"], "action": "SCMP_ACT_ALLOW",
      "args": [{ "index": 2, "value": 512, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ" }] },
    { "names": ["ptrace", "kexec_load"], "action": "SCMP_ACT_KILL_PROCESS" },
    { "names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38 }
  ]
}
`;
