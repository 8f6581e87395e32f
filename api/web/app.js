// InstaInstru student page: search as you type, removable chips, pill browsing, book a slot.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { user: null, q: "", drop: new Set(), pending: null, browse: null, seq: 0, pos: null };

const CHIP_FIELDS = [
  ["service", (p) => p.service && label(p.service)],
  ["category", (p) => !p.service && p.category && label(p.category)],
  ["place", (p) => p.location && label(p.location.neighborhood || p.location.borough) || (p.near_me && "Near me")],
  ["date", (p) => (p.dates && p.dates.map(shortDate).join(", ")) || (p.weekdays && p.weekdays.map((d) => DAYS[d]).join(", "))],
  ["time", (p) => (p.start_time || p.end_time) && `${p.start_time || "…"}–${p.end_time || "…"}`],
  ["price", (p) => priceLabel(p)],
  ["audience", (p) => (p.age ? `Age ${p.age}` : p.audience && label(p.audience))],
  ["level", (p) => p.level && label(p.level)],
  ["format", (p) => p.format && (p.format === "online" ? "Online" : "In person")],
  ["duration", (p) => p.duration_minutes && `${p.duration_minutes} min`],
  ["rating", (p) => p.min_rating && `★ ${p.min_rating}+`],
  ["language", (p) => p.lesson_language && `In ${label(p.lesson_language)}`],
  ["urgency", (p) => p.urgency && (p.urgency === "high" ? "ASAP" : "Soon")],
];
const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

function label(slug) { return String(slug).replace(/-/g, " ").replace(/\b\w/g, (c) => c.toUpperCase()); }
function shortDate(iso) { const d = new Date(iso + "T12:00:00"); return `${DAYS[(d.getDay() + 6) % 7]} ${d.getMonth() + 1}/${d.getDate()}`; }
function priceLabel(p) {
  if (p.price_min != null && p.price_max != null) return `$${p.price_min}–$${p.price_max}`;
  if (p.price_max != null) return `≤ $${p.price_max}`;
  if (p.price_min != null) return `≥ $${p.price_min}`;
  if (p.price_intent) return label(p.price_intent);
  return null;
}
function when(iso) {
  return new Date(iso).toLocaleString([], { weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZone: "America/New_York" });
}
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "onclick") node.addEventListener("click", v);
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

class ApiError extends Error { constructor(status, message) { super(message); this.status = status; } }

async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method, credentials: "same-origin",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (e) {
    throw new ApiError(0, "We could not reach InstaInstru. Check your connection and try again.");
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, friendly(response, data));
  return data;
}

function friendly(response, data) {
  const detail = data && data.detail;
  const text = typeof detail === "string" ? detail : Array.isArray(detail) ? detail.map((d) => d.msg).join("; ") : null;
  if (response.status === 409 && data && data.code === "slot_taken") return "Someone else just booked that time. Please pick another slot.";
  if (response.status === 409) return text || "That is no longer possible. Please refresh and try again.";
  if (response.status === 429) {
    const wait = response.headers.get("Retry-After");
    return `Too many tries. Please wait ${wait ? wait + " seconds" : "a moment"} and try again.`;
  }
  if (response.status >= 500) return "Something went wrong on our side. Please try again.";
  return text || "That did not work. Please check and try again.";
}

function showError(message) { const box = $("error"); box.textContent = message || ""; box.hidden = !message; }
function showNotice(message) { const box = $("notice"); box.textContent = message || ""; box.hidden = !message; }
// Outcomes of the student's own actions; they stay while results refresh underneath.
function flash(message) { const box = $("flash"); box.textContent = message || ""; box.hidden = !message; }

// ---- search --------------------------------------------------------------------------------
let debounce;
function scheduleSearch() {
  clearTimeout(debounce);
  debounce = setTimeout(() => runSearch(), 350);
}

async function runSearch() {
  const q = $("q").value.trim();
  if (!q) { renderChips(null); return; }
  if (q !== state.q) state.drop.clear();
  state.q = q;
  state.browse = null;
  const params = new URLSearchParams({ q, limit: "20" });
  for (const d of state.drop) params.append("drop", d);
  if (state.pos) { params.set("lat", state.pos.lat.toFixed(5)); params.set("lng", state.pos.lng.toFixed(5)); }
  const seq = ++state.seq;
  try {
    const data = await api("GET", "/api/search?" + params);
    if (seq !== state.seq) return; // a newer search is on its way
    showError(null);
    renderChips(data.parsed);
    showNotice(data.relaxed.length || !data.results.length ? data.message : null);
    renderResults(data.results, `${data.total} instructor${data.total === 1 ? "" : "s"} for “${q}”`);
    renderSuggestions(data.suggestions || []);
    $("locate").classList.toggle("ask", !!data.needs_location);
    loadRecent();
  } catch (e) {
    if (seq === state.seq) showError(e.message);
  }
}

