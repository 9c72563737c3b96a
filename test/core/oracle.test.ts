// The runtime-spec's own JSON schema as an oracle: generated configs (valid
// ones and seeded mutations of them) go through ajv and through the core.
// Whatever the schema rejects, the core must reject at the same place or
// above it; whatever the core rejects beyond the schema must be one of the
// semantic rules listed below, each with the sentence of the spec (or the
// kernel fact) behind it.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { prng } from '../helpers/prng.ts';
import { specDir, validate, errorsOf, validConfig, type Json, type JsonObject } from './core-fixture.ts';

const require = createRequire(import.meta.url);

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
}
interface AjvValidate {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}
interface AjvInstance {
  addSchema(schema: object, key: string): unknown;
  compile(schema: object): AjvValidate;
}
type AjvConstructor = new (options: object) => AjvInstance;

function compileSchema(): AjvValidate {
  const Ajv = (require('ajv') as { default: AjvConstructor }).default;
  const addFormats = (require('ajv-formats') as { default: (ajv: AjvInstance) => void }).default;
  // The schema declares draft-04; ajv 8 reads draft-07, which agrees on every
  // keyword these files use (no boolean exclusiveMinimum, no "id").
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const load = (name: string): JsonObject => {
    // defs.json's ArrayOfUint32 refers to "#definitions/uint32" (a missing
    // '/'), which ajv refuses to resolve.
    const schema = JSON.parse(readFileSync(new URL(name, specDir), 'utf8').replace('"#definitions/', '"#/definitions/')) as JsonObject;
    delete schema.$schema;
    return schema;
  };
  for (const name of readdirSync(specDir)) {
    if (/^(defs|config-(?!schema)).*\.json$/.test(name)) ajv.addSchema(load(name), name);
  }
  return ajv.compile(load('config-schema.json'));
}

// --- the documented rules: what the core refuses that the schema allows ------

interface SemanticRule {
  pointer: RegExp;
  message: RegExp;
  why: string;
}

