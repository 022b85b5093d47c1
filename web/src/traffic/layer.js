// Every track on the map in one MapLibre custom layer: trails and heading lines, symbols by
// class in threat colours, and labels, each one draw call from buffers filled once per
// update. A GeoJSON source would re-tile the whole picture in the worker on every update and
// redraw the map three or four times while the tiles trickle back; without a GPU each redraw
// costs a tenth of a second. Here an update is one upload and one redraw.

import { SYMBOL_CSS_PX, symbolAtlas } from '../icons.js';
import { LABEL_FLOATS, LabelAtlas, placeLabels } from './labels.js';
import { CORNERS, mercatorX, mercatorY, packTraffic, SEGMENT_BYTES, SYMBOL_FLOATS } from './pack.js';
import {
  LABEL_VERTEX, LINE_FRAGMENT, LINE_VERTEX, program, SPRITE_VERTEX, TEXTURE_FRAGMENT,
} from './shaders.js';

const LINE_CSS_PX = 1.5;
const EMPTY = { count: 0, tracks: [], levels: [], positions: new Float32Array(0), symbols: new Float32Array(0),
                segments: new ArrayBuffer(0), segmentCount: 0 };
const QUAD_INDICES = [0, 1, 2, 1, 3, 2]; // two triangles over corners 0..3 (see shaders.js)

/** `matrix` (column-major, float64) times a translation to `origin`, as float32. */
function translated(matrix, [x, y]) {
  const out = new Float32Array(matrix);
  for (let row = 0; row < 4; row++) out[12 + row] = matrix[row] * x + matrix[4 + row] * y + matrix[12 + row];
  return out;
}

export class TrafficLayer {
  /** `origin`: [lon, lat] near the tracks (the site); positions are kept relative to it. */
  constructor(id, origin) {
    this.id = id;
    this.type = 'custom';
    this.renderingMode = '2d';
    this.origin = [mercatorX(origin[0]), mercatorY(origin[1])];
    this.source = [new Map(), new Map()]; // the tracks and trails to draw
    this.stale = false; // the source has changed since it was packed and uploaded
    this.uploaded = EMPTY; // the picture in the GL buffers
    this.selectedId = null;
    this.screen = new Float32Array(0); // each slot's CSS-pixel position in the last frame
    this.screenKey = '';
    this.labelRows = new Float32Array(0);
    this.onDrawn = null; // called with the picture once a frame has drawn it
    this.gl = null;
  }

  onAdd(map) {
    this.map = map;
    this.gl = null; // set up again in the next render (after a lost WebGL context, on a new one)
    this.stale = true;
  }

  onRemove(map, gl) {
    if (!this.gl || gl.isContextLost()) return;
    for (const p of Object.values(this.programs)) gl.deleteProgram(p.handle);
    for (const b of Object.values(this.buffers)) gl.deleteBuffer(b);
    for (const v of Object.values(this.vaos)) gl.deleteVertexArray(v);
    gl.deleteTexture(this.symbolTexture);
    gl.deleteTexture(this.labelTexture);
    this.gl = null;
  }

  /**
   * Show these tracks (a Map of track_id -> track, and of track_id -> [[lon, lat], ...]
   * trails) in the next frame, as they are then: updates within one frame cost one packing.
   */
  setTracks(tracks, trails) {
    this.source = [tracks, trails];
    this.stale = true;
    this.map.triggerRepaint();
  }

  setSelected(trackId) {
    if (trackId === this.selectedId) return;
    this.selectedId = trackId;
    this.screenKey = ''; // labels are placed again
    this.map.triggerRepaint();
  }

  // ---- GL ------------------------------------------------------------------------------

