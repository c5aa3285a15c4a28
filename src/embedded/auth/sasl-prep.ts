// RFC 4013 (SASLprep) as SCRAM-SHA-256 needs it: drivers prepare the password this way before hashing it, so the
// engine must derive its stored key from the same string.

/** C.1.2: non-ASCII space characters, mapped to U+0020. */
function isNonAsciiSpace(code: number): boolean {
  return code === 0x00a0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200b) || code === 0x202f || code === 0x205f || code === 0x3000;
}

/** B.1: characters commonly mapped to nothing. */
function isMappedToNothing(code: number): boolean {
  return code === 0x00ad || code === 0x034f || code === 0x1806 || (code >= 0x180b && code <= 0x180d)
    || (code >= 0x200b && code <= 0x200d) || code === 0x2060 || (code >= 0xfe00 && code <= 0xfe0f) || code === 0xfeff;
}

/** The prohibited output of RFC 4013 §2.3 (tables C.2.1 to C.9 of RFC 3454; C.1.2 is mapped away before). */
function isProhibited(code: number): boolean {
  return code < 0x20 || code === 0x7f // C.2.1
    || (code >= 0x80 && code <= 0x9f) || code === 0x06dd || code === 0x070f || code === 0x180e
    || code === 0x200c || code === 0x200d || code === 0x2028 || code === 0x2029 || (code >= 0x2060 && code <= 0x2063)
    || (code >= 0x206a && code <= 0x206f) || code === 0xfeff || (code >= 0xfff9 && code <= 0xfffd)
    || (code >= 0x1d173 && code <= 0x1d17a) // C.2.2, C.6
    || (code >= 0xe000 && code <= 0xf8ff) || (code >= 0xf0000 && code <= 0xffffd) || (code >= 0x100000 && code <= 0x10fffd) // C.3
    || (code >= 0xfdd0 && code <= 0xfdef) || (code & 0xfffe) === 0xfffe // C.4
    || (code >= 0xd800 && code <= 0xdfff) // C.5 (lone surrogates)
    || (code >= 0x2ff0 && code <= 0x2ffb) // C.7
    || code === 0x0340 || code === 0x0341 || code === 0x200e || code === 0x200f || (code >= 0x202a && code <= 0x202e) // C.8
    || code === 0xe0001 || (code >= 0xe0020 && code <= 0xe007f); // C.9
}

/**
 * Prepares a password as SASLprep (RFC 4013) does: non-ASCII spaces become spaces, invisible characters are
 * dropped, the result is NFKC-normalised. Returns undefined when the result holds a prohibited character (a control
 * character, for instance): no driver could authenticate with such a password. The bidirectional-text rules are not
 * checked; a password they would refuse is accepted here and simply never matches.
 */
export function saslPrep(value: string): string | undefined {
  let mapped = '';
  for (const char of value) {
    const code = char.codePointAt(0) as number;
    if (isNonAsciiSpace(code)) mapped += ' ';
    else if (!isMappedToNothing(code)) mapped += char;
  }
  const normalized = mapped.normalize('NFKC');
  for (const char of normalized) {
    if (isProhibited(char.codePointAt(0) as number)) return undefined;
  }
  return normalized;
}
