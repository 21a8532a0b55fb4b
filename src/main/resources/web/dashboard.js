// Live dashboard: polls the status endpoint and redraws in place. Everything that comes from
// input (agent names, alert messages, reasons) is set with textContent, never as HTML.
'use strict';

const REFRESH_MS = 2000;
const SCORE_ROWS = 15; // of the 50 the model keeps: the newest fit the panel
const params = new URLSearchParams(window.location.search);
const statusUrl = '/api/pim/metalearner/status' + (params.has('model_id')
  ? '?model_id=' + encodeURIComponent(params.get('model_id')) : '');
const MODELS_REFRESH_MS = 10000;

Chart.defaults.animation = false;
Chart.defaults.font.size = 11;

const lossChart = new Chart(document.getElementById('loss-chart'), {
  type: 'line',
  data: { labels: [], datasets: [
    { label: 'loss', data: [], borderColor: '#9aa5bd', borderWidth: 1, pointRadius: 0 },
    { label: 'rolling loss', data: [], borderColor: '#d1495b', borderWidth: 2, pointRadius: 0 },
  ] },
  options: { scales: { x: { title: { display: true, text: 'training step' } } } },
});

const returnsChart = new Chart(document.getElementById('returns-chart'), {
  type: 'line',
  data: { labels: [], datasets: [
    { label: 'actual', data: [], borderColor: '#00798c', borderWidth: 1, pointRadius: 0 },
    { label: 'predicted', data: [], borderColor: '#edae49', borderWidth: 2, pointRadius: 0 },
  ] },
  options: { scales: { x: { title: { display: true, text: 'training step' } } } },
});

const weightsChart = new Chart(document.getElementById('weights-chart'), {
  type: 'bar',
  data: { labels: [], datasets: [{ label: 'weight', data: [], backgroundColor: '#30638e' }] },
  options: { plugins: { legend: { display: false } }, scales: { y: { min: 0, max: 2 } } },
});

function text(id, value) {
  document.getElementById(id).textContent = value;
}

// a metric the server has not got (null: undefined so far, e.g. no trade yet) shows as a dash, never as 0
function missing(value) {
  return value === null || value === undefined;
}

function fixed(value, digits) {
  return missing(value) ? '–' : Number(value).toFixed(digits);
}

function percent(value) {
  return missing(value) ? '–' : (100 * value).toFixed(1) + ' %';
}

function cell(row, value, numeric) {
  const td = document.createElement('td');
  td.textContent = value;
  if (numeric) td.className = 'num';
  row.appendChild(td);
}

function renderAlerts(alerts) {
  const list = document.getElementById('alert-list');
  const items = alerts.map(a => {
    const li = document.createElement('li');
    li.className = 'alert';
    li.textContent = a.type + ' (since step ' + a.raised_at_step + '): ' + a.message;
    return li;
  });
  if (items.length === 0) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = 'none';
    items.push(li);
  }
  list.replaceChildren(...items);
}

function renderAgents(weights) {
  const names = Object.keys(weights);
  weightsChart.data.labels = names; // drawn on the canvas as text
  weightsChart.data.datasets[0].data = names.map(n => weights[n]);
  weightsChart.update();
}

function renderAgentTable(agents) {
  const rows = agents.map(a => {
    const tr = document.createElement('tr');
    cell(tr, a.agent_id);
    cell(tr, fixed(a.weight, 3), true);
    cell(tr, String(a.total_decisions), true);
    cell(tr, fixed(a.accuracy, 3), true);
    return tr;
  });
  document.querySelector('#agents-table tbody').replaceChildren(...rows);
}

function signed(value, digits) {
  return missing(value) ? '–' : (value > 0 ? '+' : '') + Number(value).toFixed(digits);
}

// newest first, as the status endpoint lists them; a decision still open shows "pending" until its close trains
function renderScores(scores) {
  const rows = scores.slice(0, SCORE_ROWS).map(d => {
    const tr = document.createElement('tr');
    tr.className = missing(d.actual_return) ? 'pending' : 'closed';
    cell(tr, d.decision_id);
    cell(tr, String(d.scored_after_step), true);
    cell(tr, signed(d.predicted_return, 5), true);
    cell(tr, signed(d.committee_score_learned, 3) + ' / ' + signed(d.committee_score_uniform, 3), true);
    cell(tr, missing(d.actual_return) ? 'pending' : signed(d.actual_return, 5) + ' (step ' + d.trained_at_step + ')', true);
    const actual = tr.lastChild;
    actual.classList.add('actual');
    if (!missing(d.actual_return) && !missing(d.predicted_return) && d.actual_return !== 0) {
      // green when the prediction had the sign of what happened
      actual.classList.add(Math.sign(d.actual_return) === Math.sign(d.predicted_return) ? 'up' : 'down');
    }
    return tr;
  });
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.className = 'muted';
    td.colSpan = 5;
    td.textContent = 'no decision scored yet';
    tr.appendChild(td);
    rows.push(tr);
  }
  document.querySelector('#scores-table tbody').replaceChildren(...rows);
}

