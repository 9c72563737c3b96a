// The one error of the typed face of the core: an answer of the C module
// that does not have the shape its TypeScript type promises, or a module
// that lacks an export. Either is a build that does not match its sources,
// never something a config can cause.
import { KagoError } from '../host/errors.ts';

export class CoreResultError extends KagoError {
  constructor(reason: string) {
    super('', reason);
  }
}
