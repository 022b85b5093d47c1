// Zone editing on the map (administrators): draw a polygon, move a zone by dragging it, set
// its name, kind, floor and ceiling, save it to the server (which writes the zones file).

import { api } from './api.js';
import { movePolygon } from './geometry.js';
import { renderZones, zoneRing } from './map.js';

function escape(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export class ZoneEditor {
  constructor(element, map, store) {
    this.element = element;
    this.map = map;
    this.store = store;
    this.draft = null; // {zone_id, isNew, polygon: [[lat, lon]...] | circle fields, ...}
    this.mode = 'idle'; // idle | drawing | editing
    this.drag = null;
    this.bindMap();
    element.addEventListener('click', (e) => this.clicked(e));
    this.renderList();
  }

  bindMap() {
    const map = this.map;
    map.on('click', (e) => {
      if (this.mode !== 'drawing') return;
      this.draft.polygon.push([e.lngLat.lat, e.lngLat.lng]);
      this.showDraft();
    });
    map.on('dblclick', (e) => {
      if (this.mode !== 'drawing') return;
      e.preventDefault();
      this.finishDrawing();
    });
    map.on('mousedown', 'draft-fill', (e) => {
      if (this.mode !== 'editing') return;
      e.preventDefault();
      map.dragPan.disable();
      this.drag = { lng: e.lngLat.lng, lat: e.lngLat.lat };
      map.getCanvas().style.cursor = 'grabbing';
    });
    map.on('mousemove', (e) => {
      if (!this.drag) return;
      const dLon = e.lngLat.lng - this.drag.lng;
      const dLat = e.lngLat.lat - this.drag.lat;
      this.drag = { lng: e.lngLat.lng, lat: e.lngLat.lat };
      this.moveDraft(dLon, dLat);
    });
    map.on('mouseup', () => {
      if (!this.drag) return;
      this.drag = null;
      map.dragPan.enable();
      map.getCanvas().style.cursor = '';
    });
  }

  moveDraft(dLon, dLat) {
    const d = this.draft;
    if (d.polygon.length) d.polygon = movePolygon(d.polygon, dLon, dLat);
    else { d.center_lat_deg += dLat; d.center_lon_deg += dLon; }
    this.showDraft();
  }

  showDraft() {
    const features = [];
    const d = this.draft;
    if (d) {
      const isCircle = !d.polygon.length && d.radius_m;
      if (d.polygon.length >= 3 || isCircle) {
        features.push({ type: 'Feature', properties: {},
                        geometry: { type: 'Polygon', coordinates: [zoneRing(d)] } });
      } else if (d.polygon.length >= 2) {
        features.push({ type: 'Feature', properties: {},
                        geometry: { type: 'LineString', coordinates: d.polygon.map(([lat, lon]) => [lon, lat]) } });
      }
      for (const [lat, lon] of d.polygon) {
        features.push({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [lon, lat] } });
      }
    }
    this.map.getSource('draft').setData({ type: 'FeatureCollection', features });
    renderZones(this.map, this.store, d && !d.isNew ? d.zone_id : null);
  }

  startDrawing() {
    this.draft = { zone_id: '', isNew: true, name: '', kind: 'protected', polygon: [], floor_m: 0,
                   ceiling_m: 1000, warn: [] };
    this.mode = 'drawing';
    this.map.getCanvas().style.cursor = 'crosshair';
    this.renderForm('Click the map to add corners; double-click (or Finish) to close the polygon.');
    this.showDraft();
  }

  finishDrawing() {
    if (this.draft.polygon.length < 3) {
      this.renderForm('A zone needs at least three corners.');
      return;
    }
    this.mode = 'editing';
    this.map.getCanvas().style.cursor = '';
    this.renderForm('Drag the zone to move it; fill in its details and save.');
  }

  edit(zoneId) {
    const zone = this.store.zones.get(zoneId);
    if (!zone) return;
    this.draft = { ...zone, polygon: zone.polygon.map((p) => [...p]), isNew: false };
    this.mode = 'editing';
    this.renderForm('Drag the zone to move it; change its details and save.');
    this.showDraft();
  }

  cancel(message = '') {
    this.draft = null;
    this.mode = 'idle';
    this.map.getCanvas().style.cursor = '';
    this.showDraft();
    this.renderList(message);
  }

  readForm() {
    const form = this.element.querySelector('form');
    const d = this.draft;
    const value = (name) => form.elements[name].value.trim();
    if (d.isNew) d.zone_id = value('zone_id');
    d.name = value('name');
    d.kind = value('kind');
    d.floor_m = Number(value('floor_m'));
    d.ceiling_m = Number(value('ceiling_m'));
    if (form.elements.radius_m) d.radius_m = Number(value('radius_m'));
    d.warn = value('warn').split(',').map((w) => w.trim()).filter(Boolean);
  }

  async save() {
    this.readForm();
    const d = this.draft;
    const body = { zone_id: d.zone_id, name: d.name, kind: d.kind, polygon: d.polygon,
                   center_lat_deg: d.polygon.length ? null : d.center_lat_deg,
                   center_lon_deg: d.polygon.length ? null : d.center_lon_deg,
                   radius_m: d.polygon.length ? null : d.radius_m,
                   floor_m: d.floor_m, ceiling_m: d.ceiling_m, warn: d.warn };
    try {
      const saved = d.isNew ? await api('POST', '/api/zones', body)
        : await api('PUT', `/api/zones/${encodeURIComponent(d.zone_id)}`, body);
      this.store.zones.set(saved.zone_id, saved);
      this.cancel(`Saved zone ${saved.zone_id}.`);
    } catch (error) {
      this.renderForm(`Not saved: ${error.detail || error}`);
    }
  }

  async remove() {
    const id = this.draft.zone_id;
    if (!window.confirm(`Delete zone ${id}?`)) return;
    try {
      await api('DELETE', `/api/zones/${encodeURIComponent(id)}`);
      this.store.zones.delete(id);
      this.cancel(`Deleted zone ${id}.`);
    } catch (error) {
      this.renderForm(`Not deleted: ${error.detail || error}`);
    }
  }

  clicked(event) {
    const button = event.target.closest('button[data-zone-action]');
    if (!button) return;
    event.preventDefault();
    const action = button.dataset.zoneAction;
    if (action === 'new') this.startDrawing();
    else if (action === 'edit') this.edit(button.dataset.id);
    else if (action === 'finish') this.finishDrawing();
    else if (action === 'save') this.save();
    else if (action === 'delete') this.remove();
    else if (action === 'cancel') this.cancel();
  }

  renderList(message = null) {
    if (this.mode !== 'idle') return;
    if (message !== null) this.message = message; // kept while live updates redraw the list
    message = this.message || '';
    const items = [...this.store.zones.values()].map((z) => `<li>
      <span class="zone-dot state-${z.state}"></span><b>${escape(z.name)}</b> <small>${escape(z.kind)},
      ${z.floor_m}–${z.ceiling_m} m</small>
      <button data-zone-action="edit" data-id="${escape(z.zone_id)}">Edit</button></li>`).join('');
    this.element.innerHTML = `${message ? `<p class="message">${escape(message)}</p>` : ''}
      <ul class="zone-list">${items || '<li class="empty">No zones</li>'}</ul>
      <button data-zone-action="new">Draw a new zone</button>`;
  }

  renderForm(message) {
    const d = this.draft;
    const kinds = ['protected', 'restricted', 'warning'].map((k) =>
      `<option value="${k}"${d.kind === k ? ' selected' : ''}>${k}</option>`).join('');
    const circle = !d.polygon.length && d.radius_m
      ? `<label>Radius (m) <input name="radius_m" type="number" min="1" value="${d.radius_m}"></label>` : '';
    this.element.innerHTML = `<p class="message">${escape(message)}</p>
      <form class="zone-form" onsubmit="return false">
        <label>Id <input name="zone_id" value="${escape(d.zone_id)}" ${d.isNew ? '' : 'readonly'} required></label>
        <label>Name <input name="name" value="${escape(d.name)}"></label>
        <label>Kind <select name="kind">${kinds}</select></label>
        <label>Floor (m) <input name="floor_m" type="number" value="${d.floor_m}"></label>
        <label>Ceiling (m) <input name="ceiling_m" type="number" value="${d.ceiling_m}"></label>
        ${circle}
        <label>Warn <input name="warn" value="${escape((d.warn || []).join(', '))}" placeholder="siren, tak"></label>
        <div class="actions">
          ${this.mode === 'drawing' ? '<button data-zone-action="finish">Finish</button>'
            : '<button data-zone-action="save">Save</button>'}
          ${d.isNew ? '' : '<button data-zone-action="delete" class="secondary">Delete</button>'}
          <button data-zone-action="cancel" class="secondary">Cancel</button>
        </div>
      </form>`;
  }
}
