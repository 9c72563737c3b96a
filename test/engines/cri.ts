// The Kubernetes Container Runtime Interface as kubelet speaks it: a gRPC
// client of containerd's CRI plugin (runtime.v1, from the API definition in
// the shared reference data), the WebSocket side of its streaming server
// (Exec), and a containerd of the test's own with the CRI plugin on, its
// images built locally and its pod network a namespace of its own with lo
// and an eth0 paired with a veth in the same namespace (nothing leaves it).
import { copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { kagoBin, runcBin, sharedData } from '../helpers/paths.ts';
import { type Containerd, containerdDir, startContainerd } from './containerd.ts';
import { enginesDir, ok, runTool, writeConfig } from './harness.ts';

/** The namespace the CRI plugin keeps its containers and images in. */
export const CRI_NAMESPACE = 'k8s.io';
export const WORKLOAD_IMAGE = 'localhost/busybox:cri';
export const SANDBOX_IMAGE = 'localhost/pause:cri';
/** The address of the pod's eth0 (in the pod's own network namespace). */
export const POD_ADDRESS = '169.254.77.2/32';

// Messages are plain objects with the proto's field names (proto-loader's
// keepCase); the responses carry the fields the tests read.
type Request = Record<string, unknown>;
type Call<Response = object> = (request: Request) => Promise<Response>;

export interface ContainerStatusMessage {
  state: string;
  exit_code: number;
  log_path: string;
  image: { image: string };
}

/** The RuntimeService calls the tests make, each as a promise. */
export interface RuntimeService {
  Version: Call<{ runtime_name: string; runtime_version: string; runtime_api_version: string }>;
  RunPodSandbox: Call<{ pod_sandbox_id: string }>;
  PodSandboxStatus: Call<{ status: { state: string; runtime_handler: string; network: { ip: string } } }>;
  StopPodSandbox: Call;
  RemovePodSandbox: Call;
  ListPodSandbox: Call<{ items: { id: string }[] }>;
  CreateContainer: Call<{ container_id: string }>;
  StartContainer: Call;
  StopContainer: Call;
  RemoveContainer: Call;
  ListContainers: Call<{ containers: unknown[] }>;
  ContainerStatus: Call<{ status: ContainerStatusMessage; info: Record<string, string> }>;
  UpdateContainerResources: Call;
  ExecSync: Call<{ stdout: Buffer; stderr: Buffer; exit_code: number }>;
  Exec: Call<{ url: string }>;
  close(): void;
}

type Callback = (err: grpc.ServiceError | null, response: object) => void;
type UnaryMethod = (request: Request, options: grpc.CallOptions, callback: Callback) => void;

const RUNTIME_CALLS = [
  'Version',
  'RunPodSandbox',
  'PodSandboxStatus',
  'StopPodSandbox',
  'RemovePodSandbox',
  'ListPodSandbox',
  'CreateContainer',
  'StartContainer',
  'StopContainer',
  'RemoveContainer',
  'ListContainers',
  'ContainerStatus',
  'UpdateContainerResources',
  'ExecSync',
  'Exec',
] as const;

export function criClient(socket: string): RuntimeService {
  const definition = protoLoader.loadSync(join(sharedData, 'cri-api', 'api.proto'), {
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor } } };
  const client = new pkg.runtime.v1.RuntimeService(`unix://${socket}`, grpc.credentials.createInsecure());
  const methods = client as unknown as Record<string, UnaryMethod>;
  const service: Record<string, unknown> = { close: () => client.close() };
  for (const name of RUNTIME_CALLS) {
    service[name] = (request: Request) =>
      new Promise((resolve, reject) =>
        methods[name]!.call(client, request, { deadline: Date.now() + 90_000 }, (err, response) =>
          err ? reject(new Error(`CRI ${name}: ${err.details || err.message}`, { cause: err })) : resolve(response),
        ),
      );
  }
  return service as unknown as RuntimeService;
}

export interface StreamResult {
  stdout: string;
  stderr: string;
  /** The v4 protocol's closing status (channel 3), parsed. */
  status: { status?: string; details?: { causes?: { reason: string; message: string }[] } };
}

/**
 * Speaks the streaming server's WebSocket protocol, v4.channel.k8s.io, as
 * kubectl does: every message starts with its channel (0 stdin, 1 stdout,
 * 2 stderr, 3 the closing status as JSON, 4 terminal size as JSON). send is
 * what to write once the connection is open, [channel, text] each; v4 has no
 * way to close stdin, so the program must not wait for EOF.
 */
