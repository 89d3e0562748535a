// Progressive enhancement for the settings pages. Every form also works without this file.
(() => {
  // Copy buttons: <button data-copy="element-id">. Hidden until this script runs.
  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    // Plain-HTTP pages (a gateway on a LAN address) have no Clipboard API.
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    if (!ok) throw new Error("copy refused");
  }

  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.hidden = false;
    const label = button.textContent;
    let timer;
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      if (!source) return;
      const text = "value" in source ? source.value : source.textContent;
      try {
        await copyText(text);
        button.textContent = "Copied";
      } catch {
        button.textContent = "Press Ctrl+C";
        if ("select" in source) source.select();
      }
      clearTimeout(timer);
      timer = setTimeout(() => {
        button.textContent = label;
      }, 2000);
    });
  }

  // Switches are checkboxes with role="switch": keep aria-checked in step, and let Enter flip them
  // as well as Space (Enter would otherwise submit the form).
  for (const input of document.querySelectorAll('input[role="switch"]')) {
    input.addEventListener("change", () => {
      input.setAttribute("aria-checked", String(input.checked));
    });
    input.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      input.click();
    });
  }

  // "Unsaved changes" on forms that track it.
  function snapshot(form) {
    return JSON.stringify(
      [...new FormData(form).entries()].filter(([name]) => name !== "_csrf").map(([k, v]) => [k, String(v)]),
    );
  }
  for (const form of document.querySelectorAll("form[data-track-changes]")) {
    const note = form.querySelector("[data-dirty-note]");
    if (!note) continue;
    const initial = snapshot(form);
    // A message about the last save is out of date once the form changes again.
    const saved = form.querySelector("[data-save-message]");
    const update = () => {
      const dirty = snapshot(form) !== initial;
      note.hidden = !dirty;
      if (saved) saved.hidden = dirty;
    };
    form.addEventListener("input", update);
    form.addEventListener("change", update);
  }

  // Confirmation before destructive forms: <form data-confirm="Question" data-confirm-action="Delete">.
  const dialog = document.getElementById("confirm-dialog");
  function confirmWith(form) {
    if (!dialog || typeof dialog.showModal !== "function") {
      return Promise.resolve(window.confirm(form.dataset.confirm));
    }
    dialog.querySelector("[data-confirm-title]").textContent = form.dataset.confirm;
    dialog.querySelector("[data-confirm-detail]").textContent = form.dataset.confirmDetail || "";
    dialog.querySelector("[data-confirm-ok]").textContent = form.dataset.confirmAction || "Confirm";
    dialog.returnValue = "";
    dialog.showModal();
    dialog.querySelector("[data-confirm-cancel]").focus();
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    });
  }

  for (const form of document.querySelectorAll("form")) {
    form.addEventListener("submit", async (event) => {
      if (form.dataset.confirm && form.dataset.confirmed !== "yes") {
        event.preventDefault();
        if (await confirmWith(form)) {
          form.dataset.confirmed = "yes";
          form.requestSubmit(event.submitter || undefined);
        }
        return;
      }
      // One submission at a time.
      const submitter = event.submitter;
      if (submitter instanceof HTMLButtonElement) {
        setTimeout(() => {
          submitter.disabled = true;
        }, 0);
      }
    });
  }

  // Tabs over code blocks: <div data-tabs> holding <section data-tab="Label"> panels. Without this
  // script every panel simply shows, one under the other.
  let tabsSeen = 0;
  for (const container of document.querySelectorAll("[data-tabs]")) {
    const panels = [...container.querySelectorAll(":scope > [data-tab]")];
    if (panels.length < 2) continue;
    tabsSeen++;
    const list = document.createElement("div");
    list.className = "tablist";
    list.setAttribute("role", "tablist");
    list.setAttribute("aria-label", container.dataset.tabs || "Tabs");
    const tabs = panels.map((panel, index) => {
      const tab = document.createElement("button");
      tab.type = "button";
      tab.className = "tab";
      tab.id = `tab-${tabsSeen}-${index}`;
      tab.textContent = panel.dataset.tab;
      tab.setAttribute("role", "tab");
      if (!panel.id) panel.id = `tabpanel-${tabsSeen}-${index}`;
      tab.setAttribute("aria-controls", panel.id);
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", tab.id);
      list.append(tab);
      return tab;
    });
    const select = (chosen, focus) => {
      tabs.forEach((tab, index) => {
        const selected = index === chosen;
        tab.setAttribute("aria-selected", String(selected));
        tab.tabIndex = selected ? 0 : -1;
        panels[index].hidden = !selected;
      });
      if (focus) tabs[chosen].focus();
    };
    tabs.forEach((tab, index) => {
      tab.addEventListener("click", () => select(index, false));
      tab.addEventListener("keydown", (event) => {
        const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
        if (step === undefined) return;
        event.preventDefault();
        select((index + step + tabs.length) % tabs.length, true);
      });
    });
    container.prepend(list);
    container.classList.add("tabs-ready");
    select(0, false);
  }

  // Times in the admin's own time zone.
  const format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  for (const time of document.querySelectorAll("time[datetime]")) {
    const date = new Date(time.dateTime);
    if (!Number.isNaN(date.getTime())) {
      time.title = time.textContent;
      time.textContent = format.format(date);
    }
  }
})();
