// Where planned time went, from GET /analytics/losses: the stop loss per category, the Pareto of reasons (most lost
// time first, as the API orders them) and the waterfall from planned time to fully productive time (planned minus
// each stop category, the speed loss and the quality loss leaves the good ideal time).
import { escape, minutes, percent } from './format.js';

const CATEGORY_NAMES = { minor_stop: 'minor stops', unclassified: 'unclassified' };

export function categoryName(category) {
  return CATEGORY_NAMES[category] ?? category;
}

/** A reason as people read it: its catalogue name, else its code, else that the stop had none. */
export function reasonName(reason) {
  return reason.reasonName ?? reason.reasonCode ?? 'no reason';
}

/** The steps of the waterfall: planned time, each category and speed and quality losses taken away, what is left. */
export function waterfallSteps(losses) {
  const steps = [{ step: 'planned', label: 'planned time', ms: losses.plannedMs, kind: 'total' }];
  Object.entries(losses.stopLossMs).filter(([, ms]) => ms > 0).forEach(([category, ms]) =>
    steps.push({ step: category, label: categoryName(category), ms, kind: 'loss' }));
  steps.push({ step: 'speed', label: 'speed loss', ms: losses.speedLossMs, kind: 'loss' });
  steps.push({ step: 'quality', label: 'quality loss', ms: losses.qualityLossMs, kind: 'loss' });
  steps.push({ step: 'fully-productive', label: 'fully productive', ms: losses.goodIdealMs, kind: 'total' });
  return steps;
}

export function waterfallTable(steps) {
  return `<table id="waterfall-table"><thead><tr><th>Step</th><th>Time</th></tr></thead><tbody>
    ${steps.map(step => `<tr data-step="${escape(step.step)}"><td>${step.kind === 'loss' ? '− ' : ''}${escape(step.label)}</td>
      <td class="ms">${minutes(step.ms)}</td></tr>`).join('')}</tbody></table>`;
}

/**
 * Bars as a waterfall: each loss floats at the level its predecessors left (an invisible bar beneath it); a loss
 * unknown (no ideal cycle time) is drawn as nothing, and so is what would be left after it.
 */
export function waterfallOption(steps) {
  let level = 0;
  const bases = [];
  const values = [];
  for (const step of steps) {
    const value = step.ms === null ? null : step.ms / 60_000;
    if (step.kind === 'total') {
      bases.push(0);
      values.push(value === null ? null : { value, itemStyle: { color: step.step === 'planned' ? '#1f5fbf' : '#1f8a4c' } });
      level = value ?? level;
    } else {
      level -= value ?? 0;
      bases.push(level);
      values.push(value === null ? null : { value, itemStyle: { color: '#c62828' } });
    }
  }
  return {
    animation: false,
    grid: { left: 60, right: 20, top: 30, bottom: 60 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' },
      formatter: params => `${params[1].name}: ${params[1].value === undefined ? '–' : `${params[1].value.toFixed(1)} min`}` },
    xAxis: { type: 'category', data: steps.map(step => step.label), axisLabel: { interval: 0, rotate: 20 } },
    yAxis: { type: 'value', name: 'min' },
    series: [
      { type: 'bar', stack: 'waterfall', data: bases, itemStyle: { color: 'transparent' }, emphasis: { disabled: true } },
      { type: 'bar', stack: 'waterfall', data: values,
        label: { show: true, position: 'top', formatter: ({ value }) => value.toFixed(1) } }
    ]
  };
}

/** The stop loss per category, then the speed and quality losses. */
export function categoryTable(losses) {
  return `<table id="loss-categories"><thead><tr><th>Category</th><th>Lost</th></tr></thead><tbody>
    ${Object.entries(losses.stopLossMs).map(([category, ms]) => `<tr data-category="${escape(category)}">
      <td>${escape(categoryName(category))}</td><td class="ms">${minutes(ms)}</td></tr>`).join('')}
    <tr data-category="speed"><td>speed loss</td><td class="ms">${minutes(losses.speedLossMs)}</td></tr>
    <tr data-category="quality"><td>quality loss</td><td class="ms">${minutes(losses.qualityLossMs)}</td></tr></tbody></table>`;
}

/** The Pareto of reasons: each one's lost time, the stops of it begun in the range, and the cumulative share. */
export function paretoTable(losses) {
  let cumulative = 0;
  return `<table id="loss-pareto"><thead><tr><th>Reason</th><th>Lost</th><th>Stops begun</th><th>Cumulative</th></tr></thead><tbody>
    ${losses.pareto.length === 0 ? '<tr><td colspan="4" class="muted">No stops in this range.</td></tr>' : ''}
    ${losses.pareto.map(reason => {
      cumulative += reason.lostMs;
      return `<tr data-reason="${escape(reason.reasonCode ?? '')}"><td>${escape(reasonName(reason))}</td>
        <td class="ms">${minutes(reason.lostMs)}</td><td>${reason.stops}</td>
        <td>${percent(losses.stopLossTotalMs === 0 ? null : cumulative / losses.stopLossTotalMs)}</td></tr>`;
    }).join('')}</tbody></table>`;
}

/** The Pareto as bars of lost minutes per reason, with the cumulative share as a line. */
export function paretoOption(losses) {
  let cumulative = 0;
  const shares = losses.pareto.map(reason => {
    cumulative += reason.lostMs;
    return losses.stopLossTotalMs === 0 ? null : +(cumulative / losses.stopLossTotalMs * 100).toFixed(1);
  });
  return {
    animation: false,
    grid: { left: 60, right: 50, top: 30, bottom: 60 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: losses.pareto.map(reasonName), axisLabel: { interval: 0, rotate: 20 } },
    yAxis: [{ type: 'value', name: 'min' }, { type: 'value', name: '%', min: 0, max: 100 }],
    series: [
      { name: 'lost minutes', type: 'bar', data: losses.pareto.map(reason => +(reason.lostMs / 60_000).toFixed(1)),
        itemStyle: { color: '#c62828' } },
      { name: 'cumulative %', type: 'line', yAxisIndex: 1, data: shares }
    ]
  };
}
