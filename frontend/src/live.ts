import { Toast } from "bootstrap";
import htmx from "htmx.org";

/** Live updates over websockets. An element with `data-live="/ws/…/"` holds one socket; events
 * arrive as `live:<type>` DOM events on that element. Sockets reconnect with backoff and send
 * `live:reconnected`, on which each page part refetches its state; the top bar says when live
 * updates are paused. Close codes 44xx (signed out, not allowed, not found) end the retries. */

export interface LiveEvent {
  type: string;
  [key: string]: unknown;
}

const FINAL_CODES = new Set([4401, 4403, 4404]);
const PING_MS = 15_000;
const MAX_DELAY_MS = 30_000;
const PAUSED_AFTER_MS = 2_000;
const sockets = new WeakMap<HTMLElement, LiveSocket>();
const down = new Set<LiveSocket>();
let pausedTimer: number | undefined;

function showPaused(): void {
  const badge = document.querySelector<HTMLElement>("[data-live-status]");
  if (!badge) return;
  window.clearTimeout(pausedTimer);
  if (down.size === 0) {
    badge.classList.add("d-none");
    return;
  }
  pausedTimer = window.setTimeout(() => badge.classList.toggle("d-none", down.size === 0), PAUSED_AFTER_MS);
}

export class LiveSocket {
  private socket?: WebSocket;
  private attempts = 0;
  private opened = false;
  private stopped = false;
  private pinger?: number;

  constructor(readonly element: HTMLElement) {
    this.connect();
  }

