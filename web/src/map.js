// The map: an offline basemap (Natural Earth land and borders from world-atlas, or the
// site's own tiles), range rings, sensors with coverage, zones by state, and tracks.

import * as maplibregl from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { Protocol as PmtilesProtocol } from 'pmtiles';
import { feature, mesh } from 'topojson-client';
import countriesUrl from 'world-atlas/countries-50m.json?url';

import { circleRing, covarianceEllipse, ellipseRing } from './geometry.js';
import { addSensorIcons } from './icons.js';
import { TrafficLayer } from './traffic/layer.js';

maplibregl.setWorkerUrl(workerUrl);

const EMPTY = { type: 'FeatureCollection', features: [] };

export const ZONE_COLOURS = { quiet: '#0072B2', threatened: '#E69F00', alerted: '#D55E00' };

function collection(features) {
  return { type: 'FeatureCollection', features };
}

function baseStyle(config) {
  const sources = {
    land: { type: 'geojson', data: EMPTY },
    borders: { type: 'geojson', data: EMPTY },
  };
  const layers = [
    { id: 'background', type: 'background', paint: { 'background-color': '#0a1620' } },
    { id: 'land', type: 'fill', source: 'land', paint: { 'fill-color': '#1b2026' } },
    { id: 'borders', type: 'line', source: 'borders',
      paint: { 'line-color': '#4a5562', 'line-width': 1, 'line-dasharray': [3, 2] } },
  ];
  const tiles = config.pmtiles_url ? `pmtiles://${config.pmtiles_url}` : null;
  if (config.tile_url || tiles) {
    sources.site_tiles = tiles
      ? { type: 'raster', url: tiles, tileSize: 256 }
      : { type: 'raster', tiles: [config.tile_url], tileSize: 256 };
    layers.push({ id: 'site-tiles', type: 'raster', source: 'site_tiles',
                  paint: { 'raster-opacity': 0.6, 'raster-saturation': -0.6 } });
  }
  // No "glyphs": MapLibre draws label text locally with the browser's fonts, so no font server.
  return { version: 8, sources, layers };
}

const BASEMAP_REACH_DEG = 12; // land and borders farther from the site than this are left out

function near(coordinates, [lon, lat]) {
  // any vertex of a (nested) coordinate array within reach of the site
  if (typeof coordinates[0] === 'number') {
    return Math.abs(coordinates[0] - lon) < BASEMAP_REACH_DEG && Math.abs(coordinates[1] - lat) < BASEMAP_REACH_DEG;
  }
  return coordinates.some((c) => near(c, [lon, lat]));
}

async function loadBasemap(map, site) {
  try {
    const topology = await (await fetch(countriesUrl)).json();
    const centre = site ? [site.lon_deg, site.lat_deg] : null;
    // Only the site's region: tiling the whole world's coastlines would cost seconds of worker time.
    const countries = feature(topology, topology.objects.countries).features
      .filter((f) => f.geometry && (!centre || near(f.geometry.coordinates, centre)));
    const borders = mesh(topology, topology.objects.countries, (a, b) => a !== b);
    if (centre) borders.coordinates = borders.coordinates.filter((line) => near(line, centre));
    map.getSource('land').setData({ type: 'FeatureCollection', features: countries });
    map.getSource('borders').setData(borders);
  } catch (error) {
    console.warn('basemap not loaded', error);
  }
}

