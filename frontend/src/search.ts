// The app shell's search box: "/" focuses it, arrows walk the suggestions htmx brings,
// Enter opens the chosen one (or the results page), Escape closes the list.
const ACTIVE = "active";

function setup(form: HTMLFormElement): void {
  const input = form.querySelector<HTMLInputElement>('input[name="q"]');
  const list = form.querySelector<HTMLElement>(".search-suggestions");
  if (!input || !list) return;

  const options = () => Array.from(list.querySelectorAll<HTMLAnchorElement>("[data-suggestion]"));
  const current = () => options().findIndex((option) => option.classList.contains(ACTIVE));
  const close = () => {
    list.replaceChildren();
    input.setAttribute("aria-expanded", "false");
  };
  const choose = (index: number) => {
    const all = options();
    all.forEach((option, position) => {
      option.classList.toggle(ACTIVE, position === index);
      option.setAttribute("aria-selected", String(position === index));
    });
    all[index]?.scrollIntoView({ block: "nearest" });
  };

  list.addEventListener("htmx:afterSwap", () => {
    input.setAttribute("aria-expanded", String(options().length > 0));
    if (!input.value.trim()) close();
  });
  input.addEventListener("keydown", (event) => {
    const count = options().length;
    if (event.key === "ArrowDown" && count) {
      event.preventDefault();
      choose((current() + 1) % count);
    } else if (event.key === "ArrowUp" && count) {
      event.preventDefault();
      choose((current() - 1 + count) % count);
    } else if (event.key === "Enter" && current() >= 0) {
      event.preventDefault();
      window.location.assign(options()[current()].href);
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("input", () => {
    if (!input.value.trim()) close();
  });
  document.addEventListener("click", (event) => {
    if (!form.contains(event.target as Node)) close();
  });
}

document.addEventListener("keydown", (event) => {
  const target = event.target as HTMLElement;
  const typing = target.closest("input, textarea, select, [contenteditable]");
  if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey) {
    const input = document.querySelector<HTMLInputElement>("[data-search] input[name='q']");
    if (input) {
      event.preventDefault();
      input.focus();
      input.select();
    }
  }
});

document.querySelectorAll<HTMLFormElement>("form[data-search]").forEach(setup);
