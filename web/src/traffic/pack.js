// The store's tracks as the typed arrays the traffic layer draws: for each track a symbol,
// a line segment per step of its trail and a heading line. Positions are Web Mercator
// offsets from an origin near the site, so that float32 keeps them to millimetres.

import { drawLevel, LEVEL_COLOURS, ROTATING, symbolCell } from '../icons.js';

export const LEADER_S = 30; // the heading line shows where a track will be in this many seconds
const TRAIL_OPACITY = 0.55;
export const RANK = { alert: 3, threat: 2, authorised: 0, none: 1 }; // drawn in this order, highest on top

const EARTH_CIRCUMFERENCE_M = 2 * Math.PI * 6371008.8;
const DEG = Math.PI / 180;

export function mercatorX(lon_deg) {
  return (lon_deg + 180) / 360;
}

export function mercatorY(lat_deg) {
  return 0.5 - Math.log(Math.tan(Math.PI / 4 + (lat_deg * DEG) / 2)) / (2 * Math.PI);
}

// Each symbol, segment and label is a quad of four vertices carrying the same values (the
// shader tells the corners apart by gl_VertexID): SwiftShader, the software WebGL, draws
// instanced quads several times slower than plain ones.
export const CORNERS = 4;

/** Bytes per line vertex: start and end (4 float32), then premultiplied RGBA (4 uint8). */
export const SEGMENT_BYTES = 20;
/** Floats per symbol vertex: x, y, atlas cell, rotation in degrees. */
export const SYMBOL_FLOATS = 4;

/** Premultiplied RGBA as a uint32 whose bytes, little-endian as on every platform browsers run on, are R, G, B, A. */
function premultiplied(hex, opacity) {
  const value = parseInt(hex.slice(1), 16);
  const [r, g, b] = [(value >> 16) & 255, (value >> 8) & 255, value & 255].map((c) => Math.round(c * opacity));
  return (((Math.round(255 * opacity) << 24) | (b << 16) | (g << 8) | r) >>> 0);
}

const TRAIL_RGBA = Object.fromEntries(Object.entries(LEVEL_COLOURS)
  .map(([level, hex]) => [level, premultiplied(hex, TRAIL_OPACITY)]));
const LEADER_RGBA = Object.fromEntries(Object.entries(LEVEL_COLOURS)
  .map(([level, hex]) => [level, premultiplied(hex, 1)]));
const ROTATES = new Set(ROTATING);

/**
 * Everything the layer uploads for one picture. `tracks` is in drawing order (lowest rank
 * first, so the most urgent are drawn on top); `levels` and `positions` (x, y) follow it.
 */
export function packTraffic(trackMap, trails, [originX, originY]) {
  const tracks = [...trackMap.values()];
  const levels = tracks.map(drawLevel);
  const order = tracks.map((_, i) => i).sort((a, b) => RANK[levels[a]] - RANK[levels[b]]);
  const count = tracks.length;

  let segmentCount = 0;
  for (const t of tracks) {
    const trail = trails.get(t.track_id);
    if (trail && trail.length > 1) segmentCount += trail.length - 1;
    if (t.speed_ms > 0.5) segmentCount += 1;
  }
  const segments = new ArrayBuffer(segmentCount * CORNERS * SEGMENT_BYTES);
  const ends = new Float32Array(segments);
  const colours = new Uint32Array(segments);
  const symbols = new Float32Array(count * CORNERS * SYMBOL_FLOATS);
  const positions = new Float32Array(count * 2);
  const drawn = new Array(count);
  const drawnLevels = new Array(count);
  let vertex = 0;

  const addSegment = (x0, y0, x1, y1, rgba) => {
    for (let corner = 0; corner < CORNERS; corner++, vertex++) {
      const f = vertex * (SEGMENT_BYTES / 4);
      ends[f] = x0; ends[f + 1] = y0; ends[f + 2] = x1; ends[f + 3] = y1;
      colours[f + 4] = rgba;
    }
  };

  // trails first, then every heading line, so that heading lines are drawn over trails
  for (const i of order) {
    const trail = trails.get(tracks[i].track_id);
    if (!trail || trail.length < 2) continue;
    const rgba = TRAIL_RGBA[levels[i]];
    let x0 = mercatorX(trail[0][0]) - originX, y0 = mercatorY(trail[0][1]) - originY;
    for (let p = 1; p < trail.length; p++) {
      const x1 = mercatorX(trail[p][0]) - originX, y1 = mercatorY(trail[p][1]) - originY;
      addSegment(x0, y0, x1, y1, rgba);
      x0 = x1; y0 = y1;
    }
  }
  order.forEach((i, slot) => {
    const t = tracks[i];
    const level = levels[i];
    const x = mercatorX(t.lon_deg) - originX, y = mercatorY(t.lat_deg) - originY;
    const cell = symbolCell(t.target_class, level);
    const rotation_deg = ROTATES.has(t.target_class) ? t.heading_deg : 0;
    for (let corner = 0, f = slot * CORNERS * SYMBOL_FLOATS; corner < CORNERS; corner++, f += SYMBOL_FLOATS) {
      symbols[f] = x; symbols[f + 1] = y; symbols[f + 2] = cell; symbols[f + 3] = rotation_deg;
    }
    positions[2 * slot] = x;
    positions[2 * slot + 1] = y;
    drawn[slot] = t;
    drawnLevels[slot] = level;
    if (t.speed_ms > 0.5) {
      // mercator units per metre, east and (negated) north, at this latitude
      const perMetre = 1 / (EARTH_CIRCUMFERENCE_M * Math.cos(t.lat_deg * DEG));
      addSegment(x, y, x + t.vel_e_ms * LEADER_S * perMetre, y - t.vel_n_ms * LEADER_S * perMetre,
                 LEADER_RGBA[level]);
    }
  });
  return { count, tracks: drawn, levels: drawnLevels, positions, symbols, segments, segmentCount };
}
