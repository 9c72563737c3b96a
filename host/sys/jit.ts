// The single-file executable starts with JavaScriptCore's tier-up thresholds
// raised a hundredfold (scripts/bundle.mjs, --compile-jit-policy): a kago
// command runs most of its code once and exits, and compiling that code on
// JIT threads cost more CPU than it saved (docs/performance.md). Work that
// goes on for as long as a container does (relaying its output, answering
// its system calls) asks for the normal policy back.
type BunUnsafe = { unsafe?: { setJITPolicy?(scale: number): void } };

/** Back to JavaScriptCore's normal JIT thresholds; nothing under Node.js. */
export function useNormalJitPolicy(): void {
  (globalThis as { Bun?: BunUnsafe }).Bun?.unsafe?.setJITPolicy?.(1);
}
