// Replay: a time slider over a recording the server has run through the pipeline, with
// play, pause and speed. The screen is the same as live; only the source of snapshots differs.

import { api } from './api.js';
import { formatTime } from './store.js';

export class ReplayControls {
  constructor(element, { onEnter, onLeave, onSnapshot }) {
    this.element = element;
    this.onEnter = onEnter;
    this.onLeave = onLeave;
    this.onSnapshot = onSnapshot;
    this.info = null;
    this.time_s = 0;
    this.playing = false;
    this.speed = 1;
    this.inFlight = false;
    this.wanted = null;
    this.timer = null;
    element.addEventListener('click', (e) => this.clicked(e));
    element.addEventListener('input', (e) => this.changed(e));
  }

  async open() {
    const recordings = await api('GET', '/api/recordings');
    const options = recordings.map((r) => `<option value="${r.name}">${r.name}</option>`).join('');
    this.element.innerHTML = `<div class="replay-bar">
      <select data-replay="recording">${options || '<option value="">no recordings</option>'}</select>
      <button data-replay="load"${recordings.length ? '' : ' disabled'}>Replay</button>
      <button data-replay="live" class="secondary">Back to live</button>
      <span class="replay-status" data-replay="status"></span></div>`;
    this.element.hidden = false;
  }

  async load(name) {
    this.status(`Running ${name} through the pipeline…`);
    try {
      this.info = await api('GET', `/api/recordings/${encodeURIComponent(name)}/replay`);
    } catch (error) {
      this.status(`Can't replay: ${error.detail || error}`);
      return;
    }
    const { start_time_s: start, end_time_s: end } = this.info;
    this.onEnter(this.info);
    this.element.innerHTML = `<div class="replay-bar">
      <b>REPLAY</b> <span>${this.info.name}</span>
      <button data-replay="play">Play</button>
      <select data-replay="speed">${[1, 2, 5, 10, 30, 60].map((s) =>
        `<option value="${s}"${s === this.speed ? ' selected' : ''}>${s}×</option>`).join('')}</select>
      <input type="range" data-replay="slider" min="${start}" max="${end}" step="0.1" value="${start}">
      <span data-replay="time">${formatTime(start)}</span>
      <button data-replay="live" class="secondary">Back to live</button>
      <span class="replay-status" data-replay="status"></span></div>`;
    this.seek(start);
  }

  status(text) {
    const el = this.element.querySelector('[data-replay="status"]');
    if (el) el.textContent = text;
  }

  seek(time_s) {
    this.time_s = Math.min(Math.max(time_s, this.info.start_time_s), this.info.end_time_s);
    const slider = this.element.querySelector('[data-replay="slider"]');
    if (slider && Number(slider.value) !== this.time_s) slider.value = this.time_s;
    const label = this.element.querySelector('[data-replay="time"]');
    if (label) label.textContent = formatTime(this.time_s);
    this.fetchAt(this.time_s);
  }

  async fetchAt(time_s) {
    this.wanted = time_s;
    if (this.inFlight) return; // the newest wanted time is fetched when this one returns
    this.inFlight = true;
    try {
      while (this.wanted !== null) {
        const t = this.wanted;
        this.wanted = null;
        const snapshot = await api('GET',
          `/api/recordings/${encodeURIComponent(this.info.name)}/state?time_s=${t}`);
        if (this.info) this.onSnapshot(snapshot, t);
      }
    } catch (error) {
      this.status(`${error.detail || error}`);
    } finally {
      this.inFlight = false;
    }
  }

  play() {
    this.playing = true;
    let last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      const next = this.time_s + ((now - last) / 1000) * this.speed;
      last = now;
      if (next >= this.info.end_time_s) this.pause();
      this.seek(next);
    }, 100);
    this.setPlayLabel();
  }

  pause() {
    this.playing = false;
    clearInterval(this.timer);
    this.setPlayLabel();
  }

  setPlayLabel() {
    const button = this.element.querySelector('[data-replay="play"]');
    if (button) button.textContent = this.playing ? 'Pause' : 'Play';
  }

  leave() {
    this.pause();
    this.info = null;
    this.element.hidden = true;
    this.element.innerHTML = '';
    this.onLeave();
  }

  clicked(event) {
    const target = event.target.closest('[data-replay]');
    if (!target || target.tagName === 'SELECT' || target.tagName === 'INPUT') return;
    const what = target.dataset.replay;
    if (what === 'load') this.load(this.element.querySelector('[data-replay="recording"]').value);
    else if (what === 'live') this.leave();
    else if (what === 'play') (this.playing ? this.pause() : this.play());
  }

  changed(event) {
    const what = event.target.dataset.replay;
    if (what === 'slider') this.seek(Number(event.target.value));
    else if (what === 'speed') this.speed = Number(event.target.value);
  }
}
