// `kago features` (runtime-spec features.md): what this build really does.
// Only what is implemented is listed; everything else is left out or false.
import { CAPABILITIES } from './plan/capabilities.ts';
import { KNOWN_MOUNT_OPTIONS } from './plan/mount-options.ts';
import { KAGO_VERSION, SPEC_VERSION } from './version.ts';

// Every option the plan builder turns into flags, attributes or a copy-up;
// anything else goes to the file system as data.
const MOUNT_OPTIONS = KNOWN_MOUNT_OPTIONS;

export function features(): object {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: SPEC_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: MOUNT_OPTIONS,
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
      capabilities: [...CAPABILITIES],
      cgroup: { v1: true, v2: true, systemd: true, systemdUser: false, rdma: false },
      seccomp: {
        enabled: true,
        actions: [
          'SCMP_ACT_ALLOW',
          'SCMP_ACT_ERRNO',
          'SCMP_ACT_KILL',
          'SCMP_ACT_KILL_PROCESS',
          'SCMP_ACT_KILL_THREAD',
          'SCMP_ACT_LOG',
          'SCMP_ACT_NOTIFY',
          'SCMP_ACT_TRACE',
          'SCMP_ACT_TRAP',
        ],
        operators: ['SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_LE', 'SCMP_CMP_LT', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_NE'],
        archs: [
          'SCMP_ARCH_AARCH64',
          'SCMP_ARCH_ARM',
          'SCMP_ARCH_LOONGARCH64',
          'SCMP_ARCH_MIPS',
          'SCMP_ARCH_MIPS64',
          'SCMP_ARCH_MIPS64N32',
          'SCMP_ARCH_MIPSEL',
          'SCMP_ARCH_MIPSEL64',
          'SCMP_ARCH_MIPSEL64N32',
          'SCMP_ARCH_PPC',
          'SCMP_ARCH_PPC64',
          'SCMP_ARCH_PPC64LE',
          'SCMP_ARCH_RISCV64',
          'SCMP_ARCH_S390',
          'SCMP_ARCH_S390X',
          'SCMP_ARCH_X32',
          'SCMP_ARCH_X86',
          'SCMP_ARCH_X86_64',
        ],
        knownFlags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
        supportedFlags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
      },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: true } },
    },
    annotations: { 'org.kago.version': KAGO_VERSION },
  };
}
