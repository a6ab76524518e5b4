import "bootstrap/dist/css/bootstrap.css";
import "bootstrap-icons/font/bootstrap-icons.css";
import "./styles/app.css";

import Alpine from "alpinejs";
import { Collapse, Dropdown, Offcanvas, Toast } from "bootstrap";
import htmx from "htmx.org";
import "./board";
import "./live";
import "./search";

declare global {
  interface Window {
    htmx: typeof htmx;
    Alpine: typeof Alpine;
  }
}

window.htmx = htmx;
// Nothing is evaluated from attributes: the Content-Security-Policy allows no eval.
htmx.config.allowEval = false;
window.Alpine = Alpine;

// Django's CSRF token travels with every htmx request.
document.body.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content;
  if (token) {
    (event as CustomEvent).detail.headers["X-CSRFToken"] = token;
  }
});

function initComponents(root: ParentNode): void {
  root.querySelectorAll<HTMLElement>(".toast").forEach((element) => {
    Toast.getOrCreateInstance(element, { delay: 6000 }).show();
  });
  root.querySelectorAll<HTMLElement>('[data-bs-toggle="dropdown"]').forEach((element) => {
    Dropdown.getOrCreateInstance(element);
  });
  root.querySelectorAll<HTMLElement>(".offcanvas").forEach((element) => {
    Offcanvas.getOrCreateInstance(element);
  });
  root.querySelectorAll<HTMLElement>(".collapse").forEach((element) => {
    Collapse.getOrCreateInstance(element, { toggle: false });
  });
}

document.addEventListener("DOMContentLoaded", () => initComponents(document));
document.body.addEventListener("htmx:load", (event) => initComponents(event.target as HTMLElement));

// Copy-to-clipboard buttons: <button data-copy="#selector">.
document.addEventListener("click", (event) => {
  const button = (event.target as HTMLElement).closest<HTMLElement>("[data-copy]");
  if (!button) return;
  const source = document.querySelector<HTMLInputElement>(button.dataset.copy ?? "");
  if (source) {
    void navigator.clipboard.writeText(source.value ?? source.textContent ?? "");
    button.classList.add("copied");
  }
});

// No inline handlers (the Content-Security-Policy forbids them): <form data-confirm="Sure?">
// asks first, <select data-autosubmit> submits its form when changed.
document.addEventListener("submit", (event) => {
  const form = event.target as HTMLFormElement;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
document.addEventListener("change", (event) => {
  const field = event.target as HTMLSelectElement;
  if (field.matches("[data-autosubmit]")) field.form?.requestSubmit();
});

// Export buttons send the list's filters as they are now (htmx keeps them in the address bar).
document.addEventListener("submit", (event) => {
  const form = event.target as HTMLFormElement;
  if (!form.matches("[data-export-form]")) return;
  const query = form.querySelector<HTMLInputElement>("[name=query]");
  if (query) query.value = window.location.search.slice(1);
});

// A list's bulk bar: the choice that goes with the action (owner, stage, segment) shows, the
// others are neither shown nor sent; the header's box chooses every row of the page.
document.addEventListener("change", (event) => {
  const field = event.target as HTMLSelectElement;
  if (!field.matches("[data-bulk-action]")) return;
  field.form?.querySelectorAll<HTMLSelectElement>("[data-bulk-value]").forEach((choice) => {
    const wanted = choice.dataset.bulkValue === field.value;
    choice.hidden = !wanted;
    choice.disabled = !wanted;
  });
});
document.addEventListener("change", (event) => {
  const box = event.target as HTMLInputElement;
  if (!box.matches("[data-select-all]")) return;
  box
    .closest("table")
    ?.querySelectorAll<HTMLInputElement>("input[name=ids]")
    .forEach((row) => {
      row.checked = box.checked;
    });
});

Alpine.start();
