import { Toast } from "bootstrap";
import htmx from "htmx.org";
import Sortable from "sortablejs";

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
      onEnd: async (event) => {
        const card = event.item as HTMLElement;
        const target = event.to as HTMLElement;
        if (event.from === target && event.oldIndex === event.newIndex) return;
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
        htmx.ajax("GET", window.location.href, { target: "#board", select: "#board", swap: "outerHTML" });
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