function addOverlayLayers(map, traffic) {
  for (const id of ['rings', 'zones', 'coverage', 'sensors', 'selection', 'draft']) {
    map.addSource(id, { type: 'geojson', data: EMPTY });
  }
  const label = { 'text-color': '#d8dee6', 'text-halo-color': '#000000', 'text-halo-width': 1.5 };
  map.addLayer({ id: 'rings', type: 'line', source: 'rings',
                 paint: { 'line-color': '#6b7785', 'line-width': 1, 'line-dasharray': [2, 4] } });
  map.addLayer({ id: 'ring-labels', type: 'symbol', source: 'rings',
                 layout: { 'symbol-placement': 'line', 'text-field': ['get', 'label'], 'text-size': 10 },
                 paint: { ...label, 'text-color': '#8d98a5' } });
  map.addLayer({ id: 'zones-fill', type: 'fill', source: 'zones',
                 paint: { 'fill-color': ['match', ['get', 'state'], 'alerted', ZONE_COLOURS.alerted,
                                         'threatened', ZONE_COLOURS.threatened, ZONE_COLOURS.quiet],
                          'fill-opacity': ['match', ['get', 'state'], 'alerted', 0.35, 'threatened', 0.25, 0.12] } });
  map.addLayer({ id: 'zones-line', type: 'line', source: 'zones',
                 paint: { 'line-color': ['match', ['get', 'state'], 'alerted', ZONE_COLOURS.alerted,
                                         'threatened', ZONE_COLOURS.threatened, '#56B4E9'],
                          'line-width': ['match', ['get', 'state'], 'alerted', 3, 'threatened', 2.5, 1.5],
                          'line-dasharray': ['match', ['get', 'kind'], 'warning', ['literal', [4, 3]],
                                             ['literal', [1, 0]]] } });
  map.addLayer({ id: 'zones-label', type: 'symbol', source: 'zones',
                 layout: { 'text-field': ['concat', ['get', 'name'], '\n', ['upcase', ['get', 'state']]],
                           'text-size': 11 },
                 paint: label });
  map.addLayer({ id: 'coverage', type: 'line', source: 'coverage',
                 paint: { 'line-color': ['get', 'colour'], 'line-width': 1, 'line-opacity': 0.6,
                          'line-dasharray': [6, 3] } });
  map.addLayer({ id: 'sensors', type: 'symbol', source: 'sensors',
                 layout: { 'icon-image': ['concat', 'sensor-', ['get', 'health']], 'icon-allow-overlap': true,
                           'text-field': ['get', 'label'], 'text-size': 10, 'text-offset': [0, 1.3],
                           'text-anchor': 'top', 'text-optional': true },
                 paint: label });
  map.addLayer({ id: 'selection-fill', type: 'fill', source: 'selection', filter: ['==', ['geometry-type'], 'Polygon'],
                 paint: { 'fill-color': ['get', 'colour'], 'fill-opacity': 0.15 } });
  map.addLayer({ id: 'selection-line', type: 'line', source: 'selection',
                 paint: { 'line-color': ['get', 'colour'], 'line-width': 2 } });
  map.addLayer({ id: 'selection-point', type: 'circle', source: 'selection',
                 filter: ['==', ['geometry-type'], 'Point'],
                 paint: { 'circle-radius': 6, 'circle-color': '#000000', 'circle-stroke-width': 3,
                          'circle-stroke-color': ['get', 'colour'] } });
  map.addLayer(traffic); // trails, heading lines, symbols and labels of every track
  map.addLayer({ id: 'draft-fill', type: 'fill', source: 'draft', filter: ['==', ['geometry-type'], 'Polygon'],
                 paint: { 'fill-color': '#F0E442', 'fill-opacity': 0.2 } });
  map.addLayer({ id: 'draft-line', type: 'line', source: 'draft',
                 paint: { 'line-color': '#F0E442', 'line-width': 2, 'line-dasharray': [2, 1] } });
  map.addLayer({ id: 'draft-points', type: 'circle', source: 'draft', filter: ['==', ['geometry-type'], 'Point'],
                 paint: { 'circle-radius': 5, 'circle-color': '#F0E442', 'circle-stroke-color': '#000',
                          'circle-stroke-width': 1 } });
}

/** True where WebGL runs on the CPU (no GPU: a VM, a locked-down PC, headless Chromium). */
function softwareWebGL() {
  const gl = document.createElement('canvas').getContext('webgl2');
  const info = gl && gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
  return /swiftshader|llvmpipe|softpipe|software/i.test(renderer);
}