  setUp(gl) {
    // Done in the first render, where MapLibre expects its GL state to be disturbed.
    this.gl = gl;
    this.programs = {
      line: program(gl, LINE_VERTEX, LINE_FRAGMENT),
      sprite: program(gl, SPRITE_VERTEX, TEXTURE_FRAGMENT),
      label: program(gl, LABEL_VERTEX, TEXTURE_FRAGMENT),
    };
    const buffer = (data) => {
      const b = gl.createBuffer();
      gl.bindBuffer(gl.ARRAY_BUFFER, b);
      gl.bufferData(gl.ARRAY_BUFFER, data, data.byteLength ? gl.STATIC_DRAW : gl.DYNAMIC_DRAW);
      return b;
    };
    this.buffers = {
      segments: buffer(new ArrayBuffer(0)),
      symbols: buffer(new ArrayBuffer(0)),
      labels: buffer(new ArrayBuffer(0)),
      quads: gl.createBuffer(), // the index buffer all three draw with
    };
    this.quadCapacity = 0;
    const { line, sprite, label } = this.programs;
    const b = this.buffers;
    const vao = (attributes) => {
      const handle = gl.createVertexArray();
      gl.bindVertexArray(handle);
      gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, b.quads);
      for (const [p, name, source, size, type, stride, offset, normalised = false] of attributes) {
        gl.bindBuffer(gl.ARRAY_BUFFER, source);
        gl.enableVertexAttribArray(p.attributes[name]);
        gl.vertexAttribPointer(p.attributes[name], size, type, normalised, stride, offset);
      }
      gl.bindVertexArray(null);
      return handle;
    };
    this.vaos = {
      line: vao([[line, 'a_segment', b.segments, 4, gl.FLOAT, SEGMENT_BYTES, 0],
                 [line, 'a_colour', b.segments, 4, gl.UNSIGNED_BYTE, SEGMENT_BYTES, 16, true]]),
      sprite: vao([[sprite, 'a_symbol', b.symbols, SYMBOL_FLOATS, gl.FLOAT, 0, 0]]),
      label: vao([[label, 'a_anchor', b.labels, 4, gl.FLOAT, LABEL_FLOATS * 4, 0],
                  [label, 'a_rect', b.labels, 4, gl.FLOAT, LABEL_FLOATS * 4, 16]]),
    };

