// A pod through the CRI with the systemd cgroup driver, the kubelet's
// recommended set-up: containerd's CRI plugin with SystemdCgroup = true in a
// systemd machine (test/helpers/systemd.ts), the pod's cgroup parent a
// kubelet-style slice, on kago and on runc 1.1.5 side by side.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runcBin } from '../helpers/paths.ts';
import { nspawnAvailable, SystemdMachine } from '../helpers/systemd.ts';
import { waitFor } from '../helpers/wait.ts';
import { buildCriImages, CRI_NAMESPACE, criClient, importArgs, type RuntimeService, SANDBOX_IMAGE, WORKLOAD_IMAGE, writeCniConfig } from './cri.ts';
import { writeConfig } from './harness.ts';

const PROPS = ['ActiveState', 'Slice', 'Delegate', 'MemoryLimit', 'CPUShares', 'DevicePolicy'];

describe('a Kubernetes pod through the CRI with the systemd cgroup driver, in a systemd machine', function () {
  this.timeout(180_000);
  let m: SystemdMachine;
  let cri: RuntimeService | undefined;
  const ctr = (args: string[]) => m.exec(['ctr', '--address', '/x/containerd/containerd.sock', '--namespace', CRI_NAMESPACE, ...args]);

  before(function () {
    if (!nspawnAvailable()) this.skip();
    this.timeout(120_000);
    m = new SystemdMachine();
    m.boot();
    const dir = join(m.scratch, 'containerd');
    mkdirSync(dir);
    writeCniConfig(dir);
    const config = writeConfig('containerd/cri.toml', join(dir, 'config.toml'), {
      SCRATCH: '/x/containerd',
      SANDBOX_IMAGE,
      KAGO: '/kago/bin/kago',
      KAGO_ROOT: '/x/kago-root',
      RUNC: runcBin,
      RUNC_ROOT: '/x/runc-root',
    });
    // the one change from the cgroupfs set-up: both handlers on systemd
    const text = readFileSync(config, 'utf8');
    assert.equal(text.match(/SystemdCgroup = false/g)?.length, 2);
    writeFileSync(config, text.replaceAll('SystemdCgroup = false', 'SystemdCgroup = true'));
    const images = buildCriImages(dir);
    m.sh('setsid containerd --config /x/containerd/config.toml > /x/containerd/log 2>&1 < /dev/null &');
    waitFor(() => ctr(['version']).code === 0, 30_000);
    for (const [name, tar] of images)
      m.ok(['ctr', '--address', '/x/containerd/containerd.sock', '--namespace', CRI_NAMESPACE, ...importArgs(name, m.inside(tar))]);
    // the socket is in the machine's scratch directory, which the host sees too
    cri = criClient(join(dir, 'containerd.sock'));
  });

  after(async function () {
    if (!m) return;
    if (cri) {
      for (const pod of (await cri.ListPodSandbox({}).catch(() => ({ items: [] }))).items as { id: string }[]) {
        await cri.StopPodSandbox({ pod_sandbox_id: pod.id }).catch(() => undefined);
        await cri.RemovePodSandbox({ pod_sandbox_id: pod.id }).catch(() => undefined);
      }
      cri.close();
    }
    m.exec(['sh', '-c', 'kill $(pidof containerd)']);
    m.teardown();
  });

  it('puts the pod and its container in cri-containerd-ID.scope units under the pod’s kubepods slice, on kago as on runc, and removes them', async function () {
    const shown: Record<string, Record<string, string>> = {};
    for (const handler of existsSync(runcBin) ? ['kago', 'runc'] : ['kago']) {
      const uid = `${handler}${process.pid}`;
      const slice = `kubepods-besteffort-pod${uid}.slice`;
      mkdirSync(join(m.scratch, `logs-${handler}`));
      const podConfig = {
        metadata: { name: `pod-${handler}`, uid, namespace: 'default', attempt: 0 },
        hostname: `pod-${handler}`,
        log_directory: `/x/logs-${handler}`,
        linux: { cgroup_parent: slice, security_context: { namespace_options: { network: 'POD', pid: 'POD', ipc: 'POD' } } },
      };
      const pod = (await cri!.RunPodSandbox({ config: podConfig, runtime_handler: handler })).pod_sandbox_id;
      const id = (
        await cri!.CreateContainer({
          pod_sandbox_id: pod,
          sandbox_config: podConfig,
          config: {
            metadata: { name: 'c', attempt: 0 },
            image: { image: WORKLOAD_IMAGE },
            command: ['sleep', '2147483647'],
            log_path: 'c.log',
            linux: {
              resources: { memory_limit_in_bytes: 64 << 20, cpu_shares: 512 },
              security_context: { namespace_options: { network: 'POD', pid: 'POD', ipc: 'POD' } },
            },
          },
        })
      ).container_id;
      await cri!.StartContainer({ container_id: id });

      const units = [pod, id].map((i) => `cri-containerd-${i}.scope`);
      const path = `/kubepods.slice/kubepods-besteffort.slice/${slice}/${units[1]}`;
      const pid = JSON.parse((await cri!.ContainerStatus({ container_id: id, verbose: true })).info.info).pid as number;
      const cgroups = m
        .ok(['cat', `/proc/${pid}/cgroup`])
        .stdout.trim()
        .split('\n');
      for (const line of cgroups) assert.ok(line.endsWith(`:${path}`), `${handler}: ${line}`);
      // what the container sees of it
      const inside = await cri!.ExecSync({ container_id: id, cmd: ['cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes'], timeout: 30 });
      assert.equal(inside.stdout.toString(), `${64 << 20}\n`);
      shown[handler] = m.show(units[1]!, PROPS);
      assert.equal(m.show(units[0]!, ['ActiveState', 'Slice']).Slice, slice);

      await cri!.StopContainer({ container_id: id, timeout: 10 });
      await cri!.RemoveContainer({ container_id: id });
      await cri!.StopPodSandbox({ pod_sandbox_id: pod });
      await cri!.RemovePodSandbox({ pod_sandbox_id: pod });
      for (const unit of units) waitFor(() => !m.unitLoaded(unit), 20_000);
      assert.equal(m.exec(['sh', '-c', `ls -A /x/${handler}-root/${CRI_NAMESPACE}`]).stdout, '');
    }
    assert.deepEqual(shown.kago, {
      ActiveState: 'active',
      Slice: `kubepods-besteffort-podkago${process.pid}.slice`,
      Delegate: 'yes',
      MemoryLimit: String(64 << 20),
      CPUShares: '512',
      DevicePolicy: 'strict',
    });
    if (shown.runc) assert.deepEqual({ ...shown.kago, Slice: '' }, { ...shown.runc, Slice: '' });
    assert.deepEqual((await cri!.ListContainers({})).containers, []);
  });
});