/** The tracks layer is a custom one: this map answers queryRenderedFeatures for it too. */
class OperatorMap extends maplibregl.Map {
  queryRenderedFeatures(geometryOrOptions, options) {
    const isGeometry = geometryOrOptions instanceof maplibregl.Point || Array.isArray(geometryOrOptions);
    const query = (isGeometry ? options : geometryOrOptions) || {};
    const traffic = this.traffic;
    if (!traffic || !this.getLayer(traffic.id) || (query.layers && !query.layers.includes(traffic.id))) {
      return super.queryRenderedFeatures(geometryOrOptions, options);
    }
    const others = query.layers && query.layers.filter((id) => id !== traffic.id);
    const rest = others && !others.length ? []
      : isGeometry ? super.queryRenderedFeatures(geometryOrOptions, { ...query, layers: others })
        : super.queryRenderedFeatures({ ...query, layers: others });
    const box = queryBox(isGeometry ? geometryOrOptions : null, this.getContainer());
    const tracks = traffic.tracksIn(box).map(({ track, level }) => ({
      type: 'Feature', id: track.track_id, layer: { id: traffic.id, type: 'custom' }, source: traffic.id,
      properties: { kind: 'track', track_id: track.track_id, target_class: track.target_class, level },
      geometry: { type: 'Point', coordinates: [track.lon_deg, track.lat_deg] },
    }));
    return tracks.concat(rest); // the tracks are drawn over everything but a zone being drawn
  }
}

function queryBox(geometry, container) {
  if (!geometry) return [0, 0, container.clientWidth, container.clientHeight];
  const point = (p) => (Array.isArray(p) ? p : [p.x, p.y]);
  if (geometry instanceof maplibregl.Point || typeof geometry[0] === 'number') {
    const [x, y] = point(geometry);
    return [x, y, x, y];
  }
  const [a, b] = [point(geometry[0]), point(geometry[1])];
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])];
}

export async function createMap(container, config) {
  if (config.pmtiles_url) maplibregl.addProtocol('pmtiles', new PmtilesProtocol().tile);
  const site = config.site || { lat_deg: 0, lon_deg: 0 };
  const map = new OperatorMap({
    container,
    style: baseStyle(config),
    center: [site.lon_deg, site.lat_deg],
    zoom: 12,
    attributionControl: { compact: true, customAttribution: 'Natural Earth (world-atlas)' },
    doubleClickZoom: false,
    fadeDuration: 0, // labels follow their tracks instead of fading in and out
    // Without a GPU every pixel is drawn by the CPU: draw half as many rows and columns.
    pixelRatio: softwareWebGL() ? 0.5 * (window.devicePixelRatio || 1) : undefined,
  });
  map.addControl(new maplibregl.NavigationControl({ visualizePitch: false }), 'top-left');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  await new Promise((resolve) => map.once('load', resolve));
  addSensorIcons(map);
  map.traffic = new TrafficLayer('tracks', [site.lon_deg, site.lat_deg]);
  addOverlayLayers(map, map.traffic);
  // MapLibre rebuilds its style after a lost WebGL context, but not custom layers
  map.on('webglcontextrestored', () => {
    const restore = () => map.getLayer('tracks') || map.addLayer(map.traffic, 'draft-fill');
    if (map.isStyleLoaded()) restore();
    else map.once('style.load', restore);
  });
  loadBasemap(map, config.site);
  if (config.site) drawRings(map, config.site, config.range_rings_m);
  return map;
}

function drawRings(map, site, radii) {
  const centre = [site.lon_deg, site.lat_deg];
  const features = radii.map((r) => ({
    type: 'Feature',
    properties: { label: r >= 1000 ? `${r / 1000} km` : `${r} m` },
    geometry: { type: 'LineString', coordinates: circleRing(centre, r, 128) },
  }));
  map.getSource('rings').setData(collection(features));
}

