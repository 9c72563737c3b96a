// A pod through the Kubernetes CRI, as kubelet drives it: containerd's CRI
// plugin runs the pod on kago (runtime handler `kago`, configured as
// docs/engines.md shows), then the same scenario on runc 1.1.5 (handler
// `runc`) as the reference, so a failure seen only on kago is kago's.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { kagoBin, runcBin } from '../helpers/paths.ts';
import { waitForAsync } from '../helpers/wait.ts';
import { type Containerd, containerdTraces } from './containerd.ts';
import {
  type ContainerStatusMessage,
  CRI_NAMESPACE,
  criClient,
  POD_ADDRESS,
  type RuntimeService,
  runtimeRoots,
  startCriContainerd,
  streamExec,
  WORKLOAD_IMAGE,
} from './cri.ts';
import {
  cgroupDirs,
  type HostTraces,
  kagoState,
  lingeringProcesses,
  makeScratch,
  printShapes,
  processesMentioning,
  processState,
  RecordingRuntime,
  removeScratch,
} from './harness.ts';

// kubelet's defaults for a container whose procMount is Default
const MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
const MiB = 1024 * 1024;
// CAP_NET_BIND_SERVICE is bit 10
const NET_BIND_SERVICE_ONLY = '0000000000000400';

describe('a Kubernetes pod through the CRI (containerd 1.6’s CRI plugin)', function () {
  this.timeout(120_000);
  let scratch = '';
  let containerd: Containerd | undefined;
  let cri: RuntimeService;
  let traces: HostTraces;
  let recorder: RecordingRuntime;
  const timings: string[] = [];
  const seen = new Map<string, Record<string, string>>();
  const cgroupParents: string[] = [];

  before(function () {
    traces = containerdTraces(CRI_NAMESPACE);
    scratch = makeScratch('cri');
    recorder = new RecordingRuntime(scratch);
    containerd = startCriContainerd(scratch, recorder.path);
    cri = criClient(containerd.socket);
  });

  after(async function () {
    if (!scratch) return;
    if (timings.length) process.stdout.write(`\n      RunPodSandbox→StartContainer:\n${timings.map((t) => `        ${t}\n`).join('')}`);
    const left: string[] = [];
    if (containerd) {
      const pods = (await cri.ListPodSandbox({}).catch(() => ({ items: [] }))).items as { id: string }[];
      for (const pod of pods) {
        left.push(`pod ${pod.id} had to be removed in after()`);
        await cri.StopPodSandbox({ pod_sandbox_id: pod.id }).catch(() => undefined);
        await cri.RemovePodSandbox({ pod_sandbox_id: pod.id }).catch(() => undefined);
      }
      cri.close();
      await containerd.stop();
    }
    // what the runtimes made under them is checked by each pod's last test
    for (const dir of cgroupParents.flatMap((p) => cgroupDirs(p))) {
      try {
        rmdirSync(dir);
      } catch (e) {
        left.push(`cgroup ${dir} (${(e as NodeJS.ErrnoException).code})`);
      }
    }
    printShapes('containerd’s CRI plugin', recorder.shapes(scratch));
    left.push(...lingeringProcesses(scratch).map((pid) => `process ${pid} (a shim?) of this containerd`));
    left.push(...traces.clean());
    left.push(...removeScratch(scratch));
    assert.deepEqual(left, [], 'the CRI run left these behind');
  });

  it('Version: containerd answers as a runtime.v1 CRI runtime', async function () {
    const v = await cri.Version({ version: 'v1' });
    assert.equal(v.runtime_name, 'containerd');
    assert.equal(v.runtime_api_version, 'v1');
    assert.match(v.runtime_version, /^1\.6\./);
  });

  podScenario('kago', kagoBin, () => ({ scratch, cri, containerd: containerd!, timings, seen, recorder, cgroupParents }));
  podScenario('runc', runcBin, () => ({ scratch, cri, containerd: containerd!, timings, seen, recorder, cgroupParents }));

  // (a suite of its own: mocha runs a suite's tests before its child suites)
  describe('kago compared with runc', function () {
    it('both containers see the same on kago as on runc: mounts, ids, capabilities, seccomp, devices, limits, environment', function () {
      if (!seen.has('runc')) this.skip();
      const [kago, runc] = [seen.get('kago')!, seen.get('runc')!];
      assert.deepEqual(Object.keys(kago).sort(), ['main', 'side']);
      for (const name of Object.keys(kago)) {
        assert.ok(kago[name]!.split('\n').length > 50, `${name}: ${kago[name]}`);
        assert.equal(comparable(kago[name]!), comparable(runc[name]!), name);
      }
    });
  });
});

