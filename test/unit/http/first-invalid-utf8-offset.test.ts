// The offset the router names for invalid UTF-8 agrees with the platform's strict decoder on many random byte strings.
import { describe, expect, it } from '@jest/globals';
import { firstInvalidUtf8Offset } from '../../../src/http/first-invalid-utf8-offset.js';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodes(bytes: Uint8Array): boolean {
  try {
    strict.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A small seeded generator (mulberry32): the same cases on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('firstInvalidUtf8Offset', () => {
  it('finds nothing in well-formed text, astral characters and the edges of each sequence length included', () => {
    for (const text of ['', 'plain', 'Zoë', '€', '😀 and 𝄞', '\u0080\u07ff\u0800\uffff\u{10000}\u{10ffff}', '\ud7ff\ue000']) {
      expect(firstInvalidUtf8Offset(new TextEncoder().encode(text))).toBeUndefined();
    }
  });

  it.each([
    ['a lone continuation byte', [0x80], 0],
    ['C0/C1 (always overlong)', [0x41, 0xc1, 0xbf], 1],
    ['an overlong three-byte form', [0xe0, 0x9f, 0xbf], 0],
    ['an encoded surrogate', [0xed, 0xa0, 0x80], 0],
    ['an overlong four-byte form', [0xf0, 0x8f, 0xbf, 0xbf], 0],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['F5 and above', [0x41, 0x42, 0xf5, 0x80, 0x80, 0x80], 2],
    ['a sequence cut by the end', [0x41, 0xe2, 0x82], 1],
    ['a sequence cut by ASCII', [0xe2, 0x41, 0x82], 0],
  ])('finds %s', (_what, bytes, offset) => {
    expect(firstInvalidUtf8Offset(new Uint8Array(bytes))).toBe(offset);
    expect(decodes(new Uint8Array(bytes))).toBe(false);
  });

  it('agrees with the strict decoder on 20,000 random byte strings, and the bytes before the offset decode', () => {
    const next = random(16);
    // Mostly bytes that start or continue sequences, so that valid and invalid strings both occur often.
    const alphabet = [0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    let valid = 0;
    for (let i = 0; i < 20_000; i++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(next() * 8) }, () => alphabet[Math.floor(next() * alphabet.length)] as number);
      const offset = firstInvalidUtf8Offset(bytes);
      expect([Array.from(bytes), offset === undefined]).toEqual([Array.from(bytes), decodes(bytes)]);
      if (offset === undefined) valid++;
      else expect(decodes(bytes.subarray(0, offset))).toBe(true);
    }
    expect(valid).toBeGreaterThan(500);
  });
});
