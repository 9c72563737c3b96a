// The hidden command the recorder runs as: `kago __seccomp-record REQUEST`
// (lifecycle.ts starts it, the CLI dispatches it to recorder.ts). Its own
// module, so the CLI can know the name without loading the recorder.
export const RECORDER_COMMAND = '__seccomp-record';
