import { describe, expect, it } from '@jest/globals';
import { saslPrep } from '../../../../src/embedded/auth/sasl-prep.js';

describe('saslPrep (RFC 4013)', () => {
  it('leaves printable ASCII as it is', () => {
    expect(saslPrep('Pa55 w0rd!~')).toBe('Pa55 w0rd!~');
  });

  it('maps non-ASCII spaces to a space and drops characters mapped to nothing', () => {
    expect(saslPrep('a\u00a0b\u3000c')).toBe('a b c');
    expect(saslPrep('I\u00adX')).toBe('IX');
    expect(saslPrep('x\u200by')).toBe('x y'); // ZERO WIDTH SPACE is a non-ASCII space first, as drivers map it
  });

  it('normalises to NFKC', () => {
    expect(saslPrep('\u2168')).toBe('IX'); // ROMAN NUMERAL NINE
    expect(saslPrep('\u00aa')).toBe('a');
    expect(saslPrep('e\u0301')).toBe('\u00e9');
  });

  it('refuses prohibited characters', () => {
    expect(saslPrep('bell\u0007')).toBeUndefined();
    expect(saslPrep('del\u007f')).toBeUndefined();
    expect(saslPrep('private\ue000')).toBeUndefined();
    expect(saslPrep('rtl\u202e')).toBeUndefined();
  });
});