function renderChips(parsed) {
  const list = $("chips");
  list.replaceChildren();
  if (!parsed) return;
  for (const [key, text] of CHIP_FIELDS) {
    const value = text(parsed);
    if (!value) continue;
    list.append(el("li", { class: "chip" }, value,
      el("button", { type: "button", "aria-label": `Remove ${value}`, onclick: () => { state.drop.add(key); runSearch(); } }, "×")));
  }
}

// A no-match answer suggests services: each one browses that service's teachers.
function renderSuggestions(suggestions) {
  const box = $("suggestions");
  box.replaceChildren(...suggestions.map((sg) =>
    el("li", {}, el("button", { type: "button", onclick: () => {
      renderSuggestions([]);
      showBrowse(`/api/catalog/services/${encodeURIComponent(sg.slug)}/instructors?limit=20`, sg.name, sg.slug);
    } }, sg.name))));
  box.hidden = !suggestions.length;
}

function renderResults(results, summary) {
  $("summary").textContent = summary;
  $("cards").replaceChildren(...results.map(card));
}

function card(r) {
  const prices = [];
  if (r.price.in_person != null) prices.push(`$${r.price.in_person}/h in person`);
  if (r.price.online != null) prices.push(`$${r.price.online}/h online`);
  const rating = r.instructor.rating ? `★ ${r.instructor.rating.toFixed(1)} (${r.instructor.reviews} reviews)` : "New instructor";
  const names = r.instructor.area_names || [];
  const boroughs = r.instructor.areas.boroughs.length;
  const areas = names.map((n, i) => (i < boroughs ? `all of ${n}` : n));
  return el("li", { class: "card" },
    el("h3", {}, r.instructor.name),
    el("p", { class: "meta" }, `${r.service.name} · ${prices.join(" · ")} · ${rating}`),
    el("p", { class: "meta" }, `Areas: ${areas.length ? areas.join(", ") : "online only"}`
      + (r.distance_miles != null ? ` · ${r.distance_miles.toFixed(1)} mi away` : "")
      + ` · Speaks ${r.instructor.languages.map(label).join(", ")}`),
    areas.length ? areaMap(r.instructor) : null,
    el("ul", { class: "why", "aria-label": "Why this matched" }, r.why.map((w) => el("li", {}, w))),
    (r.misses || []).length ? el("ul", { class: "misses", "aria-label": "What this does not match" },
      r.misses.map((m) => el("li", {}, m))) : null,
    el("div", { class: "slots", role: "group", "aria-label": `Open ${r.duration_minutes}-minute slots with ${r.instructor.name}` },
      r.slots.map((s) => el("button", { type: "button", "data-start": s.start, onclick: () => startBooking(r, s) }, when(s.start)))));
}

// ---- browse --------------------------------------------------------------------------------
let catalog = [];
async function loadCatalog() {
  try {
    const data = await api("GET", "/api/catalog/categories");
    catalog = data.categories || data;
    $("categories").replaceChildren(...catalog.map((c) => pill(c.name, () => pickCategory(c), "category", c.slug)));
  } catch (e) { showError(e.message); }
}
function pill(text, onclick, kind, slug) {
  return el("button", { type: "button", "aria-pressed": "false", "data-kind": kind, "data-slug": slug, onclick: (ev) => {
    for (const b of ev.target.parentElement.querySelectorAll("button")) b.setAttribute("aria-pressed", "false");
    ev.target.setAttribute("aria-pressed", "true");
    onclick();
  } }, text);
}
function pickCategory(c) {
  $("services").replaceChildren();
  $("subcategories").replaceChildren(...c.subcategories.map((s) => pill(s.name, () => pickSubcategory(s), "subcategory", s.slug)));
  showBrowse(`/api/catalog/categories/${encodeURIComponent(c.slug)}/instructors?limit=20`, c.name, c.slug);
}
function pickSubcategory(s) {
  $("services").replaceChildren(...s.services.map((svc) => pill(`${svc.name} (${svc.instructors})`,
    () => showBrowse(`/api/catalog/services/${encodeURIComponent(svc.slug)}/instructors?limit=20`, svc.name, svc.slug),
    "service", svc.slug)));
}
async function showBrowse(path, name, slug) {
  state.browse = slug;
  const seq = ++state.seq;
  try {
    const data = await api("GET", path);
    if (seq !== state.seq) return;
    showError(null); showNotice(null); renderChips(null); renderSuggestions([]);
    renderResults(data.results, `${data.total} ${name} instructor${data.total === 1 ? "" : "s"}`);
    loadRecent();
  } catch (e) { if (seq === state.seq) showError(e.message); }
}

