// The key image viewer (templates/finding.html) on the patient page and the study page: one
// slice of a finding's series with the AI mask stacked on top, from
// {data-source}/{report}/findings/{observation}/key-image, the route that authorises the
// page's user (/app/reports for the patient page, /app/worklist for the study page).
// Slice slider, previous/next buttons and arrow keys move through the series; the window
// select re-renders the slice; the checkbox shows or hides the mask. No HTML from data.
"use strict";

function keyImageUrl(root, offset, windowName) {
  const params = new URLSearchParams({ offset: String(offset) });
  if (windowName) params.set("window", windowName);
  return root.dataset.source + "/" + encodeURIComponent(root.dataset.report) + "/findings/" +
    encodeURIComponent(root.dataset.finding) + "/key-image?" + params.toString();
}

function sliceText(data) {
  const where = data.sliceIndex === data.keySliceIndex
    ? "key slice"
    : "key slice is " + (data.keySliceIndex + 1);
  return "Slice " + (data.sliceIndex + 1) + " of " + data.sliceCount + " (" + where + ")";
}

function setUpViewer(root) {
  const parts = {
    slice: root.querySelector("img.slice"),
    overlay: root.querySelector("img.overlay"),
    stack: root.querySelector(".stack"),
    slider: root.querySelector("input.slider"),
    toggle: root.querySelector("input.toggle"),
    select: root.querySelector("select.window"),
    label: root.querySelector(".slice-label"),
  };
  let keySlice = 0;
  let latest = 0;

  function show(data) {
    keySlice = data.keySliceIndex;
    root.classList.remove("failed");
    parts.slider.max = String(Math.max(0, data.sliceCount - 1));
    parts.slider.value = String(data.sliceIndex);
    parts.slider.setAttribute("aria-valuetext", sliceText(data));
    parts.slice.src = data.image;
    if (data.overlay) parts.overlay.src = data.overlay; else parts.overlay.removeAttribute("src");
    parts.overlay.hidden = !data.overlay || !parts.toggle.checked;
    const level = "W" + data.windowWidth + " L" + data.windowCenter;
    parts.label.textContent = sliceText(data) + " · " + (data.window || "custom") +
      " window " + level;
    root.dataset.slice = String(data.sliceIndex);
    root.dataset.window = data.window;
  }

  async function load(index) {
    const ticket = ++latest;
    root.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(keyImageUrl(root, index - keySlice, parts.select.value),
        { credentials: "same-origin" });
      if (ticket !== latest) return;
      if (!response.ok) {
        parts.label.textContent = response.status === 404
          ? "No key image is available for this finding."
          : "The key image could not be loaded.";
        root.classList.add("failed");
        return;
      }
      const data = await response.json();
      if (ticket === latest) show(data);
    } catch (error) {
      if (ticket === latest) parts.label.textContent = "The key image could not be loaded.";
    } finally {
      if (ticket === latest) root.removeAttribute("aria-busy");
    }
  }

  function current() { return Number(root.dataset.slice || keySlice); }
  function step(delta) {
    const next = Math.min(Number(parts.slider.max), Math.max(0, current() + delta));
    if (next !== current()) load(next);
  }

  parts.slider.addEventListener("input", () => load(Number(parts.slider.value)));
  root.querySelector("button.prev").addEventListener("click", () => step(-1));
  root.querySelector("button.next").addEventListener("click", () => step(1));
  parts.select.addEventListener("change", () => load(current()));
  parts.toggle.addEventListener("change", () => {
    parts.overlay.hidden = !parts.toggle.checked || !parts.overlay.getAttribute("src");
  });
  parts.stack.addEventListener("keydown", (event) => {
    const delta = { ArrowUp: 1, ArrowRight: 1, ArrowDown: -1, ArrowLeft: -1 }[event.key];
    if (delta === undefined) return;
    event.preventDefault();
    step(delta);
  });
  load(0);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("figure.viewer").forEach(setUpViewer);
});
