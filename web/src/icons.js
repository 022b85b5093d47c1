// Track symbols: one shape per class, one Okabe-Ito colour per threat level, so neither
// colour nor shape alone has to be told apart (colour-blind safe). Drawn once on a canvas.

export const LEVEL_COLOURS = {
  none: '#56B4E9',       // sky blue
  authorised: '#009E73', // bluish green
  threat: '#E69F00',     // orange
  alert: '#D55E00',      // vermillion
};
export const CLASSES = ['drone', 'bird', 'aircraft', 'rocket', 'unknown'];
export const ROTATING = ['bird', 'aircraft', 'rocket']; // shapes with a nose; the others stay upright

const SIZE = 48; // canvas pixels; shown at 24 CSS pixels
export const SYMBOL_CSS_PX = SIZE / 2;

function path(ctx, cls) {
  const c = SIZE / 2;
  ctx.beginPath();
  switch (cls) {
    case 'drone': // a quadcopter: square body with four rotors
      for (const [dx, dy] of [[-1, -1], [1, -1], [1, 1], [-1, 1]]) {
        ctx.moveTo(c + dx * 12 + 7, c + dy * 12);
        ctx.arc(c + dx * 12, c + dy * 12, 7, 0, 2 * Math.PI);
      }
      ctx.rect(c - 7, c - 7, 14, 14);
      break;
    case 'bird': // a gull's wings
      ctx.moveTo(c - 20, c - 4); ctx.quadraticCurveTo(c - 10, c - 14, c, c + 2);
      ctx.quadraticCurveTo(c + 10, c - 14, c + 20, c - 4); ctx.lineTo(c + 20, c + 4);
      ctx.quadraticCurveTo(c + 10, c - 4, c, c + 12); ctx.quadraticCurveTo(c - 10, c - 4, c - 20, c + 4);
      ctx.closePath();
      break;
    case 'aircraft': // fuselage, wings and tailplane, nose up
      ctx.moveTo(c, c - 21); ctx.lineTo(c + 3, c - 12); ctx.lineTo(c + 3, c - 5); ctx.lineTo(c + 20, c + 4);
      ctx.lineTo(c + 20, c + 8); ctx.lineTo(c + 3, c + 4); ctx.lineTo(c + 3, c + 13); ctx.lineTo(c + 9, c + 18);
      ctx.lineTo(c + 9, c + 21); ctx.lineTo(c, c + 18); ctx.lineTo(c - 9, c + 21); ctx.lineTo(c - 9, c + 18);
      ctx.lineTo(c - 3, c + 13); ctx.lineTo(c - 3, c + 4); ctx.lineTo(c - 20, c + 8); ctx.lineTo(c - 20, c + 4);
      ctx.lineTo(c - 3, c - 5); ctx.lineTo(c - 3, c - 12);
      ctx.closePath();
      break;
    case 'rocket': // a narrow dart
      ctx.moveTo(c, c - 22); ctx.lineTo(c + 8, c + 16); ctx.lineTo(c, c + 9); ctx.lineTo(c - 8, c + 16);
      ctx.closePath();
      break;
    default: // unknown: a diamond
      ctx.moveTo(c, c - 16); ctx.lineTo(c + 16, c); ctx.lineTo(c, c + 16); ctx.lineTo(c - 16, c);
      ctx.closePath();
  }
}

function draw(cls, colour) {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = SIZE;
  const ctx = canvas.getContext('2d');
  path(ctx, cls);
  ctx.fillStyle = colour;
  ctx.fill('nonzero');
  ctx.lineWidth = 3;
  ctx.strokeStyle = '#000000';
  ctx.stroke();
  if (cls === 'unknown') {
    ctx.fillStyle = '#000000';
    ctx.font = 'bold 18px sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText('?', SIZE / 2, SIZE / 2 + 1);
  }
  return ctx.getImageData(0, 0, SIZE, SIZE);
}

export const LEVELS = Object.keys(LEVEL_COLOURS);

/** Every class in every level's colour on one canvas: a row per class, a column per level. */
export function symbolAtlas() {
  const canvas = document.createElement('canvas');
  canvas.width = SIZE * LEVELS.length;
  canvas.height = SIZE * CLASSES.length;
  const ctx = canvas.getContext('2d');
  CLASSES.forEach((cls, row) => LEVELS.forEach((level, column) => {
    ctx.putImageData(draw(cls, LEVEL_COLOURS[level]), column * SIZE, row * SIZE);
  }));
  return { canvas, columns: LEVELS.length, rows: CLASSES.length };
}

const CLASS_INDEX = Object.fromEntries(CLASSES.map((cls, i) => [cls, i]));
const LEVEL_INDEX = Object.fromEntries(LEVELS.map((level, i) => [level, i]));

/** The atlas cell of a class (unknown classes draw as "unknown") in a level's colour. */
export function symbolCell(cls, level) {
  return (CLASS_INDEX[cls] ?? CLASS_INDEX.unknown) * LEVELS.length + LEVEL_INDEX[level];
}

/** Add an image "sensor-HEALTH" for every sensor health. */
export function addSensorIcons(map) {
  for (const [health, colour] of Object.entries(HEALTH_COLOURS)) {
    map.addImage(`sensor-${health}`, drawSensor(colour, health === 'down'), { pixelRatio: 2 });
  }
}

export const HEALTH_COLOURS = { ok: '#009E73', degraded: '#F0E442', down: '#D55E00', unknown: '#999999' };

function drawSensor(colour, crossed) {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 32;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = colour; ctx.strokeStyle = '#000000'; ctx.lineWidth = 3;
  ctx.beginPath(); ctx.moveTo(16, 3); ctx.lineTo(29, 27); ctx.lineTo(3, 27); ctx.closePath();
  ctx.fill(); ctx.stroke();
  if (crossed) {
    ctx.beginPath(); ctx.moveTo(9, 12); ctx.lineTo(23, 26); ctx.moveTo(23, 12); ctx.lineTo(9, 26); ctx.stroke();
  }
  return ctx.getImageData(0, 0, 32, 32);
}

/** The level a track is drawn in: its threat level, or "authorised" when it has none. */
export function drawLevel(track) {
  if (track.level === 'none' && track.authorised) return 'authorised';
  return track.level;
}