// ---- account -------------------------------------------------------------------------------
async function loadMe() {
  try { state.user = await api("GET", "/api/auth/me"); } catch { state.user = null; }
  $("who").textContent = state.user ? `Hi, ${state.user.full_name || state.user.email}` : "";
  $("login-button").hidden = !!state.user;
  $("logout-button").hidden = $("lessons-button").hidden = !state.user;
}

let authMode = "login";
function openAuth(then) {
  state.afterAuth = then || null;
  setAuthMode("login");
  $("auth-error").hidden = true;
  $("auth-dialog").showModal();
  $("auth-email").focus();
}
function setAuthMode(mode) {
  authMode = mode;
  $("name-row").hidden = mode === "login";
  $("auth-title").textContent = mode === "login" ? "Log in to book" : "Create your account";
  $("auth-submit").textContent = mode === "login" ? "Log in" : "Create account";
  $("auth-switch").textContent = mode === "login" ? "New here? Create an account" : "Have an account? Log in";
}
async function submitAuth(ev) {
  ev.preventDefault();
  const body = { email: $("auth-email").value.trim(), password: $("auth-password").value };
  if (authMode === "register") body.full_name = $("auth-name").value.trim() || body.email.split("@")[0];
  const button = $("auth-submit");
  button.disabled = true;
  try {
    await api("POST", authMode === "login" ? "/api/auth/login" : "/api/auth/register", body);
    $("auth-dialog").close();
    await loadMe();
    loadRecent();
    const then = state.afterAuth; state.afterAuth = null;
    if (then) then();
  } catch (e) {
    $("auth-error").textContent = e.message; $("auth-error").hidden = false;
  } finally { button.disabled = false; }
}

// ---- booking -------------------------------------------------------------------------------
function startBooking(result, slot) {
  if (!state.user) { openAuth(() => startBooking(result, slot)); return; }
  state.pending = { result, slot };
  $("book-summary").textContent = `${result.service.name} with ${result.instructor.name}, ${when(slot.start)} (${result.duration_minutes} min).`;
  const formats = $("book-formats");
  formats.replaceChildren(el("legend", {}, "Where"));
  result.formats.forEach((f, i) => {
    const price = result.price[f];
    const id = `fmt-${f}`;
    formats.append(el("label", { for: id }, el("input", { type: "radio", name: "format", id, value: f, checked: i === 0 }),
      `${f === "online" ? "Online" : "In person"} · $${price}/h`));
  });
  $("book-error").hidden = true;
  $("book-dialog").showModal();
}
async function confirmBooking(ev) {
  ev.preventDefault();
  const { result, slot } = state.pending;
  const format = (document.querySelector('input[name="format"]:checked') || {}).value || result.formats[0];
  const button = $("book-confirm");
  button.disabled = true;
  try {
    await api("POST", "/api/bookings", {
      instructor_id: result.instructor.id, instructor_service_id: result.instructor_service_id,
      start: slot.start, duration_minutes: result.duration_minutes, format,
    });
    $("book-dialog").close();
    flash(`Booked: ${result.service.name} with ${result.instructor.name}, ${when(slot.start)}.`);
    await loadLessons(true);
    if (state.q && !state.browse) runSearch();
  } catch (e) {
    $("book-error").textContent = e.message; $("book-error").hidden = false;
    if (e.status === 409 && state.q) runSearch(); // refresh the slots that are left
  } finally { button.disabled = false; }
}

async function loadLessons(show) {
  if (!state.user) return;
  try {
    const data = await api("GET", "/api/bookings?when=upcoming");
    const items = data.bookings || data.items || data;
    $("lessons-list").replaceChildren(...(items.length ? items.map(lessonItem) : [el("li", {}, "No upcoming lessons yet.")]));
    if (show) { $("lessons").hidden = false; $("lessons").focus(); }
  } catch (e) { showError(e.message); }
}
function lessonItem(b) {
  const title = `${b.service_name || (b.service && b.service.name) || "Lesson"} with ${b.instructor_name || (b.instructor && b.instructor.name) || "your instructor"}`;
  const cancellable = b.status === "confirmed";
  return el("li", { "data-booking": b.id },
    el("span", {}, `${title} · ${when(b.start)} · ${b.status}`),
    cancellable && el("button", { type: "button", class: "secondary", onclick: () => cancelLesson(b) }, "Cancel"));
}
async function cancelLesson(b) {
  try { await api("POST", `/api/bookings/${b.id}/cancel`, {}); flash("Lesson cancelled."); loadLessons(false); }
  catch (e) { showError(e.message); }
}

