import { describe, expect, it } from 'vitest';
import { itemsFromPath, moveItem, pathFromItems } from '../src/features/path/path-items';

describe('path chips', () => {
  it('round-trip paths, keeping skipped layers as greyed chips', () => {
    for (const path of [[0, 1, 2, 3], [0, 2, 3], [0, 1, 1, 1, 3], [3, 2, 1, 0], [], [1, 1, 0]]) {
      const items = itemsFromPath(path, 4);
      expect(pathFromItems(items)).toEqual(path);
      expect(new Set(items.map((i) => i.layer))).toEqual(new Set([0, 1, 2, 3]));
    }
    expect(itemsFromPath([0, 2, 2, 3], 4)).toEqual([
      { layer: 0, repeat: 1, skipped: false }, { layer: 1, repeat: 1, skipped: true },
      { layer: 2, repeat: 2, skipped: false }, { layer: 3, repeat: 1, skipped: false },
    ]);
    expect(itemsFromPath(null, 3).every((i) => !i.skipped && i.repeat === 1)).toBe(true);
  });

  it('moves a chip', () => {
    expect(pathFromItems(moveItem(itemsFromPath(null, 4), 3, 0))).toEqual([3, 0, 1, 2]);
  });
});
