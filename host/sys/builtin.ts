// Node's built-in modules that only some commands use, loaded when first
// used: under Bun each is JavaScript evaluated at require time (node:util and
// node:child_process cost ~1-2 ms each; node:crypto, with the streams it
// pulls in, ~3 ms; node:os ~0.4 ms), and a static import is evaluated by
// every command.
interface Lazy {
  'node:crypto': typeof import('node:crypto');
  'node:child_process': typeof import('node:child_process');
  'node:util': typeof import('node:util');
  'node:os': typeof import('node:os');
}

export function builtin<ID extends keyof Lazy>(id: ID): Lazy[ID] {
  return process.getBuiltinModule(id) as Lazy[ID];
}