interface Context {
  scratch: string;
  cri: RuntimeService;
  containerd: Containerd;
  timings: string[];
  /** per handler: what each container sees, for the comparison of kago with runc */
  seen: Map<string, Record<string, string>>;
  /** what the handler kago ran: kago, through a recorder of its calls */
  recorder: RecordingRuntime;
  /** the pods' cgroup parents (kubelet's, made by the test), removed once the pods are gone */
  cgroupParents: string[];
}

// What a program in the container sees, as far as it does not differ from
// one run to the next.
const LOOK_AROUND = [
  'cat /proc/self/mountinfo',
  "grep -E '^(Uid|Gid|Groups|Cap[A-Za-z]+|NoNewPrivs|Seccomp[_a-z]*|Sig(Blk|Ign|Cgt)|Cpus_allowed_list|Mems_allowed_list|Umask):' /proc/self/status",
  "stat -c '%n %A %u %g %t %T' /dev/* /dev/*/*",
  'ulimit -a',
  'env | sort',
  'cat /proc/self/oom_score_adj',
].join('; echo; ');

/**
 * The text with what differs between any two runs replaced: mount ids and
 * snapshot numbers, container ids, the handler's name in the pod's names.
 * Also the two places where kago differs from runc 1.1.5 on purpose
 * (docs/engines.md): the read-only tmpfs under a read-only cgroup mount,
 * and the cgroup2 mount at /sys/fs/cgroup/unified on a hybrid host.
 */
function comparable(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/ \/sys\/fs\/cgroup\/unified .* - cgroup2 /.test(l))
    .map((l) =>
      l
        .replace(/^\d+ \d+ \d+:\d+ /, '')
        .replace(/snapshots\/\d+/g, 'snapshots/N')
        .replace(/[0-9a-f]{64}/g, '<id>')
        .replace(/(kago-cri-|pod-|uid-|volumes-)(kago|runc)/g, '$1<handler>')
        .replace(/^(\/ \/sys\/fs\/cgroup )r[ow],/, '$1'),
    )
    .join('\n');
}