export function zoneRing(zone) {
  if (zone.polygon && zone.polygon.length >= 3) {
    const ring = zone.polygon.map(([lat, lon]) => [lon, lat]);
    ring.push(ring[0]);
    return ring;
  }
  return circleRing([zone.center_lon_deg, zone.center_lat_deg], zone.radius_m || 0);
}

export function renderZones(map, store, hiddenZoneId = null) {
  const features = [];
  for (const zone of store.zones.values()) {
    if (zone.zone_id === hiddenZoneId) continue;
    features.push({
      type: 'Feature', id: undefined,
      properties: { zone_id: zone.zone_id, name: zone.name, kind: zone.kind, state: zone.state },
      geometry: { type: 'Polygon', coordinates: [zoneRing(zone)] },
    });
  }
  map.getSource('zones').setData(collection(features));
}

export function renderSensors(map, store) {
  const points = [];
  const circles = [];
  for (const s of store.sensors.values()) {
    const centre = [s.lon_deg, s.lat_deg];
    points.push({ type: 'Feature', properties: { sensor_id: s.sensor_id, health: s.health,
                                                 label: `${s.sensor_id} ${s.health}` },
                  geometry: { type: 'Point', coordinates: centre } });
    if (s.max_range_m) {
      const colour = s.health === 'down' ? '#D55E00' : s.health === 'degraded' ? '#F0E442' : '#009E73';
      circles.push({ type: 'Feature', properties: { colour },
                     geometry: { type: 'LineString', coordinates: circleRing(centre, s.max_range_m, 128) } });
    }
  }
  map.getSource('sensors').setData(collection(points));
  map.getSource('coverage').setData(collection(circles));
}

/** Draw the tracks as the store has them now. */
export function renderTracks(map, store) {
  map.traffic.setTracks(store.tracks, store.trails);
}

/** The selected track's 95 % position ellipse, and each threat's predicted impact and ellipse. */
export function renderSelection(map, track) {
  const features = [];
  if (track) {
    const here = [track.lon_deg, track.lat_deg];
    const ellipse = covarianceEllipse(track.cov_enu);
    if (ellipse) {
      features.push({ type: 'Feature', properties: { colour: '#ffffff', what: 'position-95' },
                      geometry: { type: 'Polygon', coordinates: [ellipseRing(here, Math.max(ellipse.semiMajor_m, 1),
                        Math.max(ellipse.semiMinor_m, 1), ellipse.azimuth_deg)] } });
    }
    for (const threat of track.threats) {
      if (threat.impact_lat_deg === null || threat.impact_lon_deg === null) continue;
      const impact = [threat.impact_lon_deg, threat.impact_lat_deg];
      features.push({ type: 'Feature', properties: { colour: '#CC79A7', what: 'impact' },
                      geometry: { type: 'Point', coordinates: impact } });
      features.push({ type: 'Feature', properties: { colour: '#CC79A7', what: 'impact-path' },
                      geometry: { type: 'LineString', coordinates: [here, impact] } });
      if (threat.impact_ellipse_m) {
        const [major, minor, azimuth] = threat.impact_ellipse_m;
        features.push({ type: 'Feature', properties: { colour: '#CC79A7', what: 'impact-95' },
                        geometry: { type: 'Polygon', coordinates: [ellipseRing(impact, major, minor, azimuth)] } });
      }
    }
  }
  // Each change re-tiles the source and redraws the map two or three times: skip the commonest
  // non-change, nothing selected before or after (a track without covariance or threats).
  const shown = selectionShown.get(map) || 0;
  if (shown || features.length) map.getSource('selection').setData(collection(features));
  selectionShown.set(map, features.length);
  map.traffic.setSelected(track ? track.track_id : null);
}

const selectionShown = new WeakMap(); // map -> how many selection features it shows
