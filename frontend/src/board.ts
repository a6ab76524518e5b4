import { Toast } from "bootstrap";
import htmx from "htmx.org";
import Sortable from "sortablejs";
import { debounce, type LiveEvent } from "./live";

// While a card is in the hand the board is not redrawn; a change that arrives meanwhile is
// fetched when the card is dropped.
let dragging = false;
const seen = new Set<string>();

function boardReload(): void {
  htmx.ajax("GET", window.location.href, { target: "#board-area", select: "#board-area", swap: "outerHTML" });
}
const boardReloadSoon = debounce(() => {
  if (!dragging) boardReload();
}, 200);

function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? "";
}

function showError(message: string, link?: string): void {
  const container = document.querySelector(".toast-container") ?? document.body.appendChild(
    Object.assign(document.createElement("div"), {
      className: "toast-container position-fixed bottom-0 end-0 p-3",
    }),
  );
  const toast = document.createElement("div");
  toast.className = "toast text-bg-danger border-0";
  toast.setAttribute("role", "alert");
  toast.dataset.testid = "flash";
  const body = document.createElement("div");
  body.className = "toast-body";
  body.textContent = message;
  if (link) {
    const anchor = Object.assign(document.createElement("a"), { href: link });
    anchor.className = "text-white ms-2 fw-semibold";
    anchor.textContent = document.documentElement.lang === "ru" ? "Заполнить" : "Fill in";
    body.appendChild(anchor);
  }
  toast.appendChild(body);
  container.appendChild(toast);
  Toast.getOrCreateInstance(toast, { delay: 8000 }).show();
}

/** Drag-and-drop on the deal board: the server applies the stage gate; a refused move
 * snaps back and says which fields are missing. */
export function initBoard(board: HTMLElement): void {
  const moveUrl = board.dataset.moveUrl ?? "";
  board.querySelectorAll<HTMLElement>(".board-list").forEach((list) => {
    Sortable.create(list, {
      group: "deals",
      animation: 150,
      ghostClass: "board-ghost",
      onStart: () => {
        dragging = true;
      },
      onEnd: async (event) => {
        dragging = false;
        const card = event.item as HTMLElement;
        const target = event.to as HTMLElement;
        if (event.from === target && event.oldIndex === event.newIndex) {
          boardReloadSoon();
          return;
        }
        const form = new FormData();
        form.append("stage", target.dataset.stage ?? "");
        form.append("position", String(event.newIndex ?? 0));
        const response = await fetch(moveUrl.replace("{id}", card.dataset.deal ?? ""), {
          method: "POST",
          body: form,
          headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
          credentials: "same-origin",
        });
        if (!response.ok) {
          const from = event.from as HTMLElement;
          from.insertBefore(card, from.children[event.oldIndex ?? 0] ?? null);
          const body = await response.json().catch(() => ({ detail: response.statusText }));
          showError(body.detail, body.edit_url);
          return;
        }
        boardReload();
      },
    });
  });
}

document.body.addEventListener("htmx:load", (event) => {
  const root = event.target as HTMLElement;
  const board = root.matches?.("[data-board]") ? root : root.querySelector<HTMLElement>("[data-board]");
  if (board && !board.dataset.ready) {
    board.dataset.ready = "1";
    initBoard(board);
  }
});

document.addEventListener("DOMContentLoaded", () => {
  const board = document.querySelector<HTMLElement>("[data-board]");
  if (board && !board.dataset.ready) {
    board.dataset.ready = "1";
    initBoard(board);
  }
});

// Someone else moved or edited a deal this user sees: redraw the board (each change once, even
// when it reaches this page through two of its groups).
document.addEventListener("live:deal.changed", (event) => {
  const detail = (event as CustomEvent<LiveEvent>).detail;
  const id = String(detail.id ?? "");
  if (id && seen.has(id)) return;
  seen.add(id);
  boardReloadSoon();
});
document.addEventListener("live:reconnected", (event) => {
  if ((event.target as HTMLElement).matches("[data-board-live]")) boardReloadSoon();
});
