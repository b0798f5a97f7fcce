/**
 * Readable display pieces for tokens. Byte-level BPE (GPT-2, Qwen, Llama 3) stores
 * bytes as printable stand-in characters; SentencePiece marks a word start with ▁.
 * We show a leading space as ␣, newlines as ↵, tabs as ⇥, and bytes that are not
 * valid UTF-8 on their own as <0xNN>.
 */
export const SPACE_MARK = '␣';

let byteDecoder: Map<string, number> | undefined;
/** Inverse of GPT-2's bytes_to_unicode: stand-in character → byte. */
function byteLevelDecoder(): Map<string, number> {
  if (byteDecoder) return byteDecoder;
  const m = new Map<string, number>();
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    m.set(String.fromCodePoint(printable ? b : 256 + extra++), b);
  }
  byteDecoder = m;
  return m;
}

function showWhitespace(s: string): string {
  return s.replace(/^ /, SPACE_MARK).replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/\r/g, '␍');
}

function hexBytes(bytes: number[]): string {
  return bytes.map((b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`).join('');
}

/** Display text of a raw vocabulary entry. */
export function displayPiece(raw: string, byteLevel: boolean): string {
  if (byteLevel) {
    const dec = byteLevelDecoder();
    const bytes: number[] = [];
    for (const ch of raw) {
      const b = dec.get(ch);
      if (b === undefined) return showWhitespace(raw); // added/special tokens are stored verbatim
      bytes.push(b);
    }
    try {
      return showWhitespace(new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes)));
    } catch {
      return hexBytes(bytes);
    }
  }
  if (/^<0x[0-9A-Fa-f]{2}>$/.test(raw)) return raw.toUpperCase().replace('0X', '0x');
  return showWhitespace(raw.replace(/▁/g, ' ')).replace(/ /g, (_m, i: number) => (i === 0 ? SPACE_MARK : ' '));
}
