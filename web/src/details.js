// The details panel of the selected track: what it is, where it goes, what it threatens.

import { covarianceEllipse } from './geometry.js';
import { formatTime } from './store.js';

function escape(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function row(label, value) {
  return `<tr><th>${label}</th><td>${value}</td></tr>`;
}

export function renderDetails(element, track, store) {
  if (!track) {
    element.innerHTML = '<p class="hint">Click a track for its details.</p>';
    return;
  }
  const probs = Object.entries(track.class_probs).sort((a, b) => b[1] - a[1]).map(([cls, p]) =>
    `<div class="prob"><span>${escape(cls)}</span><span class="bar"><span style="width:${(p * 100).toFixed(0)}%"></span></span>
     <span>${(p * 100).toFixed(0)}%</span></div>`).join('');
  const ellipse = covarianceEllipse(track.cov_enu);
  const threats = track.threats.map((t) => {
    const zone = store.zones.get(t.zone_id);
    const entry = t.inside ? 'inside' : t.time_to_entry_s === null ? 'not entering'
      : `entry in ${Math.round(t.time_to_entry_s)} s`;
    const impact = t.impact_lat_deg === null ? ''
      : `<br>impact ${t.impact_lat_deg.toFixed(5)}, ${t.impact_lon_deg.toFixed(5)}` +
        (t.impact_time_s === null ? '' : ` at ${formatTime(t.impact_time_s)}`) +
        (t.impact_ellipse_m ? ` (95 %: ${Math.round(t.impact_ellipse_m[0])} × ${Math.round(t.impact_ellipse_m[1])} m)` : '');
    return `<li><b>${escape(zone ? zone.name : t.zone_id)}</b>: ${entry}, p ${t.probability.toFixed(2)},
      score ${t.score.toFixed(2)}, closest ${Math.round(t.closest_approach_m)} m${impact}</li>`;
  }).join('');
  element.innerHTML = `
    <h3>Track #${track.track_id} <span class="cls">${escape(track.target_class)}</span>
      <span class="level level-${track.level}">${track.level}</span></h3>
    <table>
      ${row('time', formatTime(track.time_s))}
      ${row('position', `${track.lat_deg.toFixed(5)}, ${track.lon_deg.toFixed(5)}`)}
      ${row('height', `${Math.round(track.up_m)} m above site (${Math.round(track.alt_m)} m WGS84)`)}
      ${row('speed', `${track.speed_ms.toFixed(1)} m/s, heading ${Math.round(track.heading_deg)}°, climb ${track.vel_u_ms.toFixed(1)} m/s`)}
      ${ellipse ? row('95 % position', `${Math.round(ellipse.semiMajor_m)} × ${Math.round(ellipse.semiMinor_m)} m`) : ''}
      ${row('identity', escape([track.callsign, track.identity].filter(Boolean).join(' / ') || '—') +
        (track.authorised ? ' <span class="ok">authorised</span>' : '') +
        (track.spoofing_suspected ? ' <span class="warn">spoofing suspected</span>' : ''))}
      ${row('sources', escape(track.sources.join(', ') || '—'))}
      ${row('hits', track.hits)}
      ${track.ballistic ? row('path', 'ballistic') : ''}
    </table>
    <h4>Class</h4>${probs || '<p class="hint">no class probabilities</p>'}
    <h4>Threats</h4><ul class="threats">${threats || '<li class="empty">none</li>'}</ul>`;
}