    const atlas = symbolAtlas();
    this.symbolCells = [atlas.columns, atlas.rows];
    this.symbolTexture = this.texture(gl);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, atlas.canvas);
    this.labels = new LabelAtlas(Math.max(1, window.devicePixelRatio || 1));
    this.labelTexture = this.texture(gl);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, this.labels.canvas.width, this.labels.canvas.height, 0,
                  gl.RGBA, gl.UNSIGNED_BYTE, null);
  }

  texture(gl) {
    const t = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, t);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, true); // MapLibre blends premultiplied colour
    return t;
  }

  upload(gl) {
    const picture = packTraffic(...this.source, this.origin);
    this.stale = false;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.segments);
    gl.bufferData(gl.ARRAY_BUFFER, picture.segments, gl.DYNAMIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.symbols);
    gl.bufferData(gl.ARRAY_BUFFER, picture.symbols, gl.DYNAMIC_DRAW);
    this.reserveQuads(gl, Math.max(picture.segmentCount, picture.count));
    this.uploaded = picture;
    this.screenKey = '';
  }

  /** Make the shared index buffer long enough for `count` quads. */
  reserveQuads(gl, count) {
    if (count <= this.quadCapacity) return;
    const capacity = Math.max(count, 2 * this.quadCapacity, 1024);
    const indices = new Uint32Array(capacity * QUAD_INDICES.length);
    for (let quad = 0; quad < capacity; quad++) {
      for (let k = 0; k < QUAD_INDICES.length; k++) indices[quad * QUAD_INDICES.length + k] = quad * CORNERS + QUAD_INDICES[k];
    }
    gl.bindVertexArray(null);
    gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, this.buffers.quads);
    gl.bufferData(gl.ELEMENT_ARRAY_BUFFER, indices, gl.STATIC_DRAW);
    this.quadCapacity = capacity;
  }

  drawQuads(gl, vao, count) {
    gl.bindVertexArray(vao);
    gl.drawElements(gl.TRIANGLES, count * QUAD_INDICES.length, gl.UNSIGNED_INT, 0);
  }

  /** Each slot's position in CSS pixels under `matrix` (NaN behind the camera). */
  project(matrix, [width, height]) {
    const { count, positions } = this.uploaded;
    const screen = new Float32Array(count * 2);
    const m = matrix;
    for (let slot = 0; slot < count; slot++) {
      const x = positions[2 * slot], y = positions[2 * slot + 1];
      const w = m[3] * x + m[7] * y + m[15];
      screen[2 * slot] = w > 0 ? ((m[0] * x + m[4] * y + m[12]) / w + 1) * 0.5 * width : NaN;
      screen[2 * slot + 1] = w > 0 ? (1 - (m[1] * x + m[5] * y + m[13]) / w) * 0.5 * height : NaN;
    }
    return screen;
  }

  render(gl, args) {
    if (!this.gl) this.setUp(gl);
    const fresh = this.stale;
    if (fresh) this.upload(gl);
    const matrix = translated(args.defaultProjectionData.mainMatrix, this.origin);
    const pixelRatio = this.map.getPixelRatio();
    const viewport = [gl.drawingBufferWidth, gl.drawingBufferHeight];
    const size = [viewport[0] / pixelRatio, viewport[1] / pixelRatio];
    const key = matrix.join() + viewport.join();
    if (key !== this.screenKey) {
      this.screenKey = key;
      this.screen = this.project(matrix, size);
      this.labelRows = placeLabels(this.uploaded, this.screen, this.labels, this.selectedId, size);
      this.reserveQuads(gl, this.labelRows.length / (CORNERS * LABEL_FLOATS));
      gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.labels);
      gl.bufferData(gl.ARRAY_BUFFER, this.labelRows, gl.DYNAMIC_DRAW);
      const rows = this.labels.takeDirtyRows();
      if (rows) {
        const pixels = this.labels.ctx.getImageData(0, rows[0], this.labels.canvas.width, rows[1] - rows[0]);
        gl.bindTexture(gl.TEXTURE_2D, this.labelTexture);
        gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, true);
        gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, rows[0], gl.RGBA, gl.UNSIGNED_BYTE, pixels);
      }
    }

    gl.disable(gl.DEPTH_TEST);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    const { line, sprite, label } = this.programs;
    const common = (p) => {
      gl.useProgram(p.handle);
      gl.uniformMatrix4fv(p.uniforms.u_matrix, false, matrix);
      gl.uniform2fv(p.uniforms.u_viewport, viewport);
    };
    if (this.uploaded.segmentCount) {
      common(line);
      gl.uniform1f(line.uniforms.u_width, LINE_CSS_PX * pixelRatio);
      this.drawQuads(gl, this.vaos.line, this.uploaded.segmentCount);
    }
    if (this.uploaded.count) {
      common(sprite);
      gl.uniform1f(sprite.uniforms.u_size, SYMBOL_CSS_PX * pixelRatio);
      gl.uniform1f(sprite.uniforms.u_bearing, (this.map.getBearing() * Math.PI) / 180);
      gl.uniform2fv(sprite.uniforms.u_cells, this.symbolCells);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, this.symbolTexture);
      gl.uniform1i(sprite.uniforms.u_texture, 0);
      this.drawQuads(gl, this.vaos.sprite, this.uploaded.count);
    }
    const labelCount = this.labelRows.length / (CORNERS * LABEL_FLOATS);
    if (labelCount) {
      common(label);
      gl.uniform2f(label.uniforms.u_atlas, this.labels.canvas.width, this.labels.canvas.height);
      gl.uniform1f(label.uniforms.u_scale, pixelRatio / this.labels.ratio);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, this.labelTexture);
      gl.uniform1i(label.uniforms.u_texture, 0);
      this.drawQuads(gl, this.vaos.label, labelCount);
    }
    gl.bindVertexArray(null);
    if (fresh && this.onDrawn) this.onDrawn(this.uploaded);
  }

  // ---- what is where, for clicks and queryRenderedFeatures -----------------------------

  /** The tracks whose symbols cover the CSS-pixel box [x0, y0, x1, y1], topmost first. */
  tracksIn([x0, y0, x1, y1]) {
    const picture = this.uploaded;
    const half = SYMBOL_CSS_PX / 2;
    const hits = [];
    for (let slot = picture.count - 1; slot >= 0; slot--) {
      const x = this.screen[2 * slot], y = this.screen[2 * slot + 1];
      if (x + half >= x0 && x - half <= x1 && y + half >= y0 && y - half <= y1) {
        hits.push({ track: picture.tracks[slot], level: picture.levels[slot] });
      }
    }
    return hits;
  }
}