export function streamExec(url: string, send: [number, string][] = [], timeoutMs = 30_000): Promise<StreamResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), ['v4.channel.k8s.io']);
    ws.binaryType = 'arraybuffer';
    const out: Record<number, Buffer[]> = { 1: [], 2: [], 3: [] };
    const timer = setTimeout(() => {
      ws.close();
      reject(new Error(`exec stream ${url}: no end in ${timeoutMs} ms`));
    }, timeoutMs);
    ws.onopen = () => {
      if (ws.protocol !== 'v4.channel.k8s.io') reject(new Error(`exec stream: the server chose protocol "${ws.protocol}"`));
      for (const [channel, text] of send) ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(text)]));
    };
    ws.onmessage = (event) => {
      const data = Buffer.from(event.data as ArrayBuffer);
      if (data.length > 0) out[data[0]!]?.push(data.subarray(1));
    };
    ws.onerror = () => {
      clearTimeout(timer);
      reject(new Error(`exec stream ${url}: connection failed`));
    };
    ws.onclose = () => {
      clearTimeout(timer);
      const status = Buffer.concat(out[3]!).toString();
      resolve({
        stdout: Buffer.concat(out[1]!).toString(),
        stderr: Buffer.concat(out[2]!).toString(),
        status: status ? (JSON.parse(status) as StreamResult['status']) : {},
      });
    };
  });
}

/** Where the runtimes keep their state: the shim adds the namespace to it. */
export function runtimeRoots(scratch: string): { kago: string; runc: string } {
  return { kago: join(scratch, 'kago-root'), runc: join(scratch, 'runc-root') };
}

/**
 * The pod network's CNI plugins and configuration in dir, where cri.toml's
 * @SCRATCH@ points (cni-bin, cni-conf).
 */
export function writeCniConfig(dir: string): void {
  const cniBin = join(dir, 'cni-bin');
  const cniConf = join(dir, 'cni-conf');
  mkdirSync(cniBin, { recursive: true });
  mkdirSync(cniConf);
  symlinkSync('/usr/lib/cni/loopback', join(cniBin, 'loopback'));
  copyFileSync(join(enginesDir, 'containerd', 'eth0-veth'), join(cniBin, 'eth0-veth'));
  writeConfig('containerd/cni.conflist', join(cniConf, '10-kago-cri.conflist'), { ADDRESS: POD_ADDRESS });
}

/** The workload and sandbox images as OCI tarballs in dir: [name, tarball] each, for `ctr images import`. */
export function buildCriImages(dir: string): [string, string][] {
  return (
    [
      [WORKLOAD_IMAGE, []],
      [SANDBOX_IMAGE, ['sleep', '2147483647']],
    ] as const
  ).map(([name, entrypoint]) => {
    const [base, tag] = name.split(':') as [string, string];
    const tar = join(dir, `${tag}-${base.split('/')[1]}.tar`);
    ok(runTool(dir, join(enginesDir, 'busybox-oci'), [tar, tag, ...entrypoint]), 'busybox-oci');
    return [name, tar];
  });
}

/** ctr's import of an image built by buildCriImages, under its name. */
export function importArgs(name: string, tar: string): string[] {
  return ['images', 'import', '--base-name', name.split(':')[0]!, tar];
}

/**
 * containerd with the CRI plugin (scripts/engines/containerd/cri.toml), its
 * CNI configuration and plugins in the scratch directory, and both images
 * imported into k8s.io. kago is what the handler `kago` runs (a recorder of
 * its calls, for the tests).
 */
export function startCriContainerd(scratch: string, kago = kagoBin): Containerd {
  writeCniConfig(containerdDir(scratch));
  const roots = runtimeRoots(scratch);
  const containerd = startContainerd(scratch, 'containerd/cri.toml', {
    SANDBOX_IMAGE,
    KAGO: kago,
    KAGO_ROOT: roots.kago,
    RUNC: runcBin,
    RUNC_ROOT: roots.runc,
  });
  for (const [name, tar] of buildCriImages(scratch)) ok(containerd.ctr(CRI_NAMESPACE, importArgs(name, tar)), 'images import');
  return containerd;
}
