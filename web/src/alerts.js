// The alert panel: active alerts first, by threat score. A new alert flashes and beeps; an
// operator acknowledges it, adds a note or clears it (the server records each in the audit).

import { api } from './api.js';
import { formatTime } from './store.js';

let audioContext = null;

/** Browsers allow sound only after a user gesture: call this from one (the log-in click). */
export function unlockAudio() {
  const AudioContextClass = window.AudioContext || window.webkitAudioContext;
  if (!audioContext && AudioContextClass) audioContext = new AudioContextClass();
  if (audioContext && audioContext.state === 'suspended') audioContext.resume();
}

/** Three short high beeps. */
export function beep() {
  window.raqib.stats.beeps += 1;
  if (!audioContext) return;
  const start = audioContext.currentTime;
  for (let i = 0; i < 3; i++) {
    const oscillator = audioContext.createOscillator();
    const gain = audioContext.createGain();
    oscillator.type = 'square';
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, start + i * 0.25);
    gain.gain.exponentialRampToValueAtTime(0.2, start + i * 0.25 + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.25 + 0.15);
    oscillator.connect(gain).connect(audioContext.destination);
    oscillator.start(start + i * 0.25);
    oscillator.stop(start + i * 0.25 + 0.2);
  }
}

function escape(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export class AlertPanel {
  constructor(element, auditElement, store, { canAct, onSelect, readOnly }) {
    this.element = element;
    this.auditElement = auditElement;
    this.store = store;
    this.canAct = canAct;
    this.readOnly = readOnly; // a replay: nothing to act on
    this.onSelect = onSelect;
    this.flashing = new Map(); // alert_id -> time the flash ends
    this.signature = '';
    element.addEventListener('click', (event) => this.clicked(event));
  }

  announce(newAlerts) {
    if (!newAlerts.length) return;
    const until = Date.now() + 6000;
    for (const alert of newAlerts) this.flashing.set(alert.alert_id, until);
    beep();
    setTimeout(() => this.render(true), 6100);
  }

  render(force = false) {
    const alerts = this.store.sortedAlerts();
    const now = Date.now();
    const signature = JSON.stringify(alerts.map((a) => [a.alert_id, a.state, a.score, a.note, a.time_to_entry_s,
      this.flashing.get(a.alert_id) > now])) + this.readOnly();
    if (signature !== this.signature || force) {
      this.signature = signature;
      const notes = new Map([...this.element.querySelectorAll('input[data-note]')]
        .map((input) => [input.dataset.note, input.value]));
      const focused = document.activeElement && document.activeElement.dataset
        ? document.activeElement.dataset.note : undefined;
      this.element.innerHTML = alerts.length ? alerts.map((a) => this.item(a, now)).join('')
        : '<li class="empty">No alerts</li>';
      for (const [id, value] of notes) {
        const input = this.element.querySelector(`input[data-note="${id}"]`);
        if (input) input.value = value;
      }
      if (focused) this.element.querySelector(`input[data-note="${focused}"]`)?.focus();
    }
    this.renderAudit();
  }

  item(a, now) {
    const zone = this.store.zones.get(a.zone_id);
    const flash = this.flashing.get(a.alert_id) > now ? ' flash' : '';
    const entry = a.time_to_entry_s === null ? '' : ` · entry in ${Math.round(a.time_to_entry_s)} s`;
    const actions = this.canAct() && !this.readOnly() && a.active ? `
      <div class="actions">
        <input data-note="${a.alert_id}" placeholder="note" maxlength="2000">
        ${a.state !== 'acknowledged' ? `<button data-action="acknowledge" data-id="${a.alert_id}">Acknowledge</button>` : ''}
        <button data-action="note" data-id="${a.alert_id}">Add note</button>
        <button data-action="clear" data-id="${a.alert_id}" class="secondary">Clear</button>
      </div>` : '';
    return `<li class="alert state-${escape(a.state)}${a.active ? '' : ' inactive'}${flash}" data-alert-id="${a.alert_id}">
      <div class="alert-head"><span class="badge">${escape(a.state.toUpperCase())}</span>
        <b>${escape(zone ? zone.name : a.zone_id)}</b> · ${escape(a.target_class)} ×${a.track_ids.length}</div>
      <div class="alert-meta">score ${a.score.toFixed(2)}${entry} · raised ${formatTime(a.raised_time_s)}
        ${a.acknowledged_by ? ` · ack ${escape(a.acknowledged_by)}` : ''}</div>
      ${a.reason ? `<div class="alert-reason">${escape(a.reason)}</div>` : ''}
      ${a.note ? `<div class="alert-note">${escape(a.note)}</div>` : ''}
      ${actions}
    </li>`;
  }

  renderAudit() {
    const rows = this.store.audit.slice(-50).reverse().map((e) =>
      `<li>${formatTime(e.time_s)} <b>${escape(e.action)}</b> #${e.alert_id} ${escape(e.zone_id)}
       by ${escape(e.actor)}${e.reason ? `: ${escape(e.reason)}` : ''}</li>`);
    const html = rows.join('') || '<li class="empty">Nothing yet</li>';
    if (this.auditElement.innerHTML !== html) this.auditElement.innerHTML = html;
  }

  async clicked(event) {
    const button = event.target.closest('button[data-action]');
    if (!button) {
      const item = event.target.closest('li[data-alert-id]');
      if (item && event.target.tagName !== 'INPUT') this.onSelect(Number(item.dataset.alertId));
      return;
    }
    const id = button.dataset.id;
    const input = this.element.querySelector(`input[data-note="${id}"]`);
    const note = input ? input.value : '';
    button.disabled = true;
    try {
      const alert = await api('POST', `/api/alerts/${id}/${button.dataset.action}`, { note });
      this.store.alerts.set(alert.alert_id, alert);
      if (input) input.value = '';
      this.render(true);
    } catch (error) {
      window.alert(`Could not ${button.dataset.action} alert ${id}: ${error.detail || error}`);
      button.disabled = false;
    }
  }
}
