/** MongoDB wire protocol opcodes the engine reads or writes. */
export const OpCode = {
  /** Legacy reply, sent only in answer to OP_QUERY (the driver's first handshake). */
  Reply: 1,
  /** Legacy query; modern drivers use it only for the initial `ismaster` handshake. */
  Query: 2004,
  /** Compressed envelope; never sent to us because the handshake advertises no compressors. */
  Compressed: 2012,
  /** The modern message: a body section and optional document sequences. */
  Msg: 2013,
} as const;

/** OP_MSG flag bits (MongoDB wire protocol specification). */
export const MsgFlag = {
  ChecksumPresent: 1 << 0,
  MoreToCome: 1 << 1,
  ExhaustAllowed: 1 << 16,
} as const;

/** Largest message accepted, as advertised in `hello.maxMessageSizeBytes`. */
export const MAX_MESSAGE_SIZE = 48_000_000;
