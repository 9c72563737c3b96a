export const KAGO_VERSION = '0.1.0';
/** The newest runtime-spec version kago implements. */
export const SPEC_VERSION = '1.3.0';
