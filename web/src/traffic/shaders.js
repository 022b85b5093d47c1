// GLSL for the traffic layer. Positions arrive as Web Mercator offsets from an origin near
// the site (float32 keeps millimetres there) and u_matrix, built in float64 on the CPU,
// takes them to clip space. Sizes are in drawing-buffer pixels.

const SCREEN = `
uniform mat4 u_matrix;
uniform vec2 u_viewport; // drawing-buffer pixels

vec2 toPixels(vec4 clip) { return clip.xy / clip.w * u_viewport * 0.5; }
vec4 fromPixels(vec2 pixels) { return vec4(pixels / (u_viewport * 0.5), 0.0, 1.0); }

// Every quad is four vertices in a row: (-1, -1), (-1, 1), (1, -1), (1, 1).
vec2 corner() {
  int i = gl_VertexID % 4;
  return vec2(i < 2 ? -1.0 : 1.0, i == 1 || i == 3 ? 1.0 : -1.0);
}
`;

/** Trails and heading lines: a quad per segment, a constant width on screen. */
export const LINE_VERTEX = `#version 300 es
${SCREEN}
uniform float u_width;
in vec4 a_segment;   // start and end, mercator offsets
in vec4 a_colour;    // premultiplied
out vec4 v_colour;
out float v_across;  // pixels from the centre line
void main() {
  vec2 start = toPixels(u_matrix * vec4(a_segment.xy, 0.0, 1.0));
  vec2 end = toPixels(u_matrix * vec4(a_segment.zw, 0.0, 1.0));
  vec2 along = end - start;
  float len = length(along);
  vec2 direction = len > 0.0 ? along / len : vec2(1.0, 0.0);
  vec2 normal = vec2(-direction.y, direction.x);
  float half_width = u_width * 0.5 + 0.5; // half a pixel more, to fade the edge over
  vec2 c = corner();
  v_across = c.y * half_width;
  gl_Position = fromPixels(mix(start, end, c.x * 0.5 + 0.5) + normal * v_across);
  v_colour = a_colour;
}`;

export const LINE_FRAGMENT = `#version 300 es
precision mediump float;
uniform highp float u_width;
in vec4 v_colour;
in float v_across;
out vec4 fragColor;
void main() { fragColor = v_colour * clamp(u_width * 0.5 + 0.5 - abs(v_across), 0.0, 1.0); }`;

/** Track symbols: a quad per track, its image taken from the symbol atlas. */
export const SPRITE_VERTEX = `#version 300 es
${SCREEN}
uniform float u_size;       // the symbol's side in drawing-buffer pixels
uniform float u_bearing;    // radians: symbols turn with the map
uniform vec2 u_cells;       // the atlas's columns and rows
in vec4 a_symbol;           // x, y (mercator offset), atlas cell, rotation in degrees
out vec2 v_uv;
void main() {
  vec4 centre = u_matrix * vec4(a_symbol.xy, 0.0, 1.0);
  float angle = radians(a_symbol.w) - u_bearing; // clockwise on screen
  float c = cos(angle), s = sin(angle);
  vec2 k = corner(); // y up
  vec2 turned = vec2(k.x * c + k.y * s, -k.x * s + k.y * c);
  gl_Position = fromPixels(toPixels(centre) + turned * u_size * 0.5);
  float column = mod(a_symbol.z, u_cells.x);
  float row = floor(a_symbol.z / u_cells.x);
  v_uv = (vec2(column, row) + vec2(k.x * 0.5 + 0.5, 0.5 - k.y * 0.5)) / u_cells;
}`;

/** Labels: a quad per placed label, its text taken from the label atlas. */
export const LABEL_VERTEX = `#version 300 es
${SCREEN}
uniform vec2 u_atlas;       // the label atlas's size in its own pixels
uniform float u_scale;      // drawing-buffer pixels per atlas pixel
in vec4 a_anchor;           // x, y (mercator offset), offset right and down in atlas pixels
in vec4 a_rect;             // the label in the atlas: x, y, width, height
out vec2 v_uv;
void main() {
  vec2 centre = toPixels(u_matrix * vec4(a_anchor.xy, 0.0, 1.0));
  vec2 k = corner() * 0.5 + 0.5; // 0..1, y down in the atlas and on screen
  vec2 offset = (a_anchor.zw + k * a_rect.zw) * u_scale;
  vec2 snapped = floor(centre + u_viewport * 0.5) - u_viewport * 0.5; // whole pixels: crisp text
  gl_Position = fromPixels(snapped + vec2(offset.x, -offset.y));
  v_uv = (a_rect.xy + k * a_rect.zw) / u_atlas;
}`;

export const TEXTURE_FRAGMENT = `#version 300 es
precision mediump float;
uniform sampler2D u_texture;
in vec2 v_uv;
out vec4 fragColor;
void main() { fragColor = texture(u_texture, v_uv); }`;

function compile(gl, type, source) {
  const shader = gl.createShader(type);
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) {
    throw new Error(`traffic shader: ${gl.getShaderInfoLog(shader)}`);
  }
  return shader;
}

/** A linked program with its attribute and uniform locations looked up by name. */
export function program(gl, vertexSource, fragmentSource) {
  const handle = gl.createProgram();
  gl.attachShader(handle, compile(gl, gl.VERTEX_SHADER, vertexSource));
  gl.attachShader(handle, compile(gl, gl.FRAGMENT_SHADER, fragmentSource));
  gl.linkProgram(handle);
  if (!gl.getProgramParameter(handle, gl.LINK_STATUS)) {
    throw new Error(`traffic program: ${gl.getProgramInfoLog(handle)}`);
  }
  const attributes = {};
  for (let i = 0; i < gl.getProgramParameter(handle, gl.ACTIVE_ATTRIBUTES); i++) {
    const { name } = gl.getActiveAttrib(handle, i);
    attributes[name] = gl.getAttribLocation(handle, name);
  }
  const uniforms = {};
  for (let i = 0; i < gl.getProgramParameter(handle, gl.ACTIVE_UNIFORMS); i++) {
    const { name } = gl.getActiveUniform(handle, i);
    uniforms[name] = gl.getUniformLocation(handle, name);
  }
  return { handle, attributes, uniforms };
}
