// The picture in the browser: applies the server's snapshot and its per-tick updates, and
// keeps each track's trail (the server sends trails in snapshots only; updates add points).

const TRAIL_LENGTH = 30;

export class Store {
  constructor() {
    this.reset();
    this.listeners = new Set();
  }

  reset() {
    this.time_s = null;
    this.site = null;
    this.tracks = new Map();
    this.trails = new Map();
    this.alerts = new Map();
    this.zones = new Map();
    this.sensors = new Map();
    this.audit = [];
    this.seq = 0;
  }

  onChange(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(change) {
    for (const listener of this.listeners) listener(change);
  }

  applySnapshot(snapshot) {
    const previousAlerts = this.alerts;
    this.reset();
    this.seq = snapshot.seq;
    this.time_s = snapshot.time_s;
    this.site = snapshot.site;
    for (const track of snapshot.tracks) {
      this.trails.set(track.track_id, track.trail ? [...track.trail] : [[track.lon_deg, track.lat_deg]]);
      this.tracks.set(track.track_id, { ...track, trail: undefined });
    }
    for (const alert of snapshot.alerts) this.alerts.set(alert.alert_id, alert);
    for (const zone of snapshot.zones) this.zones.set(zone.zone_id, zone);
    for (const sensor of snapshot.sensors) this.sensors.set(sensor.sensor_id, sensor);
    this.audit = snapshot.audit.slice();
    const newAlerts = snapshot.alerts.filter((a) => a.active && !previousAlerts.has(a.alert_id));
    this.emit({ snapshot: true, newAlerts });
  }

  applyUpdate(update) {
    this.seq = update.seq;
    this.time_s = update.time_s;
    for (const track of update.tracks) {
      let trail = this.trails.get(track.track_id);
      if (!trail) this.trails.set(track.track_id, (trail = []));
      const last = trail[trail.length - 1];
      if (!last || last[0] !== track.lon_deg || last[1] !== track.lat_deg) {
        trail.push([track.lon_deg, track.lat_deg]);
        if (trail.length > TRAIL_LENGTH) trail.shift();
      }
      this.tracks.set(track.track_id, track);
    }
    for (const id of update.removed) {
      this.tracks.delete(id);
      this.trails.delete(id);
    }
    const newAlerts = [];
    for (const alert of update.alerts) {
      const before = this.alerts.get(alert.alert_id);
      if (alert.active && (!before || !before.active)) newAlerts.push(alert);
      this.alerts.set(alert.alert_id, alert);
    }
    if (update.zones) {
      this.zones = new Map(update.zones.map((z) => [z.zone_id, z]));
    }
    for (const { zone_id, state } of update.zone_states) {
      const zone = this.zones.get(zone_id);
      if (zone) this.zones.set(zone_id, { ...zone, state });
    }
    for (const sensor of update.sensors) this.sensors.set(sensor.sensor_id, sensor);
    if (update.audit.length) this.audit = this.audit.concat(update.audit).slice(-500);
    this.emit({ update: true, newAlerts, tracksChanged: update.tracks.length + update.removed.length,
                zonesChanged: Boolean(update.zones || update.zone_states.length),
                sensorsChanged: update.sensors.length > 0 });
  }

  /** Alerts as the panel lists them: active first, highest score first, newest first. */
  sortedAlerts() {
    return [...this.alerts.values()].sort((a, b) =>
      (b.active - a.active) || (b.score - a.score) || (b.raised_time_s - a.raised_time_s));
  }
}

/** "T+01:23" for scenario seconds, or a UTC clock for UNIX seconds. */
export function formatTime(time_s) {
  if (time_s === null || time_s === undefined) return '--:--';
  if (time_s > 1e9) return new Date(time_s * 1000).toISOString().slice(11, 19) + 'Z';
  const sign = time_s < 0 ? '-' : '+';
  const t = Math.abs(time_s);
  const m = Math.floor(t / 60), s = Math.floor(t % 60);
  return `T${sign}${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}
