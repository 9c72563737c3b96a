// The rules beyond the first ones (rules.test.ts), each against a config that
// uses every field of runtime-spec v1.3.0 for Linux.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { validate, errorsOf, edit, type Json, type JsonObject } from './core-fixture.ts';

const full = JSON.parse(readFileSync(new URL('fixtures/full-linux.json', import.meta.url), 'utf8')) as JsonObject;

type Edits = Array<[string, Json | undefined]>;

function apply(edits: Edits): JsonObject {
  return edits.reduce((doc, [p, v]) => edit(doc, p, v), full);
}

// [what, edits, pointer of the one error, message]
const rules: Array<[string, Edits, string, RegExp]> = [
  // mounts
  ['a mount destination may be relative but not empty', [['/mounts/2/destination', '']], '/mounts/2/destination', /must not be empty/],
  ['an id-mapped mount needs both mappings', [['/mounts/2/gidMappings', undefined]], '/mounts/2/gidMappings', /required with uidMappings/],
  ['an id-mapped mount is a bind mount', [['/mounts/1/options', ['idmap']]], '/mounts/1/options', /must be a bind mount/],
  [
    'an id-mapped mount that is no bind mount is told that first, not also about mappings',
    [
      ['/mounts/1/options', ['idmap']],
      ['/linux/namespaces/5', undefined],
    ],
    '/mounts/1/options',
    /must be a bind mount/,
  ],
  ['mount mappings are id mappings', [['/mounts/2/uidMappings/0/size', 0]], '/mounts/2/uidMappings/0/size', /greater than 0/],
  ['a bind mount needs a source', [['/mounts/2/source', undefined]], '/mounts/2/source', /^a bind mount needs a source$/],
  ['a bind mount source is not empty', [['/mounts/2/source', '']], '/mounts/2/source', /^a bind mount needs a source$/],
  [
    'an option-only bind mount needs a source too',
    [['/mounts/3', { destination: '/b', options: ['bind'] }]],
    '/mounts/3/source',
    /a bind mount needs a source/,
  ],
  [
    'an id-mapped mount without its own mappings needs a user namespace to take them from',
    [
      ['/mounts/2/uidMappings', undefined],
      ['/mounts/2/gidMappings', undefined],
      ['/linux/namespaces/5', undefined],
    ],
    '/mounts/2/uidMappings',
    /needs uidMappings and gidMappings, on the mount or on a user namespace/,
  ],
  [
    'an id-mapped mount with empty mappings has none',
    [
      ['/mounts/2/uidMappings', []],
      ['/mounts/2/gidMappings', []],
    ],
    '/mounts/2/uidMappings',
    /needs uidMappings and gidMappings/,
  ],
  // process
  ['consoleSize needs a width', [['/process/consoleSize/width', undefined]], '/process/consoleSize/width', /^is required$/],
  [
    'capabilities are known names',
    [['/process/capabilities/permitted/1', 'CAP_NET_BIND']],
    '/process/capabilities/permitted/1',
    /Linux capability name .*found "CAP_NET_BIND"/,
  ],
  ['ambient capabilities are known names too', [['/process/capabilities/ambient/0', 'cap_kill']], '/process/capabilities/ambient/0', /Linux capability name/],
  ['rlimit types are known', [['/process/rlimits/0/type', 'RLIMIT_FILES']], '/process/rlimits/0/type', /getrlimit\(2\)/],
  [
    'an rlimit soft limit is not above its hard limit',
    [['/process/rlimits/0/soft', 4097]],
    '/process/rlimits/0/soft',
    /must not be greater than hard \(4096\)/,
  ],
  ['an rlimit type is set once', [['/process/rlimits/1/type', 'RLIMIT_NOFILE']], '/process/rlimits/1/type', /already set by \/process\/rlimits\/0/],
  ['an rlimit needs its hard limit', [['/process/rlimits/1/hard', undefined]], '/process/rlimits/1/hard', /^is required$/],
  ['oomScoreAdj is -1000 to 1000', [['/process/oomScoreAdj', 1001]], '/process/oomScoreAdj', /from -1000 to 1000, found 1001/],
  ['oomScoreAdj is not below -1000', [['/process/oomScoreAdj', -1001]], '/process/oomScoreAdj', /found -1001/],
  ['a scheduler policy is known', [['/process/scheduler/policy', 'SCHED_FAIR']], '/process/scheduler/policy', /must be one of "SCHED_OTHER"/],
  ['a scheduler flag is known', [['/process/scheduler/flags/0', 'SCHED_FLAG_FAST']], '/process/scheduler/flags/0', /must be one of "SCHED_FLAG_RESET_ON_FORK"/],
  ['nice is -20 to 19', [['/process/scheduler/nice', 20]], '/process/scheduler/nice', /nice value from -20 to 19/],
  ['a real-time priority is 1 to 99', [['/process/scheduler/priority', 100]], '/process/scheduler/priority', /1 to 99 with SCHED_FIFO/],
  ['a real-time policy needs a priority', [['/process/scheduler/priority', undefined]], '/process/scheduler/priority', /required with SCHED_FIFO/],
  ['other policies have priority 0', [['/process/scheduler/policy', 'SCHED_OTHER']], '/process/scheduler/priority', /must be 0 with SCHED_OTHER/],
  [
    'a deadline runtime fits its deadline',
    [['/process/scheduler', { policy: 'SCHED_DEADLINE', runtime: 20000, deadline: 10000, period: 30000 }]],
    '/process/scheduler/runtime',
    /not be greater than deadline/,
  ],
  ['an I/O priority class is known', [['/process/ioPriority/class', 'IOPRIO_CLASS_NONE']], '/process/ioPriority/class', /IOPRIO_CLASS_RT/],
  ['an I/O priority level is 0 to 7', [['/process/ioPriority/priority', 8]], '/process/ioPriority/priority', /0 \(highest\) to 7/],
  ['an I/O priority needs a class', [['/process/ioPriority/class', undefined]], '/process/ioPriority/class', /^is required$/],
  ['execCPUAffinity is a CPU list', [['/process/execCPUAffinity/final', '1-0']], '/process/execCPUAffinity/final', /list of CPUs/],
  ['execCPUAffinity has no letters', [['/process/execCPUAffinity/initial', 'all']], '/process/execCPUAffinity/initial', /list of CPUs/],
  ['execCPUAffinity CPUs fit the mask kago builds', [['/process/execCPUAffinity/initial', '0,65536']], '/process/execCPUAffinity/initial', /CPUs 0 to 65535/],
  ['apparmorProfile is a string', [['/process/apparmorProfile', 1]], '/process/apparmorProfile', /must be a string/],
  ['noNewPrivileges is a boolean', [['/process/noNewPrivileges', 'true']], '/process/noNewPrivileges', /must be a boolean/],
  // hooks
  ['a hook path is absolute', [['/hooks/poststop/0/path', 'cleanup']], '/hooks/poststop/0/path', /absolute path/],
  ['a hook timeout is positive', [['/hooks/poststart/0/timeout', 0]], '/hooks/poststart/0/timeout', /greater than 0/],
  ['a hook needs a path', [['/hooks/createContainer/0/path', undefined]], '/hooks/createContainer/0/path', /^is required$/],
  ['hook env entries are NAME=value', [['/hooks/createRuntime/0/env/0', 'A']], '/hooks/createRuntime/0/env/0', /NAME=value/],
  // cgroupsPath
  ['cgroupsPath does not climb out of the hierarchy', [['/linux/cgroupsPath', '/kago/../../etc']], '/linux/cgroupsPath', /"\.\."/],
  ['a systemd cgroupsPath has three parts', [['/linux/cgroupsPath', 'system.slice:kago']], '/linux/cgroupsPath', /slice:prefix:name/],
  ['a systemd slice ends in .slice', [['/linux/cgroupsPath', 'system:kago:abc']], '/linux/cgroupsPath', /must end in "\.slice"/],
  ['a systemd name is not empty', [['/linux/cgroupsPath', 'system.slice:kago:']], '/linux/cgroupsPath', /name .* must not be empty/],
  // resources
  ['a device rule has allow', [['/linux/resources/devices/1/allow', undefined]], '/linux/resources/devices/1/allow', /^is required$/],
  ['a device rule type is a, c or b', [['/linux/resources/devices/1/type', 'u']], '/linux/resources/devices/1/type', /"a" \(all\)/],
  ['a device rule access is r, w and m', [['/linux/resources/devices/1/access', 'rwx']], '/linux/resources/devices/1/access', /letters r, w and m/],
  ['a device rule number is -1 or more', [['/linux/resources/devices/2/major', -2]], '/linux/resources/devices/2/major', /-1 for all/],
  ['a memory limit is bytes or -1', [['/linux/resources/memory/limit', -2]], '/linux/resources/memory/limit', /-1 for unlimited/],
  ['swappiness is 0 to 100', [['/linux/resources/memory/swappiness', 101]], '/linux/resources/memory/swappiness', /0 to 100/],
  ['memory+swap is not below memory', [['/linux/resources/memory/swap', 1024]], '/linux/resources/memory/swap', /less than limit/],
  ['disableOOMKiller is a boolean', [['/linux/resources/memory/disableOOMKiller', 0]], '/linux/resources/memory/disableOOMKiller', /boolean/],
  ['cpu burst is not above a positive quota', [['/linux/resources/cpu/burst', 100001]], '/linux/resources/cpu/burst', /larger than quota/],
  ['cpu quota is a 64-bit integer', [['/linux/resources/cpu/quota', '100000']], '/linux/resources/cpu/quota', /integer, found string/],
  ['cpu shares are unsigned', [['/linux/resources/cpu/shares', -1]], '/linux/resources/cpu/shares', /unsigned 64-bit/],
  ['cpus is a CPU list', [['/linux/resources/cpu/cpus', '0-1,a']], '/linux/resources/cpu/cpus', /list such as/],
  ['mems is a node list', [['/linux/resources/cpu/mems', '3-1']], '/linux/resources/cpu/mems', /list such as/],
  ['cpu idle is 0 or 1', [['/linux/resources/cpu/idle', 2]], '/linux/resources/cpu/idle', /SCHED_IDLE/],
  ['rt runtime fits the rt period', [['/linux/resources/cpu/realtimeRuntime', 2000000]], '/linux/resources/cpu/realtimeRuntime', /larger than realtimePeriod/],
  ['pids needs a limit', [['/linux/resources/pids', {}]], '/linux/resources/pids/limit', /^is required$/],
  ['a blkio weight is 16-bit', [['/linux/resources/blockIO/weight', 65536]], '/linux/resources/blockIO/weight', /unsigned 16-bit/],
  [
    'a weight device sets a weight',
    [['/linux/resources/blockIO/weightDevice/1/leafWeight', undefined]],
    '/linux/resources/blockIO/weightDevice/1',
    /weight or leafWeight/,
  ],
  [
    'a weight device names its device',
    [['/linux/resources/blockIO/weightDevice/0/minor', undefined]],
    '/linux/resources/blockIO/weightDevice/0/minor',
    /^is required$/,
  ],
  [
    'a throttle device has a rate',
    [['/linux/resources/blockIO/throttleWriteIOPSDevice/0/rate', undefined]],
    '/linux/resources/blockIO/throttleWriteIOPSDevice/0/rate',
    /^is required$/,
  ],
  ['a hugepage size is like 2MB', [['/linux/resources/hugepageLimits/0/pageSize', '2M']], '/linux/resources/hugepageLimits/0/pageSize', /size such as "2MB"/],
  ['a hugepage limit is required', [['/linux/resources/hugepageLimits/1/limit', undefined]], '/linux/resources/hugepageLimits/1/limit', /^is required$/],
  ['a net_cls class is 32-bit', [['/linux/resources/network/classID', 4294967296]], '/linux/resources/network/classID', /unsigned 32-bit/],
  ['a net_prio entry has a name', [['/linux/resources/network/priorities/0/name', undefined]], '/linux/resources/network/priorities/0/name', /^is required$/],
  ['an rdma entry sets a limit', [['/linux/resources/rdma/mlx5_1', {}]], '/linux/resources/rdma/mlx5_1', /hcaHandles or hcaObjects/],
  ['unified keys are file names', [['/linux/resources/unified/..~1..~1etc', '1']], '/linux/resources/unified/..~1..~1etc', /cgroup file name/],
  ['unified values are strings', [['/linux/resources/unified/memory.high', 400000000]], '/linux/resources/unified/memory.high', /must be a string/],
  // seccomp
  ['seccomp needs a default action', [['/linux/seccomp/defaultAction', undefined]], '/linux/seccomp/defaultAction', /^is required$/],
  ['a seccomp action is known', [['/linux/seccomp/syscalls/0/action', 'SCMP_ACT_DENY']], '/linux/seccomp/syscalls/0/action', /must be one of "SCMP_ACT_KILL"/],
  [
    'errnoRet goes with SCMP_ACT_ERRNO or TRACE',
    [['/linux/seccomp/syscalls/0/errnoRet', 1]],
    '/linux/seccomp/syscalls/0/errnoRet',
    /only be used with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not "SCMP_ACT_ALLOW"/,
  ],
  [
    'defaultErrnoRet goes with an errno default',
    [['/linux/seccomp/defaultAction', 'SCMP_ACT_KILL_PROCESS']],
    '/linux/seccomp/defaultErrnoRet',
    /only be used with/,
  ],
  ['an errno fits 16 bits', [['/linux/seccomp/syscalls/4/errnoRet', 65536]], '/linux/seccomp/syscalls/4/errnoRet', /16 bits/],
  ['a seccomp architecture is known', [['/linux/seccomp/architectures/1', 'SCMP_ARCH_I386']], '/linux/seccomp/architectures/1', /libseccomp architecture/],
  ['a seccomp flag is known', [['/linux/seccomp/flags/0', 'SECCOMP_FILTER_FLAG_NEW_LISTENER']], '/linux/seccomp/flags/0', /SECCOMP_FILTER_FLAG_TSYNC/],
  ['a rule has names', [['/linux/seccomp/syscalls/1/names', []]], '/linux/seccomp/syscalls/1/names', /must not be empty/],
  ['a syscall name is not empty', [['/linux/seccomp/syscalls/0/names/1', '']], '/linux/seccomp/syscalls/0/names/1', /syscall name/],
  ['an argument index is 0 to 5', [['/linux/seccomp/syscalls/1/args/0/index', 6]], '/linux/seccomp/syscalls/1/args/0/index', /0 to 5/],
  ['an argument operator is known', [['/linux/seccomp/syscalls/1/args/0/op', 'SCMP_CMP_IN']], '/linux/seccomp/syscalls/1/args/0/op', /SCMP_CMP_NE/],
  ['an argument value is required', [['/linux/seccomp/syscalls/1/args/0/value', undefined]], '/linux/seccomp/syscalls/1/args/0/value', /^is required$/],
  [
    'notify is not a default action',
    [
      ['/linux/seccomp/defaultAction', 'SCMP_ACT_NOTIFY'],
      ['/linux/seccomp/defaultErrnoRet', undefined],
    ],
    '/linux/seccomp/defaultAction',
    /must not be SCMP_ACT_NOTIFY/,
  ],
  [
    'notify needs a listener',
    [
      ['/linux/seccomp/listenerPath', undefined],
      ['/linux/seccomp/listenerMetadata', undefined],
    ],
    '/linux/seccomp/listenerPath',
    /required when a rule uses SCMP_ACT_NOTIFY/,
  ],
  [
    'listener metadata needs a listener',
    [
      ['/linux/seccomp/syscalls/3/action', 'SCMP_ACT_LOG'],
      ['/linux/seccomp/listenerPath', undefined],
    ],
    '/linux/seccomp/listenerMetadata',
    /without listenerPath/,
  ],
  ['a listener path fits sun_path', [['/linux/seccomp/listenerPath', `/${'s'.repeat(107)}`]], '/linux/seccomp/listenerPath', /1 to 107 bytes/],
  // sysctl
  [
    'net.* sysctls need a network namespace',
    [
      ['/linux/namespaces', ['pid', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'].map((type) => ({ type }))],
      ['/linux/netDevices', undefined],
      ['/linux/sysctl/net~1core~1somaxconn', undefined],
    ],
    '/linux/sysctl/net.ipv4.ip_forward',
    /needs a 'network' namespace/,
  ],
  [
    'IPC sysctls need an ipc namespace',
    [
      ['/linux/namespaces/3', undefined],
      ['/linux/sysctl/fs.mqueue.msg_max', undefined],
    ],
    '/linux/sysctl/kernel.shmmax',
    /needs an 'ipc' namespace/,
  ],
  [
    'mqueue sysctls need an ipc namespace',
    [
      ['/linux/namespaces/3', undefined],
      ['/linux/sysctl/kernel.shmmax', undefined],
    ],
    '/linux/sysctl/fs.mqueue.msg_max',
    /needs an 'ipc' namespace/,
  ],
  ['other kernel.* sysctls are not namespaced', [['/linux/sysctl/kernel.panic', '1']], '/linux/sysctl/kernel.panic', /is not namespaced/],
  ['vm.* sysctls are not namespaced', [['/linux/sysctl/vm.swappiness', '1']], '/linux/sysctl/vm.swappiness', /is not namespaced/],
  ['a sysctl name has no empty or dot-dot components', [['/linux/sysctl/net.ipv4..conf', '1']], '/linux/sysctl/net.ipv4..conf', /not a sysctl name/],
  [
    'kernel.hostname with a uts namespace conflicts with /hostname (runc)',
    [['/linux/sysctl/kernel.hostname', 'other']],
    '/linux/sysctl/kernel.hostname',
    /conflicts with \/hostname/,
  ],
  ['kernel.hostname written with a slash too', [['/linux/sysctl/kernel~1hostname', 'other']], '/linux/sysctl/kernel~1hostname', /conflicts with \/hostname/],
  ['a Linux config has a root', [['/root', undefined]], '/root', /is required on Linux/],
  ['sysctl values are strings', [['/linux/sysctl/net.ipv4.ip_forward', 1]], '/linux/sysctl/net.ipv4.ip_forward', /must be a string/],
  // the rest of linux
  ['time offsets name a clock', [['/linux/timeOffsets/realtime', { secs: 1 }]], '/linux/timeOffsets/realtime', /"monotonic" or "boottime"/],
  [
    'time offset nanoseconds are below one second',
    [['/linux/timeOffsets/boottime/nanosecs', 1000000000]],
    '/linux/timeOffsets/boottime/nanosecs',
    /less than 1000000000/,
  ],
  [
    'time offsets need a new time namespace',
    [['/linux/namespaces/7', { type: 'time', path: '/proc/1/ns/time' }]],
    '/linux/timeOffsets',
    /new 'time' namespace/,
  ],
  ['a net device key is an interface name', [['/linux/netDevices/eth0~1x', {}]], '/linux/netDevices/eth0~1x', /network interface name/],
  ['a net device name fits IFNAMSIZ', [['/linux/netDevices/eth1/name', 'a-very-long-name0']], '/linux/netDevices/eth1/name', /1 to 15 characters/],
  ['closID is a directory name', [['/linux/intelRdt/closID', '../x']], '/linux/intelRdt/closID', /directory name/],
  ['memBwSchema starts with MB:', [['/linux/intelRdt/memBwSchema', 'L3:0=1']], '/linux/intelRdt/memBwSchema', /must start with "MB:"/],
  ['intelRdt schemata is a list of strings', [['/linux/intelRdt/schemata', 'L2:0=f']], '/linux/intelRdt/schemata', /must be an array/],
  ['a memory policy has a mode', [['/linux/memoryPolicy/mode', undefined]], '/linux/memoryPolicy/mode', /^is required$/],
  ['a memory policy mode is known', [['/linux/memoryPolicy/mode', 'MPOL_SPREAD']], '/linux/memoryPolicy/mode', /MPOL_DEFAULT/],
  ['interleave needs nodes', [['/linux/memoryPolicy/nodes', '']], '/linux/memoryPolicy/nodes', /at least one node with MPOL_INTERLEAVE/],
  ['default takes no nodes', [['/linux/memoryPolicy', { mode: 'MPOL_DEFAULT', nodes: '0' }]], '/linux/memoryPolicy/nodes', /must be empty with MPOL_DEFAULT/],
  [
    'static and relative node flags exclude each other',
    [['/linux/memoryPolicy/flags', ['MPOL_F_STATIC_NODES', 'MPOL_F_RELATIVE_NODES']]],
    '/linux/memoryPolicy/flags',
    /must not combine/,
  ],
  [
    'NUMA balancing goes with MPOL_BIND',
    [['/linux/memoryPolicy/flags', ['MPOL_F_NUMA_BALANCING']]],
    '/linux/memoryPolicy/flags',
    /only allowed with MPOL_BIND/,
  ],
  ['nodes is a node list', [['/linux/memoryPolicy/nodes', '0,,1']], '/linux/memoryPolicy/nodes', /list of NUMA nodes/],
  ['memory policy nodes fit the mask kago builds', [['/linux/memoryPolicy/nodes', '65535-65536']], '/linux/memoryPolicy/nodes', /nodes 0 to 65535/],
  ['a personality has a domain', [['/linux/personality/domain', undefined]], '/linux/personality/domain', /^is required$/],
  ['a personality domain is LINUX or LINUX32', [['/linux/personality/domain', 'LINUX64']], '/linux/personality/domain', /"LINUX", "LINUX32"/],
  ['no personality flags are supported', [['/linux/personality/flags', ['ADDR_NO_RANDOMIZE']]], '/linux/personality/flags/0', /no personality flags/],
  ['mountLabel is a string', [['/linux/mountLabel', ['x']]], '/linux/mountLabel', /must be a string/],
];

describe('core: config validation rules, all of runtime-spec v1.3.0 for Linux', () => {
  it('accepts the config that uses every field', () => {
    assert.deepEqual(validate(full, true).problems, []);
  });

  for (const [what, edits, pointer, message] of rules) {
    it(`${what} (${pointer})`, () => {
      const errors = errorsOf(validate(apply(edits)));
      assert.deepEqual(
        errors.map((e) => e.pointer),
        [pointer],
        JSON.stringify(errors),
      );
      assert.match(errors[0]!.message, message);
    });
  }

  it("accepts an id-mapped mount that takes the user namespace's mappings, and a cgroup mount without a source", () => {
    const r = validate(
      apply([
        ['/mounts/2/uidMappings', undefined],
        ['/mounts/2/gidMappings', undefined],
        ['/mounts/3', { destination: '/sys/fs/cgroup', type: 'cgroup', options: ['rbind', 'ro'] }],
      ]),
    );
    assert.deepEqual(errorsOf(r), []);
  });

  it('accepts memory.kernel and kernelTCP with a warning each', () => {
    const r = validate(
      apply([
        ['/linux/resources/memory/kernel', 1048576],
        ['/linux/resources/memory/kernelTCP', -1],
      ]),
    );
    assert.deepEqual(errorsOf(r), []);
    assert.deepEqual(
      r.problems.map((p) => [p.pointer, p.severity]),
      [
        ['/linux/resources/memory/kernel', 'warning'],
        ['/linux/resources/memory/kernelTCP', 'warning'],
      ],
    );
    assert.match(r.problems[0]!.message, /NOT RECOMMENDED/);
  });

  it('warns about a syscall name no architecture has, without refusing it', () => {
    const r = validate(apply([['/linux/seccomp/syscalls/0/names/1', 'not_a_syscall']]));
    assert.deepEqual(errorsOf(r), []);
    assert.deepEqual(
      r.problems.map((p) => [p.pointer, p.severity]),
      [['/linux/seccomp/syscalls/0/names/1', 'warning']],
    );
  });

  it('warns about file system options on a bind mount', () => {
    const r = validate(apply([['/mounts/2/options/3', 'size=1m']]));
    assert.deepEqual(errorsOf(r), []);
    assert.deepEqual(
      r.problems.map((p) => [p.pointer, p.severity]),
      [['/mounts/2/options/3', 'warning']],
    );
  });

  it('warns that id mappings without a new user namespace are ignored', () => {
    const r = validate(apply([['/linux/namespaces/5', { type: 'user', path: '/proc/1/ns/user' }]]));
    assert.deepEqual(errorsOf(r), []);
    assert.deepEqual(
      r.problems.map((p) => p.pointer),
      ['/linux/uidMappings', '/linux/gidMappings'],
    );
  });

  it('accepts the systemd form of cgroupsPath and relative paths', () => {
    for (const path of ['system.slice:kago:abc', ':kago:abc', 'kago/abc', '/kago/a..b']) {
      assert.deepEqual(validate(apply([['/linux/cgroupsPath', path]])).problems, [], path);
    }
  });

  it('accepts sysctls written with slashes, and uts sysctls with a uts namespace', () => {
    const r = validate(apply([['/linux/sysctl', { 'net/ipv4/tcp_syncookies': '1', 'kernel.domainname': 'x', 'kernel.msgmax': '8192' }]]));
    assert.deepEqual(r.problems, []);
  });

  for (const platform of ['windows', 'solaris', 'vm', 'zos', 'freebsd']) {
    it(`refuses a ${platform} config (no linux object) with one message at the top`, () => {
      const doc = edit(edit(full, '/linux', undefined), `/${platform}`, { anything: true });
      const errors = errorsOf(validate(doc));
      assert.deepEqual(
        errors.map((e) => e.pointer),
        [''],
      );
      assert.match(errors[0]!.message, new RegExp(`for the '${platform}' platform`));
    });
  }

  it('accepts a vm object next to a linux one (a VM that runs Linux)', () => {
    assert.deepEqual(errorsOf(validate(edit(full, '/vm', { hypervisor: { path: '/usr/bin/qemu' } }))), []);
  });
});