function podScenario(handler: 'kago' | 'runc', bin: string, context: () => Context): void {
  describe(`on the runtime handler ${handler} (${bin})`, function () {
    let ctx: Context;
    let podId = '';
    let podConfig: Record<string, unknown>;
    let logDir = '';
    let volumes = '';
    const ids: Record<string, string> = {};
    const pids: number[] = [];
    // kubelet's pod cgroup (cgroupfs driver), made before the pod as kubelet makes it
    const cgroupParent = `/kago-cri-${handler}-${process.pid}`;
    const stateRoot = (): string => join(runtimeRoots(ctx.scratch)[handler], CRI_NAMESPACE);

    before(function () {
      if (handler === 'runc' && !existsSync(runcBin)) this.skip();
      ctx = context();
      logDir = join(ctx.scratch, `logs-${handler}`);
      mkdirSync(logDir);
      volumes = join(ctx.scratch, `volumes-${handler}`);
      mkdirSync(join(volumes, 'config'), { recursive: true });
      writeFileSync(join(volumes, 'config', 'setting'), 'on\n');
      mkdirSync(join(volumes, 'work'), { mode: 0o777 });
      chmodSync(join(volumes, 'work'), 0o777);
      mkdirSync(`/sys/fs/cgroup/pids${cgroupParent}`);
      ctx.cgroupParents.push(cgroupParent.slice(1));
      writeFileSync(`/sys/fs/cgroup/pids${cgroupParent}/pids.max`, '200');
      podConfig = {
        metadata: { name: `pod-${handler}`, uid: `uid-${handler}-${process.pid}`, namespace: 'default', attempt: 0 },
        hostname: `pod-${handler}`,
        log_directory: logDir,
        linux: {
          cgroup_parent: cgroupParent,
          security_context: { namespace_options: { network: 'POD', pid: 'POD', ipc: 'POD' } },
        },
      };
    });

    const exec = async (name: string, cmd: string[]): Promise<{ stdout: string; stderr: string; exit_code: number }> => {
      const r = await ctx.cri.ExecSync({ container_id: ids[name], cmd, timeout: 30 });
      return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), exit_code: r.exit_code };
    };
    const sh = async (name: string, script: string): Promise<string> => {
      const r = await exec(name, ['sh', '-c', script]);
      assert.equal(r.exit_code, 0, `${name}: ${script}: exit ${r.exit_code}\n${r.stdout}${r.stderr}`);
      return r.stdout;
    };
    const status = async (name: string): Promise<ContainerStatusMessage> => (await ctx.cri.ContainerStatus({ container_id: ids[name], verbose: true })).status;

    const container = (name: string, command: string[], linux: Record<string, unknown> = {}, more: Record<string, unknown> = {}): Record<string, unknown> => ({
      pod_sandbox_id: podId,
      sandbox_config: podConfig,
      config: {
        metadata: { name, attempt: 0 },
        image: { image: WORKLOAD_IMAGE },
        command,
        log_path: `${name}.log`,
        ...more,
        linux: {
          ...linux,
          security_context: {
            namespace_options: { network: 'POD', pid: 'POD', ipc: 'POD' },
            ...((linux.security_context as object | undefined) ?? {}),
          },
        },
      },
    });

    it('RunPodSandbox, CreateContainer, StartContainer: a restricted container in a pod of its own namespaces', async function () {
      const started = process.hrtime.bigint();
      podId = (await ctx.cri.RunPodSandbox({ config: podConfig, runtime_handler: handler })).pod_sandbox_id;
      const podReady = process.hrtime.bigint();
      ids.main = (
        await ctx.cri.CreateContainer(
          container(
            'main',
            ['sh', '-c', 'sleep 2147483646 & trap "echo got TERM" TERM; echo started; while :; do sleep 1 & wait $!; done'],
            {
              resources: { memory_limit_in_bytes: 64 * MiB, cpu_shares: 512, cpu_quota: 50_000, cpu_period: 100_000 },
              security_context: {
                run_as_user: { value: 1000 },
                run_as_group: { value: 1000 },
                readonly_rootfs: true,
                capabilities: { drop_capabilities: ['ALL'], add_capabilities: ['NET_BIND_SERVICE'] },
                seccomp: { profile_type: 'RuntimeDefault' },
                no_new_privs: true,
                masked_paths: MASKED_PATHS,
                readonly_paths: READONLY_PATHS,
                supplemental_groups: [2000],
              },
            },
            {
              // volumes as kubelet passes them: a read-only one (a ConfigMap's) and a writable one (an emptyDir)
              mounts: [
                { container_path: '/config', host_path: join(volumes, 'config'), readonly: true },
                { container_path: '/work', host_path: join(volumes, 'work'), readonly: false },
              ],
            },
          ),
        )
      ).container_id;
      const created = process.hrtime.bigint();
      await ctx.cri.StartContainer({ container_id: ids.main });
      const done = process.hrtime.bigint();
      const ms = (from: bigint, to: bigint): string => (Number(to - from) / 1e6).toFixed(0);
      ctx.timings.push(
        `${handler} ${ms(started, done)} ms (RunPodSandbox ${ms(started, podReady)}, CreateContainer ${ms(podReady, created)}, StartContainer ${ms(created, done)})`,
      );

      const pod = (await ctx.cri.PodSandboxStatus({ pod_sandbox_id: podId })).status;
      assert.equal(pod.state, 'SANDBOX_READY');
      assert.equal(pod.runtime_handler, handler);
      assert.equal(pod.network.ip, POD_ADDRESS.split('/')[0]);
      // the runtime itself has both, running
      for (const id of [podId, ids.main]) assert.equal(kagoState(ctx.scratch, stateRoot(), id, bin)?.status, 'running');
    });

    it('CreateContainer, StartContainer: a second container joins the pod’s net, ipc, uts and pid namespaces', async function () {
      ids.side = (await ctx.cri.CreateContainer(container('side', ['sleep', '2147483647']))).container_id;
      await ctx.cri.StartContainer({ container_id: ids.side });
      const nsOf = async (name: string): Promise<string> => sh(name, 'for n in net ipc uts pid; do readlink /proc/self/ns/$n; done');
      const [main, side] = [await nsOf('main'), await nsOf('side')];
      assert.equal(main, side);
      const host = ['net', 'ipc', 'uts', 'pid'].map((n) => readlinkSync(`/proc/self/ns/${n}`));
      for (const [i, ns] of main.split('\n').filter(Boolean).entries()) assert.notEqual(ns, host[i], `the pod has a ${ns.split(':')[0]} namespace of its own`);
      // pid: the sandbox's process is pid 1 of both; uts: the pod's hostname; net: the pod's eth0
      assert.equal(await sh('side', 'tr "\\0" " " < /proc/1/cmdline'), 'sleep 2147483647 ');
      assert.match(await sh('side', 'ps -o pid,user,args'), /^\s*\d+\s+1000\s+sh -c sleep 2147483646 & trap/m);
      assert.equal(await sh('main', 'hostname'), `pod-${handler}\n`);
      assert.equal(await sh('side', 'hostname'), `pod-${handler}\n`);
      // restrict_oom_score_adj: the sandbox keeps containerd's own score instead of -998
      assert.equal(await sh('side', 'cat /proc/1/oom_score_adj'), readFileSync(`/proc/${ctx.containerd.daemon.pid}/oom_score_adj`, 'utf8'));
      assert.match(await sh('side', 'ip -o addr show dev eth0'), new RegExp(`inet ${POD_ADDRESS.replace(/\./g, '\\.')}`));
    });

    it('ContainerStatus: running, with the pid the runtime reports', async function () {
      for (const name of ['main', 'side']) {
        const s = await status(name);
        assert.equal(s.state, 'CONTAINER_RUNNING', name);
        assert.equal(s.image.image, WORKLOAD_IMAGE);
        const info = JSON.parse((await ctx.cri.ContainerStatus({ container_id: ids[name], verbose: true })).info.info);
        assert.equal(info.runtimeType, 'io.containerd.runc.v2');
        assert.equal(kagoState(ctx.scratch, stateRoot(), ids[name]!, bin)?.pid, info.pid);
        pids.push(info.pid);
      }
    });

    it('ExecSync: the security context is what the container sees', async function () {
      ctx.seen.set(handler, { main: await sh('main', LOOK_AROUND), side: await sh('side', LOOK_AROUND) });
      const procStatus = await sh('main', 'cat /proc/self/status');
      const field = (name: string): string => procStatus.match(new RegExp(`^${name}:\\s+(.*)$`, 'm'))?.[1] ?? '';
      assert.equal(field('Uid'), '1000\t1000\t1000\t1000');
      assert.equal(field('Gid'), '1000\t1000\t1000\t1000');
      // containerd lists the primary group among the supplementary ones
      assert.equal(field('Groups').trim(), '1000 2000');
      assert.equal(field('CapBnd'), NET_BIND_SERVICE_ONLY);
      // a non-root user's effective set is empty after execve; kubelet's drop ALL keeps nothing else
      assert.equal(field('CapEff'), '0000000000000000');
      assert.equal(field('CapAmb'), '0000000000000000');
      assert.equal(field('NoNewPrivs'), '1');
      assert.equal(field('Seccomp'), '2');
      // containerd's default profile refuses unshare without CAP_SYS_ADMIN; the other container has no profile
      const unshare = await exec('main', ['unshare', '-U', 'true']);
      assert.notEqual(unshare.exit_code, 0);
      assert.match(unshare.stderr, /Operation not permitted/);
      assert.equal((await exec('side', ['unshare', '-U', 'true'])).exit_code, 0);
      // side has no security context: root with containerd's default capabilities
      assert.match(
        await sh('side', 'grep -E "^(Uid|CapEff|CapBnd):" /proc/self/status'),
        /^Uid:\s+0\s+0\s+0\s+0\nCapEff:\s+00000000a80425fb\nCapBnd:\s+00000000a80425fb\n$/,
      );
      assert.match(await sh('side', 'grep ^Seccomp: /proc/self/status'), /^Seccomp:\s+0$/m);

      // readOnlyRootFilesystem, masked and read-only paths
      const touch = await exec('main', ['touch', '/created']);
      assert.notEqual(touch.exit_code, 0);
      assert.match(touch.stderr, /Read-only file system/);
      const mounts = parseMountinfo(await sh('main', 'cat /proc/self/mountinfo'));
      assert.ok(mounts.get('/')?.includes('ro'), `/ is mounted ${mounts.get('/')}`);
      // (paths this kernel does not have are skipped, as the runtimes skip them)
      for (const p of READONLY_PATHS.filter((p) => existsSync(p))) assert.ok(mounts.get(p)?.includes('ro'), `${p}: ${mounts.get(p)}`);
      for (const p of MASKED_PATHS.filter((p) => existsSync(p))) assert.ok(mounts.has(p), `${p} is masked`);
      assert.equal(await sh('main', 'cat /proc/kcore /proc/keys | wc -c'), '0\n');
      assert.equal(await sh('main', 'ls -A /sys/firmware | wc -l'), '0\n');

      // the volumes: read-only and writable, as asked
      assert.ok(mounts.get('/config')?.includes('ro'), `/config: ${mounts.get('/config')}`);
      assert.ok(mounts.get('/work')?.includes('rw'), `/work: ${mounts.get('/work')}`);
      assert.equal(await sh('main', 'cat /config/setting'), 'on\n');
      assert.match((await exec('main', ['touch', '/config/new'])).stderr, /Read-only file system/);
      await sh('main', 'echo written > /work/out');
      assert.equal(readFileSync(join(volumes, 'work', 'out'), 'utf8'), 'written\n');
      assert.deepEqual([statSync(join(volumes, 'work', 'out')).uid, statSync(join(volumes, 'work', 'out')).gid], [1000, 1000]);
    });

    it('ExecSync: the resources are in the container’s cgroups', async function () {
      const cgroups = await sh('main', 'cat /proc/self/cgroup');
      for (const controller of ['memory', 'cpu', 'pids']) {
        assert.match(cgroups, new RegExp(`^\\d+:([^:]*,)?${controller}(,[^:]*)?:${cgroupParent}/${ids.main}$`, 'm'), controller);
      }
      assert.equal(await sh('main', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes'), `${64 * MiB}\n`);
      assert.equal(
        await sh('main', 'cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us'),
        '512\n50000\n100000\n',
      );
      // the pod's pids limit is kubelet's, on the parent; the container's processes are counted under it
      assert.ok(Number(await sh('main', 'cat /sys/fs/cgroup/pids/pids.current')) >= 2);
      assert.equal(readFileSync(`/sys/fs/cgroup/pids${cgroupParent}/pids.max`, 'utf8'), '200\n');
      const inPod = readFileSync(`/sys/fs/cgroup/pids${cgroupParent}/${ids.main}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).map(Number);
      assert.ok(inPod.includes(pids[0]!), `${pids[0]} in ${inPod}`);
    });

    it('Exec: streaming execs through containerd’s stream server (WebSocket, v4.channel.k8s.io), with and without a terminal', async function () {
      const { url } = await ctx.cri.Exec({
        container_id: ids.main,
        cmd: ['sh', '-c', 'read line; echo "got $line as $(id -u)"; echo to-stderr >&2; exit 3'],
        stdin: true,
        stdout: true,
        stderr: true,
      });
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\//);
      const r = await streamExec(url, [[0, 'hello\n']]);
      assert.equal(r.stdout, 'got hello as 1000\n');
      assert.equal(r.stderr, 'to-stderr\n');
      assert.equal(r.status.status, 'Failure');
      assert.deepEqual(r.status.details?.causes, [{ reason: 'ExitCode', message: '3' }]);

      const ok = await streamExec((await ctx.cri.Exec({ container_id: ids.side, cmd: ['hostname'], stdout: true })).url);
      assert.equal(ok.stdout, `pod-${handler}\n`);
      assert.equal(ok.status.status, 'Success');

      // kubectl exec -it: a terminal (the runtime's console socket), and its size from channel 4
      const tty = await ctx.cri.Exec({
        container_id: ids.main,
        cmd: ['sh', '-c', 'tty; i=0; while [ "$(stty size 2>/dev/null)" != "30 100" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; stty size'],
        tty: true,
        stdin: true,
        stdout: true,
      });
      const t = await streamExec(tty.url, [[4, JSON.stringify({ Width: 100, Height: 30 })]]);
      assert.match(t.stdout, /^\/dev\/pts\/\d+\r\n30 100\r\n$/);
      assert.equal(t.status.status, 'Success');
      if (handler === 'kago')
        assert.ok(
          ctx.recorder.callsFor(ids.main!).some((c) => / exec --process \S+ --console-socket \S+ --detach /.test(c)),
          'kago exec with a console socket',
        );
    });

    it('UpdateContainerResources: the new limits reach the container’s cgroups', async function () {
      await ctx.cri.UpdateContainerResources({
        container_id: ids.main,
        linux: { memory_limit_in_bytes: 96 * MiB, cpu_shares: 256, cpu_quota: 20_000, cpu_period: 100_000 },
      });
      assert.equal(await sh('main', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes'), `${96 * MiB}\n`);
      assert.equal(await sh('main', 'cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpu/cpu.cfs_quota_us'), '256\n20000\n');
      if (handler === 'kago')
        assert.ok(
          ctx.recorder.callsFor(ids.main!).some((c) => c.endsWith(` update --resources - ${ids.main}`)),
          'the shim ran kago update',
        );
    });

    it('a container’s exit code is the program’s, and its output is in the log the CRI asked for', async function () {
      ids.exits = (await ctx.cri.CreateContainer(container('exits', ['sh', '-c', 'echo out; echo err >&2; exit 7']))).container_id;
      await ctx.cri.StartContainer({ container_id: ids.exits });
      await waitForAsync(async () => (await status('exits')).state === 'CONTAINER_EXITED', 30_000);
      const s = await status('exits');
      assert.equal(s.exit_code, 7);
      assert.equal(s.log_path, join(logDir, 'exits.log'));
      // one line per write: time, stream, F(ull line), text; the two streams in either order
      const log = await waitForLog(join(logDir, 'exits.log'), 2);
      assert.deepEqual(log.map((l) => l.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /, '')).sort(), ['stderr F err', 'stdout F out']);
      assert.match((await waitForLog(join(logDir, 'main.log'), 1)).join('\n'), /^\S+Z stdout F started$/m);
    });

    it('StopContainer: SIGTERM, then SIGKILL once the grace period is over', async function () {
      // main traps TERM and goes on: it is killed after the grace period
      assert.match(await sh('side', 'ps -o stat,args'), /^\S+\s+sleep 2147483646$/m);
      await ctx.cri.StopContainer({ container_id: ids.main, timeout: 2 });
      const main = await status('main');
      assert.equal(main.state, 'CONTAINER_EXITED');
      assert.equal(main.exit_code, 128 + 9);
      assert.match((await waitForLog(join(logDir, 'main.log'), 2)).join('\n'), /^\S+Z stdout F got TERM$/m);
      // main's other process (a background sleep) went with it: the shim's kill --all, as the pod owns the pid namespace
      assert.doesNotMatch(await sh('side', 'ps -o stat,args'), /^\S+\s+sleep 2147483646$/m);
      // side's sleep dies of the TERM itself
      await ctx.cri.StopContainer({ container_id: ids.side, timeout: 30 });
      const side = await status('side');
      assert.equal(side.state, 'CONTAINER_EXITED');
      assert.equal(side.exit_code, 128 + 15);
      for (const pid of pids) assert.ok(processState(pid) === null, `process ${pid} is gone`);
    });

    it('RemoveContainer, StopPodSandbox, RemovePodSandbox: nothing is left of the pod', async function () {
      for (const name of ['main', 'side', 'exits']) await ctx.cri.RemoveContainer({ container_id: ids[name] });
      assert.deepEqual((await ctx.cri.ListContainers({ filter: { pod_sandbox_id: podId } })).containers, []);
      await ctx.cri.StopPodSandbox({ pod_sandbox_id: podId });
      await ctx.cri.RemovePodSandbox({ pod_sandbox_id: podId });
      assert.deepEqual((await ctx.cri.ListContainers({})).containers, []);
      assert.deepEqual((await ctx.cri.ListPodSandbox({})).items, []);
      // the runtime's state, the shim and the cgroups it made
      assert.deepEqual(existsSync(stateRoot()) ? readdirSync(stateRoot()) : [], []);
      for (const id of [podId, ...Object.values(ids)]) {
        assert.equal(kagoState(ctx.scratch, stateRoot(), id, bin), null);
        assert.deepEqual(cgroupDirs(`${cgroupParent.slice(1)}/${id}`), [], `cgroups of ${id}`);
      }
      const shims = (): number[] => processesMentioning(ctx.scratch).filter((pid) => pid !== ctx.containerd.daemon.pid);
      await waitForAsync(async () => shims().length === 0, 20_000);
    });

    it('a hostNetwork pod: the node’s net and uts namespaces, a pid namespace per container; RemovePodSandbox takes its container', async function () {
      const config = {
        ...podConfig,
        metadata: { name: `host-${handler}`, uid: `host-uid-${handler}-${process.pid}`, namespace: 'default', attempt: 0 },
        hostname: '',
        linux: { cgroup_parent: cgroupParent, security_context: { namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } } },
      };
      const pod = (await ctx.cri.RunPodSandbox({ config, runtime_handler: handler })).pod_sandbox_id;
      const request = container('host', ['sleep', '2147483647']) as { config: { linux: { security_context: Record<string, unknown> } } };
      request.config.linux.security_context.namespace_options = { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' };
      const id = (await ctx.cri.CreateContainer({ ...request, pod_sandbox_id: pod, sandbox_config: config })).container_id;
      await ctx.cri.StartContainer({ container_id: id });
      const inside = async (cmd: string[]): Promise<string> => {
        const r = await ctx.cri.ExecSync({ container_id: id, cmd, timeout: 30 });
        assert.equal(r.exit_code, 0, r.stderr.toString());
        return r.stdout.toString();
      };
      const ns = (await inside(['sh', '-c', 'for n in net uts pid; do readlink /proc/self/ns/$n; done'])).split('\n');
      assert.equal(ns[0], readlinkSync('/proc/self/ns/net'));
      assert.equal(ns[1], readlinkSync('/proc/self/ns/uts'));
      assert.notEqual(ns[2], readlinkSync('/proc/self/ns/pid'));
      assert.equal(await inside(['hostname']), `${hostname()}\n`);
      // pid 1 is the container's own program, not the sandbox's
      assert.equal(await inside(['cat', '/proc/1/cmdline']), 'sleep\u00002147483647\u0000');

      await ctx.cri.StopPodSandbox({ pod_sandbox_id: pod });
      await ctx.cri.RemovePodSandbox({ pod_sandbox_id: pod });
      assert.deepEqual((await ctx.cri.ListContainers({})).containers, []);
      assert.deepEqual(existsSync(stateRoot()) ? readdirSync(stateRoot()) : [], []);
      for (const gone of [pod, id]) assert.deepEqual(cgroupDirs(`${cgroupParent.slice(1)}/${gone}`), [], `cgroups of ${gone}`);
    });
  });
}

/** mount point → its per-mount options (mountinfo's 6th field), the last mount on a point winning. */
function parseMountinfo(text: string): Map<string, string[]> {
  const mounts = new Map<string, string[]>();
  for (const line of text.split('\n').filter(Boolean)) {
    const f = line.split(' ');
    mounts.set(f[4]!, f[5]!.split(','));
  }
  return mounts;
}

/** The CRI log's lines once it has at least n (containerd writes them as it reads the fifos). */
async function waitForLog(path: string, n: number): Promise<string[]> {
  let lines: string[] = [];
  await waitForAsync(async () => {
    lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
    return lines.length >= n;
  }, 10_000);
  return lines;
}
