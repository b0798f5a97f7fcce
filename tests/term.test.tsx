// @vitest-environment jsdom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GLOSSARY } from '../src/features/help/glossary';
import { MethodNotes } from '../src/features/help/MethodNotes';
import { Term } from '../src/features/help/Term';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
// jsdom has no layout: scrolling is a no-op here (the e2e checks the real scroll).
Element.prototype.scrollIntoView = function scrollIntoView() {};

let host: HTMLDivElement;
let root: Root;
beforeEach(async () => {
  history.replaceState(null, '', '/#s=experiment');
  host = document.createElement('div');
  document.body.append(host);
  root = createRoot(host);
  await act(async () => root.render(<><label>budget <Term id="chain-budget" /> <input /></label><MethodNotes /></>));
});
afterEach(async () => {
  await act(async () => root.unmount());
  host.remove();
});

const tip = () => document.querySelector('[role="tooltip"]');
const help = () => host.querySelector<HTMLAnchorElement>('[data-testid="term-help-chain-budget"]') as HTMLAnchorElement;

describe('Term', () => {
  it('shows the glossary definition on hover and hides it on leave', async () => {
    const term = host.querySelector('[data-term="chain-budget"]') as HTMLElement;
    expect(term.textContent).toBe('budget?');
    expect(tip()).toBeNull();
    await act(async () => term.dispatchEvent(new MouseEvent('mouseover', { bubbles: true })));
    expect(tip()?.textContent).toBe(`budget: ${GLOSSARY['chain-budget'].definition}`);
    expect(help().getAttribute('aria-describedby')).toBe(tip()?.id);
    await act(async () => term.dispatchEvent(new MouseEvent('mouseout', { bubbles: true, relatedTarget: document.body })));
    expect(tip()).toBeNull();
  });

  it('shows it on keyboard focus of the ?, and Escape hides it', async () => {
    await act(async () => help().focus());
    expect(tip()?.textContent).toContain(GLOSSARY['chain-budget'].definition);
    await act(async () => help().dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true })));
    expect(tip()).toBeNull();
  });

  it('links to the notes page at the anchor; a click opens the panel there and leaves the fragment alone', async () => {
    expect(help().getAttribute('href')).toBe('/methods.html#chain-budget');
    const input = host.querySelector('input') as HTMLInputElement;
    await act(async () => help().click());
    const panel = document.querySelector('[data-testid="method-notes"]');
    expect(panel?.getAttribute('data-anchor')).toBe('chain-budget');
    expect(document.getElementById('mn-chain-budget')?.textContent).toContain('Budget');
    expect(document.getElementById('mn-chain-budget')?.classList.contains('md-target')).toBe(true);
    // The click neither navigated nor reached the labelled input.
    expect(location.hash).toBe('#s=experiment');
    expect(document.activeElement).not.toBe(input);
    await act(async () => window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' })));
    expect(document.querySelector('[data-testid="method-notes"]')).toBeNull();
    expect(location.hash).toBe('#s=experiment');
  });

  it('a modified click is left to the browser (new tab), the panel stays shut', async () => {
    const ev = new MouseEvent('click', { bubbles: true, cancelable: true, ctrlKey: true });
    // jsdom would navigate on the default action: stop it after React has seen the event.
    window.addEventListener('click', (e) => e.preventDefault(), { once: true });
    await act(async () => help().dispatchEvent(ev));
    expect(document.querySelector('[data-testid="method-notes"]')).toBeNull();
  });
});