const semanticRules: SemanticRule[] = [
  {
    pointer: /^\/ociVersion$/,
    message: /semantic version|not supported|must not start with 'v'|leading zero|empty (pre-release|build)/,
    why: 'config.md: ociVersion "MUST be in SemVer v2.0.0 format"; kago implements 1.0.0 to 1.3.x (compatibility within a major version)',
  },
  {
    pointer: /^\/root$/,
    message: /is required on Linux/,
    why: 'config.md: root "On all other platforms, this field is REQUIRED" (only Hyper-V goes without); the schema cannot say it per platform',
  },
  { pointer: /^\/root\/path$/, message: /must not be empty/, why: 'config.md: root.path is the path to the root filesystem; an empty string names none' },
  { pointer: /^\/process\/user(\/uid|\/gid)?$/, message: /^is required$/, why: 'config.md (POSIX process): user is REQUIRED, with uid and gid REQUIRED' },
  { pointer: /^\/process\/args$/, message: /must not be empty/, why: 'config.md: args "... at least one entry is REQUIRED (non-Windows)"' },
  { pointer: /^\/process\/cwd$/, message: /absolute path/, why: 'config.md: cwd "This value MUST be an absolute path"' },
  {
    pointer: /^(\/process\/env|\/hooks\/\w+\/\d+\/env)\/\d+$/,
    message: /NAME=value/,
    why: 'config.md: env has "the same semantics as IEEE Std 1003.1-2008\'s environ", entries of the form name=value',
  },
  {
    pointer: /^\/(hostname|domainname)$/,
    message: /'uts' namespace/,
    why: 'setting a name without a UTS namespace would rename the host; runc and crun refuse it (early config.md: "you can only set this if your bundle creates a new UTS namespace")',
  },
  {
    pointer: /^\/linux\/namespaces\/\d+\/path$|^\/linux\/devices\/\d+\/path$|^\/linux\/(maskedPaths|readonlyPaths)\/\d+$|^\/hooks\/\w+\/\d+\/path$/,
    message: /absolute path/,
    why: 'config-linux.md: namespace path, device path, maskedPaths and readonlyPaths "MUST be an absolute path"; config.md: a hook path MUST be absolute',
  },
  {
    pointer: /^\/linux\/namespaces\/\d+$/,
    message: /already listed/,
    why: 'config-linux.md: "If a namespaces field contains duplicated namespaces with same type, the runtime MUST generate an error"',
  },
  {
    pointer: /^\/linux\/(uid|gid)Mappings$/,
    message: /required when a new user namespace is created/,
    why: 'a new user namespace needs mappings for any id to exist in it (runc: "user namespaces enabled, but no mappings")',
  },
  {
    pointer: /\/(uid|gid)Mappings\/\d+\/size$/,
    message: /greater than 0/,
    why: 'user_namespaces(7): a mapping of length 0 maps nothing and the kernel refuses it',
  },
  {
    pointer: /^\/linux\/devices\/\d+\/(major|minor)$/,
    message: /required for a device of type/,
    why: 'config-linux.md: major, minor are "REQUIRED unless type is p"',
  },
  {
    pointer: /^\/process\/capabilities\/\w+\/\d+$/,
    message: /Linux capability name/,
    why: 'config.md: "Any value which cannot be mapped to a relevant kernel interface ... MUST cause the runtime to generate an error"',
  },
  {
    pointer: /^\/process\/rlimits\/\d+\/type$/,
    message: /getrlimit\(2\)|already set/,
    why: 'config.md: rlimit types are those of getrlimit(2), unknown ones and duplicates MUST generate an error',
  },
  { pointer: /^\/process\/rlimits\/\d+\/soft$/, message: /greater than hard/, why: 'setrlimit(2): EINVAL when rlim_cur > rlim_max' },
  { pointer: /^\/process\/oomScoreAdj$/, message: /-1000 to 1000/, why: 'proc(5): oom_score_adj ranges from -1000 to 1000' },
  {
    pointer: /^\/process\/scheduler\/(nice|priority|runtime|deadline)$/,
    message: /nice value|1 to 99|must be 0 with|greater than/,
    why: 'sched(7) and sched_setattr(2): nice -20..19, priorities 1..99 for SCHED_FIFO/RR and 0 otherwise, runtime <= deadline <= period',
  },
  { pointer: /^\/process\/ioPriority\/priority$/, message: /0 \(highest\) to 7/, why: 'ioprio_set(2): levels 0 to 7' },
  {
    pointer: /^\/process\/execCPUAffinity\/(initial|final)$/,
    message: /list of CPUs/,
    why: 'config.md: "a comma-separated list, with dashes to represent ranges"',
  },
  {
    pointer: /^\/linux\/cgroupsPath$/,
    message: /"\.\."|slice:prefix:name|\.slice/,
    why: 'config-linux.md: "Runtimes MAY consider certain cgroupsPath values to be invalid, and MUST generate an error"',
  },
  {
    pointer: /^\/linux\/sysctl\/[^/]+$/,
    message: /namespace|not namespaced|not a sysctl name/,
    why: 'only namespaced sysctls can be set for a container (ipc_namespaces(7), network_namespaces(7)); runc and crun refuse the others',
  },
  {
    pointer: /^\/linux\/timeOffsets(\/[^/]+)?$/,
    message: /clock with a namespace offset|'time' namespace/,
    why: 'time_namespaces(7): offsets exist for monotonic and boottime, in a new time namespace',
  },
  { pointer: /^\/linux\/timeOffsets\/\w+\/nanosecs$/, message: /less than 1000000000/, why: 'time_namespaces(7): nanoseconds >= 10^9 are refused with EINVAL' },
  {
    pointer: /^\/linux\/netDevices\/[^/]+(\/name)?$/,
    message: /network interface name/,
    why: "the kernel's dev_valid_name(): 1 to 15 characters, no '/', ':' or white space",
  },
  { pointer: /^\/linux\/intelRdt\/closID$/, message: /directory name/, why: 'config-linux.md: closID names a sub-directory of the resctrl file system' },
  {
    pointer: /^\/linux\/intelRdt\/memBwSchema$/,
    message: /must start with "MB:"/,
    why: 'config-linux.md: memBwSchema "MUST start with MB: and MUST NOT contain newlines"',
  },
  {
    pointer: /^\/linux\/memoryPolicy(\/mode|\/nodes|\/flags)?$/,
    message: /^is required$|must be empty with|at least one node|must not combine|only allowed with MPOL_BIND|list of NUMA nodes/,
    why: 'config-linux.md: mode is REQUIRED; set_mempolicy(2) node and flag rules (EINVAL)',
  },
  {
    pointer: /^\/linux\/personality(\/domain|\/flags\/\d+)$/,
    message: /^is required$|no personality flags/,
    why: 'config-linux.md: domain is REQUIRED; flags: "Currently no flag values are supported"',
  },
  {
    pointer: /^\/linux\/seccomp(\/syscalls\/\d+)?\/(defaultErrnoRet|errnoRet)$/,
    message: /only be used with SCMP_ACT_ERRNO or SCMP_ACT_TRACE|16 bits/,
    why: 'config-linux.md: "When the action doesn\'t support an errno, the runtime MUST print and error and fail"; SECCOMP_RET_DATA is 16 bits',
  },
  {
    pointer: /^\/linux\/seccomp\/syscalls\/\d+\/args\/\d+\/index$/,
    message: /argument index from 0 to 5/,
    why: 'syscall(2): a system call has at most six arguments',
  },
  {
    pointer: /^\/linux\/seccomp\/syscalls\/\d+\/names\/\d+$/,
    message: /syscall name/,
    why: 'config-linux.md: names are syscall names; an empty string names none',
  },
  {
    pointer: /^\/linux\/seccomp\/(defaultAction|listenerPath|listenerMetadata)$/,
    message: /SCMP_ACT_NOTIFY|without listenerPath|unix socket path/,
    why: 'config-linux.md: listenerMetadata "MUST NOT be set if listenerPath is not set"; the notify fd is sent over listenerPath (unix(7) path length)',
  },
  {
    pointer: /^\/linux\/resources\/devices\/\d+\/(access|type)$/,
    message: /letters r, w and m|"a" \(all\)/,
    why: 'config-linux.md: type is a, c or b; access "A composition of r (read), w (write), and m (mknod)"',
  },
  {
    pointer: /^\/linux\/resources\/devices\/\d+\/(major|minor)$/,
    message: /-1 for all/,
    why: 'config-linux.md: device numbers, with -1 meaning all (the "*" of the devices controller)',
  },
  {
    pointer: /^\/linux\/resources\/memory\/\w+$/,
    message: /-1 for unlimited|swappiness|must not be less than limit/,
    why: 'config-linux.md: "Values for memory specify the limit in bytes, or -1 for unlimited"; swappiness "values are from 0 to 100"; swap is memory+swap',
  },
  {
    pointer: /^\/linux\/resources\/cpu\/(cpus|mems|idle|burst|realtimeRuntime)$/,
    message: /list such as|SCHED_IDLE|larger than/,
    why: 'cpuset(7) list format; config-linux.md: idle 0 or 1, a positive quota "MUST be no smaller than burst"; rt_runtime <= rt_period',
  },
  {
    pointer: /^\/linux\/resources\/blockIO\/weightDevice\/\d+$/,
    message: /weight or leafWeight/,
    why: 'config-linux.md: "You MUST specify at least one of weight or leafWeight in a given entry"',
  },
  { pointer: /^\/linux\/resources\/blockIO\/throttle\w+\/\d+\/rate$/, message: /^is required$/, why: 'config-linux.md: rate (uint64, REQUIRED)' },
  {
    pointer: /^\/linux\/resources\/rdma\/[^/]+$/,
    message: /hcaHandles or hcaObjects/,
    why: 'config-linux.md: "You MUST specify at least one of the hcaHandles or hcaObjects in a given entry"',
  },
  { pointer: /^\/linux\/resources\/unified\/[^/]*$/, message: /cgroup file name/, why: 'each key names a file in the container cgroup directory' },
  {
    pointer: /^\/mounts\/\d+\/destination$/,
    message: /must not be empty/,
    why: 'config.md: destination is the mount point inside the container; an empty string names none',
  },
  {
    pointer: /^\/mounts\/\d+\/(uidMappings|gidMappings|options)$/,
    message: /id-mapped mount/,
    why: 'mount_setattr(2) MOUNT_ATTR_IDMAP takes a user namespace with both maps and is set on a detached copy of a mount: runc refuses id-mapped mounts without both maps or that are not bind mounts',
  },
  {
    pointer: /^\/mounts\/\d+\/source$/,
    message: /a bind mount needs a source/,
    why: 'config.md: source is "a file or directory name for bind mounts"; mount(2) with MS_BIND copies an existing path, and runc fails its create without one',
  },
  {
    pointer: /.*/,
    message: /without a fraction or exponent/,
    why: "integers written as 1.0 or 1e3 are refused by Go's encoding/json (runc, containerd), so kago refuses them too",
  },
  { pointer: /.*/, message: /NUL character/, why: 'a NUL in a path or name would cut it where the kernel reads it' },
];

