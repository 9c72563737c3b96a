// Seccomp: compile time of Docker's default profile in kago's core (wasm and
// native builds) against libseccomp, with the filter sizes and the number of
// instructions a syscall walks, all from bench/seccomp-table.mjs, whose table
// is parsed here rather than measured a second way.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

function parseRow(line) {
  const [name, instructions, mean, max, compile] = line.split(' | ');
  const ms = (re) => {
    const m = re.exec(compile);
    return m ? Number(m[1]) : NaN;
  };
  return {
    name,
    instructions: Number(instructions),
    meanExecuted: mean.split(' / ').map(Number),
    maxExecuted: Number(max),
    compileMs: ms(/^([\d.]+) ms/),
    nativeMs: ms(/([\d.]+) ms native/),
  };
}

export function seccompTable({ repo, node, profile }) {
  const r = spawnSync(node, [join(repo, 'bench', 'seccomp-table.mjs'), profile], { encoding: 'utf8', cwd: repo });
  if (r.status !== 0) return { error: (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ') };
  const lines = r.stdout.split('\n').filter((l) => l.split(' | ').length === 5 && !l.startsWith('filter |'));
  const rows = lines.map(parseRow);
  const kago = rows.find((x) => x.name === 'kago');
  const lib = rows.filter((x) => x.name.startsWith('libseccomp'));
  const fastestLib = Math.min(...lib.map((x) => x.compileMs));
  return { profile, rows, kagoWasmMs: kago?.compileMs, kagoNativeMs: kago?.nativeMs, libseccompMs: fastestLib, speedup: fastestLib / (kago?.compileMs ?? NaN) };
}
