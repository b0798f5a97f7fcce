// @vitest-environment jsdom
/** The label-balance bar chart: one bar per label in sorted order, counts and shares as text, widths proportional. */
import { describe, expect, it } from 'vitest';
import { labelBalanceChart } from '../../src/charts/label-balance';

describe('label balance chart', () => {
  it('draws one bar per label, sorted, with count and percentage', () => {
    const svg = labelBalanceChart({ true: 300, false: 100 }, { title: 'label balance' });
    const bars = [...svg.querySelectorAll('g.bar')];
    expect(bars.map((b) => b.getAttribute('data-label'))).toEqual(['false', 'true']);
    expect(bars.map((b) => b.querySelector('text.name')?.textContent)).toEqual(['false', 'true']);
    expect(bars.map((b) => b.querySelector('text.count')?.textContent)).toEqual(['100 (25.0%)', '300 (75.0%)']);
    const w = bars.map((b) => Number(b.querySelector('rect')?.getAttribute('width')));
    expect(Math.abs(w[1]! / w[0]! - 3)).toBeLessThanOrEqual(1e-9);
    expect(svg.querySelector('text.title')?.textContent).toBe('label balance');
    expect(svg.getAttribute('height')).toBe(String(22 + 6 + 2 * 20));
    expect(svg.querySelector('[data-testid="label-true"] title')?.textContent).toBe('true: 300 rows (75.0%)');
    // Different labels get different colours.
    expect(bars[0]?.querySelector('rect')?.getAttribute('fill')).not.toBe(bars[1]?.querySelector('rect')?.getAttribute('fill'));
  });

  it('says "no labels" for an unlabelled set', () => {
    const svg = labelBalanceChart({});
    expect(svg.querySelectorAll('g.bar').length).toBe(0);
    expect(svg.textContent).toContain('no labels');
  });

  it('sums labels past maxLabels into one "more" bar and truncates long names', () => {
    const balance: Record<string, number> = {};
    for (let i = 0; i < 20; i++) balance[`label_${String(i).padStart(2, '0')}_with_a_long_name`] = i + 1;
    const svg = labelBalanceChart(balance, { maxLabels: 5 });
    const bars = [...svg.querySelectorAll('g.bar')];
    expect(bars.length).toBe(5);
    const rest = svg.querySelector('[data-testid="label-rest"]');
    expect(rest?.querySelector('text.name')?.textContent).toBe('… 16 more');
    // Kept: the four largest (17..20 rows); the rest hold 1+…+16 = 136 rows of 210.
    expect(rest?.querySelector('text.count')?.textContent).toBe('136 (64.8%)');
    expect(bars[0]?.querySelector('text.name')?.textContent).toBe('label_16_with_a…');
  });
});