// --- generation ----------------------------------------------------------------

function escapeToken(t: string): string {
  return t.replace(/~/g, '~0').replace(/\//g, '~1');
}

interface Site {
  pointer: string;
  value: Json;
  parent: Json[] | JsonObject | null;
  key: string;
}

function sites(doc: Json, pointer = '', parent: Json[] | JsonObject | null = null, key = ''): Site[] {
  const out: Site[] = [{ pointer, value: doc, parent, key }];
  if (Array.isArray(doc)) {
    doc.forEach((v, i) => {
      out.push(...sites(v, `${pointer}/${i}`, doc, String(i)));
    });
  } else if (doc !== null && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) out.push(...sites(v, `${pointer}/${escapeToken(k)}`, doc, k));
  }
  return out;
}

const otherTypes: Json[] = ['x', 7, -3, true, null, [], {}, ['x'], { k: 'v' }];
const numbers: Json[] = [
  -1, -2, -1001, 0, 1, 5, 7, 8, 20, 100, 101, 1000, 1001, 65535, 65536, 4294967295, 4294967296, 1e15, 1.5, -2147483649, 2147483648, 511, 512, 999999999,
  1000000000,
];
const strings: Json[] = [
  'bogus',
  '',
  'relative/path',
  '/abs/path',
  'a=b',
  'NOEQUALS',
  '0-3',
  '3-0',
  'MB:0=1',
  'L3:0=1',
  '..',
  'x:y:z',
  'user.slice:p:n',
  'eth0',
  'a/b',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_NOTIFY',
  'CAP_SYS_ADMIN',
  'RLIMIT_AS',
  'MPOL_BIND',
  'net.ipv4.ip_forward',
  'kernel.panic',
  'p',
  'u',
  'rw',
  'rwx',
  '1.0.0',
  '2.0.0',
];

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)]!;
}

