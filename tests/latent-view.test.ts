// @vitest-environment jsdom
/**
 * The latent view's pieces: the language-ID of token pieces (hand-picked pieces against the
 * demo word lists), the curves chart (one point per layer at its relative depth, the band
 * from lo to hi), the entropy strip (one cell per layer, plasma on 0–14 bits) and the CSV.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { entropyStrip, latentCurvesChart } from '../src/charts/latent-chart';
import type { LatentResult, WordLists } from '../src/contracts/latent';
import { readWordCsv } from '../src/contracts/latent-csv';
import { langIndex, pieceLanguage } from '../src/features/latent/lang-id';
import { latentCsv } from '../src/state/latent';

function lists(): WordLists {
  const out: WordLists = {};
  for (const l of ['en', 'fr', 'de', 'ru']) {
    const r = readWordCsv(readFileSync(`public/latent-language/demo/${l}/clean.csv`, 'utf8'), l);
    if ('error' in r) throw new Error(r.error);
    out[l] = r.rows;
  }
  return out;
}

describe('language of a token piece', () => {
  const idx = langIndex(lists(), ['de', 'fr', 'en']);
  it('by script, then by the word lists', () => {
    expect(pieceLanguage('␣собака', idx)).toBe('ru');
    expect(pieceLanguage('云', idx)).toBe('zh');
    expect(pieceLanguage('ねこ', idx)).toBe('ja');
    expect(pieceLanguage('␣Hund', idx)).toBe('de'); // a whole German word
    expect(pieceLanguage('chien', idx)).toBe('fr');
    expect(pieceLanguage('␣dog', idx)).toBe('en');
    expect(pieceLanguage('Paris', idx)).toBe('?'); // the same word in all three lists
    expect(pieceLanguage('"', idx)).toBe('?');
    expect(pieceLanguage('<0xE4>', idx)).toBe('?');
    expect(pieceLanguage('x', idx)).toBe('?'); // one letter: too short to say
  });
});

describe('latent charts', () => {
  it('curves: one circle per layer at its mean; the band spans lo..hi', () => {
    const svg = latentCurvesChart([
      { name: 'A · target de', x: [0.5, 1], mean: [0.1, 0.9], lo: [0.05, 0.8], hi: [0.15, 1], color: '#1f77b4' },
      { name: 'B · target de', x: [1 / 3, 2 / 3, 1], mean: [0, 0.2, 0.6], lo: [-0.01, 0.1, 0.5], hi: [0.01, 0.3, 0.7], color: '#1f77b4', dashed: true },
    ]);
    const a = [...svg.querySelectorAll('circle[data-series="A · target de"]')].map((c) => Number(c.getAttribute('data-v')));
    expect(a).toEqual([0.1, 0.9]);
    expect(svg.querySelectorAll('circle[data-series="B · target de"]')).toHaveLength(3);
    expect(svg.querySelectorAll('path[data-band]')).toHaveLength(2);
    expect(svg.querySelector('circle[data-series="A · target de"] title')?.textContent).toContain('mean 0.100 (95% 0.0500 … 0.150)');
  });

  it('entropy strip: one cell per layer per model, colour from the bits', () => {
    const svg = entropyStrip([{ name: 'A', x: [0.5, 1], bits: [0, 14] }, { name: 'B', x: [1 / 3, 2 / 3, 1], bits: [3, 7, 20] }]);
    const cells = [...svg.querySelectorAll('rect[data-bits]')];
    expect(cells.map((c) => Number(c.getAttribute('data-bits')))).toEqual([0, 14, 3, 7, 20]);
    // plasma(0) = #0d0887, plasma(1) = #f0f921 (d3-scale-chromatic's ends); 20 bits is clipped to the top colour.
    expect(cells[0]?.getAttribute('fill')).toBe('#0d0887');
    expect(cells[1]?.getAttribute('fill')).toBe('#f0f921');
    expect(cells[4]?.getAttribute('fill')).toBe('#f0f921');
  });

  it('CSV: one row per model, layer and series', () => {
    const band = (v: number) => ({ mean: [v, v], lo: [v - 1, v - 1], hi: [v + 1, v + 1] });
    const r = { target: 'de', latent: ['en'], layers: [0, 1], relDepth: [0.5, 1], pTarget: band(0.2), pLatent: { en: band(0.3) }, entropyBits: [4, 1], n: 7 } as unknown as LatentResult;
    const rows = latentCsv([{ label: 'A: demo', result: r }]);
    expect(rows[0]).toEqual(['model', 'layer', 'relDepth', 'series', 'mean', 'lo', 'hi', 'entropyBits', 'n']);
    expect(rows.slice(1)).toEqual([
      ['A: demo', 0, 0.5, 'target de', 0.2, -0.8, 1.2, 4, 7],
      ['A: demo', 0, 0.5, 'latent en', 0.3, -0.7, 1.3, 4, 7],
      ['A: demo', 1, 1, 'target de', 0.2, -0.8, 1.2, 1, 7],
      ['A: demo', 1, 1, 'latent en', 0.3, -0.7, 1.3, 1, 7],
    ]);
  });
});