// ---- recent searches -----------------------------------------------------------------------
async function loadRecent() {
  try {
    const data = await api("GET", "/api/search-history?limit=8");
    const items = data.items || data;
    $("recent").hidden = !items.length;
    $("recent-list").replaceChildren(...items.map((h) => el("li", { "data-history": h.id },
      el("button", { type: "button", class: "again", onclick: () => { $("q").value = h.query; runSearch(); } }, h.query),
      el("button", { type: "button", class: "secondary", "aria-label": `Delete “${h.query}” from recent searches`,
        onclick: () => deleteRecent(h) }, "Delete"))));
  } catch { $("recent").hidden = true; } // history is a convenience: never block the page on it
}
async function deleteRecent(h) {
  try { await api("DELETE", `/api/search-history/${h.id}`); loadRecent(); } catch (e) { showError(e.message); }
}

// ---- wiring --------------------------------------------------------------------------------
$("q").addEventListener("input", scheduleSearch);
$("search-form").addEventListener("submit", (ev) => { ev.preventDefault(); clearTimeout(debounce); runSearch(); });
$("locate").addEventListener("click", locate);
$("login-button").addEventListener("click", () => openAuth());
$("logout-button").addEventListener("click", async () => {
  try { await api("POST", "/api/auth/logout", {}); } catch { /* signed out locally either way */ }
  state.user = null; await loadMe(); $("lessons").hidden = true; loadRecent();
});
$("lessons-button").addEventListener("click", () => loadLessons(true));
$("auth-form").addEventListener("submit", submitAuth);
$("auth-switch").addEventListener("click", () => setAuthMode(authMode === "login" ? "register" : "login"));
$("book-form").addEventListener("submit", confirmBooking);
for (const b of document.querySelectorAll("[data-close]")) b.addEventListener("click", (ev) => ev.target.closest("dialog").close());

loadMe().then(loadRecent);
loadCatalog();

// ---- where ---------------------------------------------------------------------------------
// "Use my location": the browser's position makes "near me" and distances work. Nothing leaves
// the page but the two numbers sent with the search.
function locate() {
  if (!navigator.geolocation) { showError("This browser cannot share a location: name a neighborhood instead."); return; }
  navigator.geolocation.getCurrentPosition((p) => {
    state.pos = { lat: p.coords.latitude, lng: p.coords.longitude };
    $("locate").textContent = "Using your location";
    $("locate").setAttribute("aria-pressed", "true");
    $("locate").classList.remove("ask");
    showError(null);
    if ($("q").value.trim()) runSearch();
  }, () => showError("Location is off or was refused: name a neighborhood instead, e.g. “piano in park slope”."),
  { timeout: 10000, maximumAge: 600000 });
}

// A small map of the neighborhoods a teacher serves, drawn from simplified outlines served with the
// page (no map tiles: nothing is fetched from outside). Loaded once, when a map is first opened.
let shapes = null;
async function loadShapes() {
  if (!shapes) shapes = await (await fetch("/static/geo/neighborhoods.json")).json();
  return shapes;
}
const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}
function areaMap(instructor) {
  const box = el("details", { class: "map" }, el("summary", {}, "Map of areas"));
  box.addEventListener("toggle", async () => {
    if (!box.open || box.querySelector("svg")) return;
    try {
      const geo = await loadShapes();
      const served = new Set(instructor.areas.neighborhoods);
      const boroughs = new Set(instructor.areas.boroughs);
      const map = svg("svg", { viewBox: geo.viewBox.join(" "), role: "img",
        "aria-label": `Areas ${instructor.name} serves` });
      for (const [slug, n] of Object.entries(geo.neighborhoods)) {
        const on = served.has(slug) || boroughs.has(n.borough);
        map.append(svg("path", { d: n.d, class: on ? "on" : "off" }));
      }
      box.append(map);
    } catch (e) { box.append(el("p", {}, "The map could not be drawn.")); }
  });
  return box;
}
