// Track labels: each text drawn once into an atlas canvas (the traffic layer's label
// texture), then placed every frame under its symbol, most urgent first, none overlapping.

import { CORNERS, RANK } from './pack.js';

const LABEL_ALL_UP_TO = 300; // more tracks than this: only urgent or selected ones...
const LABEL_IN_VIEW_UP_TO = 100; // ...unless the view is close enough to hold this few
const FONT_PX = 11;
const LINE_PX = 13;
const HALO_PX = 2;
const BELOW_PX = 1.5 * FONT_PX; // from the symbol's centre to the top of its label
const ATLAS_PX = 2048;
const GRID_PX = 64; // collision grid cell, CSS pixels

/** Floats per label vertex (four a label): anchor (2), offset (2), atlas rectangle (4). */
export const LABEL_FLOATS = 8;

export function trackLabel(t) {
  const lines = [`#${t.track_id} ${t.target_class}`,
                 `${Math.round(t.up_m)} m  ${Math.round(t.speed_ms)} m/s`];
  const who = t.callsign || t.identity;
  if (who) lines.push(who);
  return lines.join('\n');
}

/** Label texts packed in rows on one canvas; cleared when full (texts change every update). */
export class LabelAtlas {
  constructor(ratio) {
    this.ratio = ratio; // atlas pixels per CSS pixel
    this.canvas = document.createElement('canvas');
    this.canvas.width = this.canvas.height = ATLAS_PX;
    this.ctx = this.canvas.getContext('2d', { willReadFrequently: true }); // rows are read back to upload
    Object.assign(this.ctx, {
      font: `600 ${FONT_PX * ratio}px "DejaVu Sans", "Liberation Sans", sans-serif`, textAlign: 'center',
      textBaseline: 'top', lineJoin: 'round', lineWidth: 2 * HALO_PX * ratio, strokeStyle: '#000000',
      fillStyle: '#d8dee6',
    });
    this.clear();
  }

  clear() {
    // The texture keeps the old pixels, but no rectangle points at them any more.
    this.ctx.clearRect(0, 0, ATLAS_PX, ATLAS_PX);
    this.rects = new Map();
    this.sizes = new Map();
    this.x = 0;
    this.y = 0;
    this.rowHeight = 0;
    this.dirtyFrom = ATLAS_PX; // rows [dirtyFrom, dirtyTo) drawn since the last upload
    this.dirtyTo = 0;
  }

  /** [width, height] of `text` drawn, in atlas pixels. */
  size(text) {
    let size = this.sizes.get(text);
    if (!size) {
      const { ctx, ratio } = this;
      const lines = text.split('\n');
      size = [Math.ceil(Math.max(...lines.map((l) => ctx.measureText(l).width)) + 2 * HALO_PX * ratio) + 2,
              Math.ceil((lines.length * LINE_PX + 2 * HALO_PX) * ratio) + 2];
      this.sizes.set(text, size);
    }
    return size;
  }

  /** [x, y, width, height] of `text` in the atlas, drawing it if new; null when full. */
  rect(text) {
    const known = this.rects.get(text);
    if (known) return known;
    const { ctx, ratio } = this;
    const [width, height] = this.size(text);
    const lines = text.split('\n');
    if (this.x + width > ATLAS_PX) {
      this.x = 0;
      this.y += this.rowHeight;
      this.rowHeight = 0;
    }
    if (this.y + height > ATLAS_PX) return null;
    lines.forEach((line, i) => {
      const at = [this.x + width / 2, this.y + 1 + (HALO_PX + i * LINE_PX) * ratio];
      ctx.strokeText(line, ...at);
      ctx.fillText(line, ...at);
    });
    const rect = [this.x, this.y, width, height];
    this.rects.set(text, rect);
    this.dirtyFrom = Math.min(this.dirtyFrom, this.y);
    this.dirtyTo = Math.max(this.dirtyTo, this.y + height);
    this.x += width;
    this.rowHeight = Math.max(this.rowHeight, height);
    return rect;
  }

  /** The rows to upload since the last call, or null. */
  takeDirtyRows() {
    if (this.dirtyTo <= this.dirtyFrom) return null;
    const rows = [this.dirtyFrom, this.dirtyTo];
    this.dirtyFrom = ATLAS_PX;
    this.dirtyTo = 0;
    return rows;
  }
}

/**
 * Which tracks get a label this frame, and where: selected first, then alerts and threats,
 * then (with few tracks, or few in view) the rest; a label overlapping a placed one is left out.
 * `screen` holds each slot's CSS-pixel position (NaN when not drawn). Returns the vertices.
 */
export function placeLabels(picture, screen, atlas, selectedId, [width, height]) {
  const { count, tracks, levels, positions } = picture;
  const inView = [];
  for (let slot = 0; slot < count; slot++) {
    const x = screen[2 * slot], y = screen[2 * slot + 1];
    if (x >= 0 && x <= width && y >= 0 && y <= height) inView.push(slot);
  }
  const labelAll = count <= LABEL_ALL_UP_TO || inView.length <= LABEL_IN_VIEW_UP_TO;
  const priority = (slot) => (tracks[slot].track_id === selectedId ? 9 : RANK[levels[slot]]);
  const wanted = inView.filter((slot) => labelAll || priority(slot) >= RANK.threat);
  wanted.sort((a, b) => priority(b) - priority(a) || b - a);

  for (let attempt = 1; ; attempt++) {
    const grid = new Map();
    const rows = new Float32Array(wanted.length * CORNERS * LABEL_FLOATS);
    let placed = 0;
    let full = false;
    for (const slot of wanted) {
      const text = trackLabel(tracks[slot]);
      const [w, h] = atlas.size(text).map((px) => px / atlas.ratio);
      const box = [screen[2 * slot] - w / 2, screen[2 * slot + 1] + BELOW_PX, 0, 0];
      box[2] = box[0] + w;
      box[3] = box[1] + h;
      if (collides(grid, box)) continue;
      const rect = atlas.rect(text);
      if (!rect) {
        full = true;
        break;
      }
      occupy(grid, box);
      const vertex = [positions[2 * slot], positions[2 * slot + 1], -rect[2] / 2, BELOW_PX * atlas.ratio, ...rect];
      for (let corner = 0; corner < CORNERS; corner++) rows.set(vertex, (placed * CORNERS + corner) * LABEL_FLOATS);
      placed += 1;
    }
    // Full of texts from earlier updates: start again with only this frame's. Still full (a
    // screen of labels on a high-density display): the least urgent go without.
    if (!full || attempt === 2) return rows.subarray(0, placed * CORNERS * LABEL_FLOATS);
    atlas.clear();
  }
}

function cells(box) {
  const keys = [];
  for (let gx = Math.floor(box[0] / GRID_PX); gx <= Math.floor(box[2] / GRID_PX); gx++) {
    for (let gy = Math.floor(box[1] / GRID_PX); gy <= Math.floor(box[3] / GRID_PX); gy++) keys.push(gx * 100003 + gy);
  }
  return keys;
}

function collides(grid, box) {
  for (const key of cells(box)) {
    for (const other of grid.get(key) || []) {
      if (box[0] < other[2] && other[0] < box[2] && box[1] < other[3] && other[1] < box[3]) return true;
    }
  }
  return false;
}

function occupy(grid, box) {
  for (const key of cells(box)) {
    const list = grid.get(key);
    if (list) list.push(box);
    else grid.set(key, [box]);
  }
}