// the live model, then each candidate on the trades both predicted; shown only when the model has candidates
function renderRace(race) {
  const panel = document.getElementById('race-panel');
  panel.hidden = !race;
  if (!race) return;
  const p = race.policy;
  text('race-summary', 'Last ' + race.window + ' trades. Policy ' + p.mode + ': better when p < ' + p.significance
      + ' over at least ' + p.min_trades + ' trades' + (race.drift_in_window ? '; a drift alert is in the window' : '')
      + (race.trades_since_promotion === null ? '' : '; last automatic promotion ' + race.trades_since_promotion + ' trades ago') + '.');
  const live = document.createElement('tr');
  cell(live, 'live model');
  cell(live, String(race.live.trades), true);
  cell(live, fixed(race.live.loss, 6), true);
  cell(live, fixed(race.live.r2, 3), true);
  cell(live, signed(race.live.committee_pnl_learned, 4) + ' (' + signed(race.live.committee_pnl_uniform, 4) + ')', true);
  cell(live, '');
  cell(live, '');
  const rows = [live].concat(race.candidates.map(c => {
    const tr = document.createElement('tr');
    cell(tr, c.model_id);
    cell(tr, String(c.trades), true);
    cell(tr, fixed(c.loss, 6) + ' vs ' + fixed(c.live_loss, 6), true);
    cell(tr, fixed(c.r2, 3) + ' vs ' + fixed(c.live_r2, 3), true);
    cell(tr, signed(c.committee_pnl_learned, 4) + ' vs ' + signed(c.live_committee_pnl_learned, 4)
        + ' (' + signed(c.committee_pnl_uniform, 4) + ')', true);
    const dm = c.diebold_mariano;
    cell(tr, fixed(dm.statistic, 2) + ' (' + (missing(dm.p_value) ? '–' : Number(dm.p_value).toPrecision(2)) + ')', true);
    cell(tr, c.better ? 'better' : '');
    if (c.better) tr.className = 'better';
    return tr;
  }));
  document.querySelector('#race-table tbody').replaceChildren(...rows);
}

function renderCurve(curve) {
  const steps = curve.map(p => p.training_step);
  lossChart.data.labels = steps;
  lossChart.data.datasets[0].data = curve.map(p => p.loss);
  lossChart.data.datasets[1].data = curve.map(p => p.rolling_loss);
  lossChart.update();
  returnsChart.data.labels = steps;
  returnsChart.data.datasets[0].data = curve.map(p => p.actual_return);
  returnsChart.data.datasets[1].data = curve.map(p => p.predicted_return);
  returnsChart.update();
}

function renderStats(s) {
  text('model-id', s.model_id);
  text('stat-step', String(s.training_step));
  text('stat-loss', fixed(s.rolling_loss, 6));
  text('stat-r2', fixed(s.rolling_r2, 3));
  text('stat-accuracy', percent(s.direction_accuracy));
  text('stat-pnl-learned', s.committee_pnl ? fixed(s.committee_pnl.learned, 4) : '–');
  text('stat-pnl-uniform', s.committee_pnl ? fixed(s.committee_pnl.uniform, 4) : '–');
  const dead = Object.entries(s.dead_letters || {}).map(([reason, n]) => reason + ' ' + n).join(', ');
  text('stat-dead-letters', dead || 'none');
}

async function refresh() {
  try {
    const response = await fetch(statusUrl, { cache: 'no-store' });
    if (!response.ok) throw new Error('HTTP ' + response.status);
    const status = await response.json();
    renderStats(status);
    renderCurve(status.learning_curve || []);
    renderAgents(status.agent_weights || {});
    renderAgentTable(status.agents || []);
    renderAlerts(status.active_alerts || []);
    renderScores(status.recent_scores || []);
    renderRace(status.candidate_race || null);
    text('updated', 'updated ' + new Date().toLocaleTimeString());
  } catch (e) {
    text('updated', 'status unavailable (' + e.message + '), retrying');
  }
}

// The model picker: every model any instance trains (GET /models); picking one reloads the page
// with ?model_id=, so a link shows the same model.
const picker = document.getElementById('model-picker');
picker.addEventListener('change', () => {
  const next = new URLSearchParams(window.location.search);
  if (picker.value) next.set('model_id', picker.value); else next.delete('model_id');
  window.location.search = next.toString();
});

async function refreshModels() {
  try {
    const response = await fetch('/api/pim/metalearner/models', { cache: 'no-store' });
    if (!response.ok) return; // the status line already says when the service is unavailable
    const models = (await response.json()).models || [];
    const current = params.get('model_id') || '';
    const ids = models.map(m => m.model_id);
    if (current && !ids.includes(current)) ids.push(current);
    picker.replaceChildren(new Option('(default)', ''), ...ids.map(id => {
      const m = models.find(x => x.model_id === id);
      const option = new Option(m ? id + ' · step ' + m.training_step + ' · ' + m.owner : id, id);
      option.selected = id === current;
      return option;
    }));
  } catch (e) {
    // keep the list there is; the next round tries again
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
refreshModels();
setInterval(refreshModels, MODELS_REFRESH_MS);
