// Loaded only by pages that hold a chart (components/chart.html adds it as an entry of its own).
// Charts drawn with Apache ECharts from a JSON spec the page carries in a
// <script type="application/json"> (no inline script: the CSP stays strict). Every chart has
// its data as a table beside it, written by the server in the reader's formats; the chart is
// the picture of that table. Clicking a bar, point or slice opens the records behind it.
import { BarChart, FunnelChart, LineChart, PieChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, PieChart, FunnelChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

interface Series {
  name: string;
  values: (number | null)[];
  kind?: "bar" | "line"; // a line over stacked bars (won revenue over the forecast)
}

interface ChartSpec {
  kind: "bar" | "stacked" | "line" | "pie" | "funnel";
  categories: string[];
  series: Series[];
  unit: "money" | "count" | "percent" | "days" | "hours";
  currency?: string;
  links?: (string | null)[];
}

function formatter(spec: ChartSpec): (value: number) => string {
  const lang = document.documentElement.lang || "en";
  const number = new Intl.NumberFormat(lang, { maximumFractionDigits: spec.unit === "count" ? 0 : 1 });
  const money = spec.currency
    ? new Intl.NumberFormat(lang, { style: "currency", currency: spec.currency, maximumFractionDigits: 0 })
    : number;
  return (value: number) => {
    if (value === null || value === undefined || Number.isNaN(value)) return "—";
    if (spec.unit === "money") return money.format(value);
    if (spec.unit === "percent") return `${number.format(value)} %`;
    return number.format(value);
  };
}

function textColour(): string {
  return getComputedStyle(document.body).getPropertyValue("--bs-body-color").trim() || "#212529";
}

function options(spec: ChartSpec): echarts.EChartsCoreOption {
  const format = formatter(spec);
  const colour = textColour();
  const tooltip = { trigger: spec.kind === "pie" || spec.kind === "funnel" ? "item" : "axis", valueFormatter: format };
  if (spec.kind === "pie" || spec.kind === "funnel") {
    const first = spec.series[0] ?? { name: "", values: [] };
    return {
      tooltip,
      legend: { bottom: 0, textStyle: { color: colour }, type: "scroll" },
      series: [
        {
          type: spec.kind,
          name: first.name,
          radius: spec.kind === "pie" ? ["35%", "70%"] : undefined,
          sort: spec.kind === "funnel" ? "none" : undefined,
          label: { color: colour, formatter: (item: { name: string; value: number }) => `${item.name}: ${format(item.value)}` },
          data: spec.categories.map((name, index) => ({ name, value: first.values[index] })),
        },
      ],
    };
  }
  return {
    tooltip,
    legend: spec.series.length > 1 ? { bottom: 0, textStyle: { color: colour }, type: "scroll" } : undefined,
    grid: { left: 8, right: 16, top: 16, bottom: spec.series.length > 1 ? 40 : 8, containLabel: true },
    xAxis: { type: "category", data: spec.categories, axisLabel: { color: colour } },
    yAxis: { type: "value", axisLabel: { color: colour, formatter: format } },
    series: spec.series.map((series) => ({
      type: series.kind ?? (spec.kind === "line" ? "line" : "bar"),
      name: series.name,
      stack: spec.kind === "stacked" && series.kind !== "line" ? "total" : undefined,
      smooth: spec.kind === "line",
      data: series.values,
    })),
  };
}

const drawn = new Map<string, echarts.ECharts>();

function draw(element: HTMLElement): void {
  const source = document.getElementById(element.dataset.chart ?? "");
  if (!source || element.dataset.drawn) return;
  const spec = JSON.parse(source.textContent ?? "{}") as ChartSpec;
  element.dataset.drawn = "1";
  const chart = echarts.init(element, undefined, { renderer: "canvas" });
  chart.setOption(options(spec));
  drawn.set(element.dataset.chart ?? "", chart);
  chart.on("click", (event) => {
    const link = spec.links?.[event.dataIndex];
    if (link) window.location.assign(link);
  });
  new ResizeObserver(() => chart.resize()).observe(element);
  element.dataset.ready = "1";
}

// <button data-chart-png="<chart's data id>" data-png-name="..."> downloads the chart as a PNG.
function bindPng(button: HTMLElement): void {
  if (button.dataset.bound) return;
  button.dataset.bound = "1";
  button.addEventListener("click", () => {
    const chart = drawn.get(button.dataset.chartPng ?? "");
    if (!chart) return;
    const link = document.createElement("a");
    link.href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" });
    link.download = `${button.dataset.pngName || "chart"}.png`;
    link.click();
  });
}

function drawAll(root: ParentNode): void {
  root.querySelectorAll<HTMLElement>("[data-chart]").forEach(draw);
  root.querySelectorAll<HTMLElement>("[data-chart-png]").forEach(bindPng);
}

// a module script runs once the document is parsed
drawAll(document);
document.body.addEventListener("htmx:load", (event) => drawAll(event.target as HTMLElement));
