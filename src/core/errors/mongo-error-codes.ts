/**
 * MongoDB server error codes the embedded engine (`durably/embedded`) answers with, by their `codeName`. The numbers
 * are MongoDB's own (src/mongo/base/error_codes.yml), so drivers and users that match on `code` behave as against a
 * real server. It lives in core, beside {@link CommandError} which carries one, so that every layer of the engine can
 * raise a command error without depending on its command layer.
 */
export const MongoErrorCode = {
  InternalError: 1,
  BadValue: 2,
  FailedToParse: 9,
  TypeMismatch: 14,
  IllegalOperation: 20,
  Unauthorized: 13,
  ProtocolError: 17,
  AuthenticationFailed: 18,
  InvalidBSON: 22,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  ConflictingUpdateOperators: 40,
  PathNotViable: 28,
  NotSingleValueField: 54,
  InvalidLength: 16,
  CursorNotFound: 43,
  NamespaceExists: 48,
  CommandNotFound: 59,
  ImmutableField: 66,
  CannotCreateIndex: 67,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  CommandNotSupported: 115,
  CannotIndexParallelArrays: 171,
  InvalidIndexSpecificationOption: 197,
  BSONObjectTooLarge: 10334,
  DuplicateKey: 11000,
  Location17419: 17419,
  Location40324: 40324,
  Location15955: 15955,
  Location31253: 31253,
  Location31254: 31254,
  NoSuchTransaction: 251,
  InvalidPipelineOperator: 168,
  MechanismUnavailable: 334,
  NoReplicationEnabled: 76,
  TransactionTooOld: 225,
  InvalidResumeToken: 260,
  ChangeStreamFatalError: 280,
  ChangeStreamHistoryLost: 286,
  NotWritablePrimary: 10107,
  NotPrimaryNoSecondaryOk: 13435,
  Location40573: 40573,
  Location40602: 40602,
  Location40674: 40674,
  AlreadyInitialized: 23,
  Location40415: 40415,
} as const;

/** A MongoDB error code name known to the embedded engine. */
export type MongoErrorCodeName = keyof typeof MongoErrorCode;

/** The canonical `codeName` for a numeric code (MongoDB reports `Location<code>` for unnamed codes). */
export function mongoCodeNameOf(code: number): string {
  for (const [name, value] of Object.entries(MongoErrorCode)) if (value === code) return name;
  return `Location${code}`;
}
