// state, list: what engines and people read about containers.
import { stateReport } from '../report.ts';
import { formatError, KagoError, UsageError } from '../../errors.ts';
import { bool, str } from '../args.ts';
import { type Command, requireArgs } from '../command.ts';
import { writeErr, writeOut } from '../../output.ts';
import type { ContainerState } from '../../state/types.ts';

export const state: Command = {
  name: 'state',
  usage: 'state <container-id>',
  summary: 'print the state of a container as JSON',
  flags: [],
  run(ctx, args) {
    const [id] = requireArgs(args, 1, 1, 'container id');
    writeOut(`${JSON.stringify(stateReport(ctx.store, ctx.store.read(id!)), null, 2)}\n`);
    return 0;
  },
};

export const list: Command = {
  name: 'list',
  usage: 'list [command options]',
  summary: 'list containers',
  flags: [
    { names: ['format', 'f'], type: 'string', arg: 'table|json', help: 'output format (default: table)' },
    { names: ['quiet', 'q'], type: 'bool', help: 'print only the ids' },
  ],
  run(ctx, args) {
    requireArgs(args, 0, 0, 'none');
    const format = str(args.flags, 'format') ?? 'table';
    if (format !== 'table' && format !== 'json') throw new UsageError(`invalid format option ${JSON.stringify(format)}`);
    // As runc: a container whose state cannot be read is named on stderr and the others are listed.
    const reports = ctx.store.ids().flatMap((id) => {
      let s: ContainerState | null;
      try {
        s = ctx.store.tryRead(id);
      } catch (e) {
        if (!(e instanceof KagoError)) throw e;
        writeErr(`kago: ${formatError(e)} (not listed)\n`);
        return [];
      }
      return s ? [stateReport(ctx.store, s, true)] : [];
    });
    if (bool(args.flags, 'quiet')) {
      for (const r of reports) writeOut(`${r.id}\n`);
    } else if (format === 'json') {
      writeOut(`${JSON.stringify(reports)}\n`);
    } else {
      const rows = [
        ['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
        ...reports.map((r) => [r.id, String(r.pid), r.status, r.bundle, r.created, r.owner]),
      ];
      const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
      for (const row of rows) writeOut(`${row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]! + 3))).join('')}\n`);
    }
    return 0;
  },
};