type Mutator = (rand: () => number, site: Site) => Json | undefined | 'skip';

const mutators: Record<string, Mutator> = {
  wrongType: (rand, s) => {
    const sameKind = (v: Json) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
    const candidates = otherTypes.filter((v) => sameKind(v) !== sameKind(s.value));
    return pick(rand, candidates);
  },
  remove: (_rand, s) => (s.parent === null ? 'skip' : undefined),
  number: (rand, s) => (typeof s.value === 'number' ? pick(rand, numbers) : 'skip'),
  string: (rand, s) => {
    if (typeof s.value !== 'string') return 'skip';
    return rand() < 0.3 ? `${s.value}X` : pick(rand, strings);
  },
  array: (rand, s) => {
    if (!Array.isArray(s.value)) return 'skip';
    const r = rand();
    if (r < 0.3) return [];
    if (r < 0.6 && s.value.length > 0) return [...s.value, structuredClone(s.value[0]!)];
    return [...s.value, pick(rand, otherTypes)];
  },
  object: (rand, s) => {
    if (s.value === null || typeof s.value !== 'object' || Array.isArray(s.value)) return 'skip';
    return rand() < 0.5 ? {} : { ...s.value, 'x-unknown': pick(rand, otherTypes) };
  },
};

function mutate(doc: JsonObject, rand: () => number, kind: string, site: Site): JsonObject | null {
  const replacement = mutators[kind]!(rand, site);
  if (replacement === 'skip') return null;
  return replace(doc, site.pointer, replacement);
}

function find(doc: Json, pointer: string): Site {
  let site: Site = { pointer: '', value: doc, parent: null, key: '' };
  for (const raw of pointer === '' ? [] : pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const parent = site.value as Json[] | JsonObject;
    const value = Array.isArray(parent) ? parent[Number(key)]! : parent[key]!;
    site = { pointer: `${site.pointer}/${raw}`, value, parent, key };
  }
  return site;
}

function replace(doc: JsonObject, pointer: string, replacement: Json | undefined): JsonObject | null {
  const copy = structuredClone(doc);
  const target = find(copy, pointer);
  if (target.parent === null)
    return replacement !== undefined && typeof replacement === 'object' && !Array.isArray(replacement) && replacement !== null ? replacement : null;
  if (Array.isArray(target.parent)) {
    if (replacement === undefined) target.parent.splice(Number(target.key), 1);
    else target.parent[Number(target.key)] = replacement;
  } else if (replacement === undefined) {
    delete target.parent[target.key];
  } else {
    target.parent[target.key] = replacement;
  }
  return copy;
}

function readJson(url: URL): JsonObject {
  return JSON.parse(readFileSync(url, 'utf8')) as JsonObject;
}

const bases: Array<[string, JsonObject]> = [
  ['full-linux', readJson(new URL('fixtures/full-linux.json', import.meta.url))],
  ['spec-example', readJson(new URL('test/config/good/spec-example.json', specDir))],
  ['minimal-for-start', readJson(new URL('test/config/good/minimal-for-start.json', specDir))],
  ['linux-rdma', readJson(new URL('test/config/good/linux-rdma.json', specDir))],
  ['linux-netdevice', readJson(new URL('test/config/good/linux-netdevice.json', specDir))],
  ['validConfig', { ...validConfig(), linux: { ...(validConfig().linux as JsonObject), rootfsPropagation: 'private' } }],
];

