// The hidden command through which the launcher has a start it did itself
// worded by the host once init was released: `kago __start-failed KIND ID
// [TEXT]` (native/launcher/main.c spells it too; start.ts words it). Its own
// module, so the CLI can know the name without loading start.ts.
export const START_FAILED_COMMAND = '__start-failed';
