// The Linux constants the plan carries: host/linux.ts, for the architecture
// kago runs on.
export * from '../linux.ts';