interface Case {
  name: string;
  doc: JsonObject;
}

function* generate(): Generator<Case> {
  // Every base as it is.
  for (const [name, doc] of bases) yield { name, doc };
  // Every site of every base: each other JSON type, removal, and for numbers
  // and strings every value of the lists above (ranges and words are where
  // the rules are).
  for (const [name, doc] of bases) {
    for (const site of sites(doc)) {
      const replacements: Array<Json | undefined> = otherTypes.filter((v) => typeof v !== typeof site.value || Array.isArray(v) !== Array.isArray(site.value));
      if (site.parent !== null) replacements.push(undefined);
      if (typeof site.value === 'number') replacements.push(...numbers);
      if (typeof site.value === 'string') replacements.push(...strings, `${site.value}X`);
      for (const r of replacements) {
        const m = replace(doc, site.pointer, r);
        if (m !== null) yield { name: `${name} ${site.pointer} = ${JSON.stringify(r) ?? '(removed)'}`, doc: m };
      }
    }
  }
  // Arrays and objects, shrunk and grown.
  const rand = prng(0x6b61676f);
  for (const [name, doc] of bases) {
    for (const site of sites(doc)) {
      for (const kind of ['array', 'object']) {
        const m = mutate(doc, rand, kind, site);
        if (m !== null) yield { name: `${name} ${kind} ${site.pointer}`, doc: m };
      }
    }
  }
  // Random stacks of two to four mutations.
  for (let i = 0; i < 3000; i++) {
    const [name, base] = pick(rand, bases);
    let doc = base;
    const steps: string[] = [];
    const n = 2 + Math.floor(rand() * 3);
    for (let k = 0; k < n; k++) {
      const site = pick(rand, sites(doc));
      const kind = pick(rand, Object.keys(mutators));
      const m = mutate(doc, rand, kind, site);
      if (m !== null) {
        doc = m;
        steps.push(`${kind} ${site.pointer}`);
      }
    }
    yield { name: `${name} ${steps.join(', ')}`, doc };
  }
}

function schemaPointers(errors: AjvError[]): string[] {
  // An anyOf error only repeats, one level up, what its branches said.
  return errors
    .filter((e) => e.keyword !== 'anyOf')
    .map((e) => (e.keyword === 'required' ? `${e.instancePath}/${escapeToken(String(e.params.missingProperty))}` : e.instancePath));
}

function related(a: string, b: string): boolean {
  return a === b || a === '' || b === '' || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

function atOrAbove(kago: string, schema: string): boolean {
  return kago === schema || kago === '' || schema.startsWith(`${kago}/`);
}

describe('core: the runtime-spec schema as an oracle', function () {
  this.timeout(300000);

  it('agrees with the schema on thousands of generated configs', function () {
    const schemaValidate = compileSchema();
    let count = 0;
    let schemaRejected = 0;
    let kagoOnly = 0;
    const ruleUse = new Map<SemanticRule, number>();
    const failures: string[] = [];
    for (const c of generate()) {
      count++;
      const schemaOk = schemaValidate(c.doc);
      const schemaAt = schemaOk ? [] : schemaPointers(schemaValidate.errors ?? []);
      const kago = errorsOf(validate(c.doc));
      if (!schemaOk) schemaRejected++;
      for (const p of schemaAt) {
        if (!kago.some((e) => atOrAbove(e.pointer, p))) {
          failures.push(`${c.name}: the schema rejects ${p || '(document)'} but kago does not (${JSON.stringify(kago.map((e) => e.pointer))})`);
        }
      }
      for (const e of kago) {
        if (schemaAt.some((p) => related(e.pointer, p))) continue;
        const rule = semanticRules.find((r) => r.pointer.test(e.pointer) && r.message.test(e.message));
        if (rule === undefined) {
          failures.push(`${c.name}: kago rejects ${e.pointer}: ${e.message} — no schema error there and no documented rule`);
        } else {
          ruleUse.set(rule, (ruleUse.get(rule) ?? 0) + 1);
          if (schemaOk) kagoOnly++;
        }
      }
      if (failures.length > 20) break;
    }
    assert.deepEqual(failures, []);
    this.test!.title +=
      ` [${count} configs: ${schemaRejected} rejected by the schema, ${kagoOnly} errors from ${ruleUse.size} documented semantic rules on schema-valid configs]`;
    assert.ok(count > 3000, `${count} cases`);
    assert.ok(schemaRejected > 1000, `${schemaRejected} schema rejections`);
  });
});
