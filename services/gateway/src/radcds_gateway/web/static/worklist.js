// Keeps the open worklist current from the gateway's server-sent events, and shows how
// long each result has waited. Builds rows with textContent only: no HTML from data.
"use strict";

function waited(iso) {
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  const minutes = Math.floor(seconds / 60);
  if (minutes >= 60) return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
  return minutes ? minutes + " min" : Math.floor(seconds) + " s";
}

function refreshWaiting() {
  for (const cell of document.querySelectorAll("time.waiting")) {
    cell.textContent = waited(cell.getAttribute("datetime"));
  }
}

function cell(row, child) {
  const td = document.createElement("td");
  if (typeof child === "string") td.textContent = child; else td.appendChild(child);
  row.appendChild(td);
}

function pill(kind, text) {
  const span = document.createElement("span");
  span.className = "pill " + kind + "-" + text.toLowerCase();
  span.textContent = text;
  return span;
}

function buildRow(item, known) {
  const tr = document.createElement("tr");
  tr.dataset.id = item.id;
  if (!known.has(item.id)) tr.className = "new";
  cell(tr, pill("priority", item.priority));
  cell(tr, item.patient);
  const link = document.createElement("a");
  link.href = "/app/worklist/" + encodeURIComponent(item.id);
  link.textContent = item.study;
  cell(tr, link);
  cell(tr, item.findings.join(", "));
  cell(tr, item.imageToResult);
  const time = document.createElement("time");
  time.className = "waiting";
  time.setAttribute("datetime", item.resultAt);
  cell(tr, time);
  cell(tr, pill("status", item.status));
  return tr;
}

function render(items) {
  const body = document.getElementById("rows");
  const known = new Set([...body.querySelectorAll("tr")].map((tr) => tr.dataset.id));
  body.replaceChildren(...items.map((item) => buildRow(item, known)));
  const empty = document.getElementById("empty");
  if (empty) empty.hidden = items.length > 0;
  refreshWaiting();
}

function connect() {
  const live = document.getElementById("live");
  const events = new EventSource("/app/worklist/events");
  events.addEventListener("open", () => { live.textContent = "Live: new results appear as they arrive."; });
  events.addEventListener("worklist", (event) => render(JSON.parse(event.data)));
  events.addEventListener("error", () => { live.textContent = "Live updates interrupted; reconnecting…"; });
}

document.addEventListener("DOMContentLoaded", () => {
  refreshWaiting();
  setInterval(refreshWaiting, 15000);
  connect();
});
