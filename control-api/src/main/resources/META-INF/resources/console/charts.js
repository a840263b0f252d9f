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
