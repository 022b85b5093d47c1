// The operator's screen: log in, then the live map, alerts and details; replay on the same screen.

import 'maplibre-gl/dist/maplibre-gl.css';
import './style.css';

import { AlertPanel, unlockAudio } from './alerts.js';
import { api, ApiError, LiveConnection } from './api.js';
import { renderDetails } from './details.js';
import { createMap, renderSelection, renderSensors, renderTracks, renderZones } from './map.js';
import { ReplayControls } from './replay.js';
import { formatTime, Store } from './store.js';
import { ZoneEditor } from './zone-editor.js';

// Exposed for the browser tests and the UI benchmark: nothing here is needed to operate.
window.raqib = {
  ready: false,
  stats: { updates: 0, snapshots: 0, beeps: 0, latenciesMs: [], rendered: 0 },
};

const $ = (id) => document.getElementById(id);

async function boot() {
  try {
    const me = await api('GET', '/api/auth/me');
    await start(me);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) showLogin();
    else throw error;
  }
}

function showLogin(message = '') {
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  const form = $('login-form');
  form.onsubmit = async (event) => {
    event.preventDefault();
    unlockAudio();
    try {
      await api('POST', '/api/auth/login',
        { username: form.elements.username.value, password: form.elements.password.value });
      form.reset();
      $('login').hidden = true;
      await start(await api('GET', '/api/auth/me'));
    } catch (error) {
      $('login-error').textContent = error.status === 401 ? 'Wrong user name or password.' : String(error);
    }
  };
}

async function start(me) {
  const isOperator = me.role === 'operator' || me.role === 'admin';
  document.body.classList.add(`role-${me.role}`);
  $('user').textContent = `${me.name} (${me.role})`;
  $('app').hidden = false;
  const config = await api('GET', '/api/config');
  if (config.site) $('site-name').textContent = config.site.name;
  const map = await createMap($('map'), config);
  const store = new Store();
  const state = { mode: 'live', selected: null, shownTrack: undefined, dirty: { zones: true, sensors: true },
                  pendingPublished: [], frame: null };
  window.raqib.store = store;
  window.raqib.map = map;

  const select = (trackId) => {
    state.selected = trackId;
    state.shownTrack = undefined;
    scheduleRender();
  };
  const alerts = new AlertPanel($('alerts'), $('audit'), store, {
    canAct: () => isOperator,
    readOnly: () => state.mode !== 'live',
    onSelect: (alertId) => {
      const alert = store.alerts.get(alertId);
      const track = alert && alert.track_ids.map((id) => store.tracks.get(id)).find(Boolean);
      if (track) {
        select(track.track_id);
        map.easeTo({ center: [track.lon_deg, track.lat_deg] });
      }
    },
  });
  const zoneEditor = me.role === 'admin' ? new ZoneEditor($('zone-editor'), map, store) : null;

  // Latency: from the tracker's publish to the frame that drew its tracks (or, for an update
  // without track changes, to the panels showing it).
  const awaitingDraw = [];
  const recordLatencies = (publishedMs) => {
    const now = Date.now();
    for (const published of publishedMs) window.raqib.stats.latenciesMs.push(now - published);
  };
  map.traffic.onDrawn = () => recordLatencies(awaitingDraw.splice(0));

  function render() {
    state.frame = null;
    const { dirty } = state;
    if (dirty.zones && !(zoneEditor && zoneEditor.draft)) renderZones(map, store);
    if (dirty.zones && zoneEditor) zoneEditor.renderList();
    if (dirty.sensors) renderSensors(map, store);
    const track = state.selected === null ? null : store.tracks.get(state.selected) || null;
    if (track !== state.shownTrack) { // a new object when the selected track was updated
      state.shownTrack = track;
      renderSelection(map, track);
      renderDetails($('details'), track, store);
    }
    alerts.render();
    $('clock').textContent = formatTime(store.time_s);
    const active = [...store.alerts.values()].filter((a) => a.active).length;
    $('counts').textContent = `${store.tracks.size} tracks · ${active} active alerts`;
    recordLatencies(state.pendingPublished.splice(0));
    window.raqib.stats.rendered += 1;
    state.dirty = { zones: false, sensors: false };
  }

  function scheduleRender(what = {}) {
    Object.assign(state.dirty, what);
    if (state.frame === null) state.frame = requestAnimationFrame(render);
  }

  store.onChange((change) => {
    alerts.announce(state.mode === 'live' ? change.newAlerts : []);
    if (change.snapshot || change.tracksChanged > 0) {
      renderTracks(map, store); // at once, so that the map draws them in the coming frame
      awaitingDraw.push(...state.pendingPublished.splice(0));
    }
    scheduleRender(change.snapshot ? { zones: true, sensors: true }
      : { zones: change.zonesChanged, sensors: change.sensorsChanged });
  });

  map.on('click', 'tracks', (event) => {
    if (zoneEditor && zoneEditor.mode === 'drawing') return;
    select(event.features[0].properties.track_id);
  });
  map.on('mouseenter', 'tracks', () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', 'tracks', () => { map.getCanvas().style.cursor = ''; });

  const live = new LiveConnection((message) => {
    if (state.mode !== 'live') return;
    if (message.type === 'snapshot') {
      window.raqib.stats.snapshots += 1;
      store.applySnapshot(message);
    } else {
      window.raqib.stats.updates += 1;
      if (message.published_ms) state.pendingPublished.push(message.published_ms);
      store.applyUpdate(message);
    }
  }, (status) => {
    $('connection').textContent = status === 'live' ? '' : status;
    $('connection').className = `connection ${status}`;
    if (status === 'logged-out') location.reload();
  });
  live.start();

  const replay = new ReplayControls($('replay'), {
    onEnter: () => {
      state.mode = 'replay';
      live.stop();
      $('mode').textContent = 'REPLAY';
      $('mode').className = 'mode replay';
    },
    onLeave: () => {
      state.mode = 'live';
      $('mode').textContent = 'LIVE';
      $('mode').className = 'mode live';
      live.start();
    },
    onSnapshot: (snapshot) => {
      if (state.mode === 'replay') store.applySnapshot(snapshot);
    },
  });
  $('replay-button').onclick = () => replay.open();
  $('zones-button').onclick = () => { $('zones-panel').hidden = !$('zones-panel').hidden; };
  $('logout-button').onclick = async () => {
    live.stop();
    await api('POST', '/api/auth/logout');
    location.reload();
  };
  window.raqib.ready = true;
}

boot();
