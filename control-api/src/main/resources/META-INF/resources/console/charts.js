// Apache ECharts, a classic script from its WebJar: loaded once, then used through its global.
export function loadECharts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/webjars/echarts/5.3.1/dist/echarts.min.js';
    script.onload = () => resolve(window.echarts);
    script.onerror = () => reject(new Error('the chart library did not load'));
    document.head.appendChild(script);
  });
}

/**
 * A line series that shows its data as a line, and a dot only where a point has no drawn neighbour (a range's only
 * point, or one between gaps): a line without symbols draws nothing for such a point.
 */
export function lineSeries(name, data) {
  const drawn = index => data[index] !== undefined && data[index][1] !== null;
  return { name, type: 'line', data, showSymbol: true,
    symbolSize: (value, params) => drawn(params.dataIndex - 1) || drawn(params.dataIndex + 1) ? 0 : 7 };
}