  private url(): string {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${window.location.host}${this.element.dataset.live}`;
  }

  private connect(): void {
    const socket = new WebSocket(this.url());
    this.socket = socket;
    socket.addEventListener("open", () => {
      const reconnected = this.opened;
      this.opened = true;
      this.attempts = 0;
      down.delete(this);
      showPaused();
      this.element.classList.add("live-connected");
      this.pinger = window.setInterval(() => this.send({ type: "ping" }), PING_MS);
      if (reconnected) this.emit({ type: "reconnected" });
    });
    socket.addEventListener("message", (message) => {
      if (!this.element.isConnected) {
        this.close();
        return;
      }
      try {
        this.emit(JSON.parse(message.data) as LiveEvent);
      } catch {
        // not JSON: nothing the page can use
      }
    });
    socket.addEventListener("close", (event) => {
      window.clearInterval(this.pinger);
      this.element.classList.remove("live-connected");
      if (this.stopped || !this.element.isConnected || FINAL_CODES.has(event.code)) {
        down.delete(this);
        showPaused();
        return;
      }
      down.add(this);
      showPaused();
      const delay = Math.min(MAX_DELAY_MS, 1000 * 2 ** this.attempts) * (0.5 + Math.random() / 2);
      this.attempts += 1;
      window.setTimeout(() => this.connect(), delay);
    });
  }

  private emit(event: LiveEvent): void {
    this.element.dispatchEvent(new CustomEvent(`live:${event.type}`, { detail: event, bubbles: true }));
  }

  send(data: LiveEvent): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(data));
  }

  close(): void {
    this.stopped = true;
    this.socket?.close(1000);
  }
}

export function liveStart(root: ParentNode): void {
  const elements = Array.from(root.querySelectorAll<HTMLElement>("[data-live]"));
  if (root instanceof HTMLElement && root.matches("[data-live]")) elements.push(root);
  for (const element of elements) {
    if (!sockets.has(element)) sockets.set(element, new LiveSocket(element));
  }
}

/** `fn` runs once per burst of calls, `ms` after the last one. */
export function debounce(fn: () => void, ms = 250): () => void {
  let timer: number | undefined;
  return () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(fn, ms);
  };
}

export function toast(text: string, link?: string, tone = "text-bg-dark"): void {
  const container =
    document.querySelector(".toast-container") ??
    document.body.appendChild(
      Object.assign(document.createElement("div"), {
        className: "toast-container position-fixed bottom-0 end-0 p-3",
      }),
    );
  const item = document.createElement("div");
  item.className = `toast ${tone} border-0`;
  item.setAttribute("role", "status");
  item.dataset.testid = "live-toast";
  const body = document.createElement(link ? "a" : "div");
  body.className = "toast-body d-block text-reset text-decoration-none";
  body.textContent = text;
  if (link) (body as HTMLAnchorElement).href = link;
  item.appendChild(body);
  container.appendChild(item);
  Toast.getOrCreateInstance(item, { delay: 8000 }).show();
}

function fill(template: string | undefined, name: string): string {
  return (template ?? "{name}").replace("{name}", name);
}

// --- The bell --------------------------------------------------------------------------------
document.addEventListener("live:notifications", (event) => setBell(event as CustomEvent<LiveEvent>));
document.addEventListener("live:notification", (event) => {
  const detail = (event as CustomEvent<LiveEvent>).detail;
  setBell(event as CustomEvent<LiveEvent>);
  toast(String(detail.text), String(detail.url));
  const menu = document.querySelector<HTMLElement>("#notification-menu.show");
  if (menu) htmx.ajax("GET", "/notifications/menu/", { target: menu });
});

function setBell(event: CustomEvent<LiveEvent>): void {
  const count = document.querySelector<HTMLElement>("[data-bell-count]");
  if (!count) return;
  const unread = Number(event.detail.unread ?? 0);
  count.textContent = String(unread);
  count.classList.toggle("d-none", unread === 0);
}

// --- A record's page: who else has it open, and its changes ----------------------------------
interface Presence {
  name: string;
  state: string;
}
const present = new WeakMap<HTMLElement, Map<number, Presence>>();

function drawPresence(element: HTMLElement): void {
  const list = element.querySelector<HTMLElement>("[data-presence]");
  if (!list) return;
  const people = present.get(element) ?? new Map();
  list.replaceChildren(
    ...Array.from(people.values()).map((person) => {
      const badge = document.createElement("span");
      const editing = person.state === "editing";
      badge.className = `badge rounded-pill ${editing ? "text-bg-warning" : "text-bg-light border"}`;
      badge.dataset.testid = editing ? "presence-editing" : "presence-viewing";
      badge.textContent = fill(editing ? element.dataset.textEditing : element.dataset.textViewing, person.name);
      return badge;
    }),
  );
}

const refreshTimeline = debounce(() => {
  const timeline = document.querySelector<HTMLElement>("#timeline[data-src]");
  if (timeline) htmx.ajax("GET", timeline.dataset.src ?? "", { target: "#timeline", swap: "outerHTML" });
});

document.addEventListener("live:presence", (event) => {
  const element = (event.target as HTMLElement).closest<HTMLElement>("[data-live-record]");
  if (!element) return;
  const detail = (event as CustomEvent<LiveEvent>).detail;
  const people = present.get(element) ?? new Map<number, Presence>();
  present.set(element, people);
  if (detail.state === "left") people.delete(Number(detail.user));
  else people.set(Number(detail.user), { name: String(detail.name), state: String(detail.state) });
  drawPresence(element);
});

document.addEventListener("live:record.changed", (event) => {
  const element = (event.target as HTMLElement).closest<HTMLElement>("[data-live-record]");
  if (!element) return;
  const detail = (event as CustomEvent<LiveEvent>).detail;
  refreshTimeline();
  if (detail.part !== "record") return;
  const notice = element.querySelector<HTMLElement>("[data-changed]");
  if (!notice) return;
  const text = document.createElement("span");
  text.className = "me-auto";
  text.textContent = fill(element.dataset.textChanged, String(detail.by || element.dataset.textSomeone));
  const reload = Object.assign(document.createElement("a"), { href: window.location.href });
  reload.className = "btn btn-sm btn-primary";
  reload.textContent = element.dataset.textReload ?? "Reload";
  notice.replaceChildren(text, reload);
  notice.classList.remove("d-none");
  notice.classList.add("d-flex");
});

document.addEventListener("live:reconnected", (event) => {
  const element = event.target as HTMLElement;
  if (element.matches("[data-live-record]")) {
    present.get(element)?.clear();
    drawPresence(element);
    refreshTimeline();
  }
});

// --- A job's progress (imports, search rebuilds) --------------------------------------------------------------
document.addEventListener("live:job.progress", (event) => {
  const detail = (event as CustomEvent<LiveEvent>).detail;
  const root = event.target as HTMLElement;
  const done = Number(detail.done ?? 0);
  const total = Math.max(Number(detail.total ?? 0), done, 1);
  const bar = root.querySelector<HTMLElement>("[data-progress-bar]");
  const text = root.querySelector<HTMLElement>("[data-progress-text]");
  if (bar) {
    bar.style.width = `${Math.round((100 * done) / total)}%`;
    bar.parentElement?.setAttribute("aria-valuenow", String(done));
  }
  if (text) text.textContent = (text.dataset.progressText ?? "{done}").replace("{done}", String(done));
});

// A progress card polls only while its page's socket is away (no htmx filter expressions:
// they need eval, which the Content-Security-Policy forbids).
document.body.addEventListener("htmx:beforeRequest", (event) => {
  const source = (event as CustomEvent).detail.elt as HTMLElement;
  if (source.matches("[data-poll-offline]") && source.closest(".live-connected")) {
    event.preventDefault();
  }
});

function jobReload(event: Event): void {
  const root = event.target as HTMLElement;
  const status = root.querySelector<HTMLElement>("[data-job-status]");
  const target = status?.closest<HTMLElement>("[data-job-box]");
  if (status?.dataset.jobStatus && target) htmx.ajax("GET", status.dataset.jobStatus, { target });
}
document.addEventListener("live:job.finished", jobReload);
document.addEventListener("live:reconnected", (event) => {
  if ((event.target as HTMLElement).querySelector("[data-job-status]")) jobReload(event);
});

document.addEventListener("DOMContentLoaded", () => liveStart(document));
document.body.addEventListener("htmx:load", (event) => liveStart(event.target as HTMLElement));

// --- The customer portal: answers to requests and order steps ------------------------------------
// The page showing that request or order refetches its live part; any other page says so.
function portalRefresh(kind: "ticket" | "order", id?: unknown): boolean {
  const selector = id === undefined ? `[data-live-${kind}]` : `[data-live-${kind}="${Number(id)}"]`;
  const part = document.querySelector<HTMLElement>(selector);
  if (!part) return false;
  htmx.ajax("GET", window.location.pathname, { target: part, select: `[data-live-${kind}]`, swap: "outerHTML" });
  return true;
}

for (const kind of ["ticket", "order"] as const) {
  document.addEventListener(`live:${kind === "ticket" ? "ticket.reply" : "order.status"}`, (event) => {
    const detail = (event as CustomEvent<LiveEvent>).detail;
    if (portalRefresh(kind, detail[kind])) return;
    const root = event.target as HTMLElement;
    const text = (kind === "ticket" ? root.dataset.textReply : root.dataset.textOrder) ?? "{number}";
    toast(text.replace("{number}", String(detail.number)), String(detail.url));
  });
}
document.addEventListener("live:reconnected", () => {
  portalRefresh("ticket");
  portalRefresh("order");
});

// --- A read-only (lapsed) workspace refuses an htmx write: say so where the user is. --------
document.addEventListener("tenantly:read-only", (event) => {
  const detail = (event as CustomEvent<{ text: string; url: string }>).detail;
  toast(detail.text, detail.url, "text-bg-warning");
});
