// InstaInstru student page: search, browsing, profiles, booking, My lessons, reviews.
// The address holds the state: /?q=…&sort=… and /instructors/{id}.
"use strict";

const $ = (id) => document.getElementById(id);
const TZ = "America/New_York";
const PAGE = 20;
// Filters of the address and the API: they set or override what the sentence said.
const FILTERS = ["price_min", "price_max", "format", "day", "time_of_day", "level"];
const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const DAY_KEYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const state = { user: null, pos: null, view: null, data: null, listing: null, seq: 0, typing: false, catalog: [], profiles: {}, when: "upcoming" };

// ---- small helpers
function label(slug) { return String(slug).replace(/-/g, " ").replace(/\b\w/g, (c) => c.toUpperCase()); }
function money(n) { return "$" + (Number.isInteger(n) ? n : n.toFixed(2)); }
// One decimal, rounded half up the way people (and the server's why-lines) round: 4.05 → 4.1.
function stars(r) { return (Math.floor((Math.round(r * 100) + 5) / 10) / 10).toFixed(1); }
const DAY = { weekday: "short", month: "short", day: "numeric" }, TIME = { hour: "numeric", minute: "2-digit", hour12: true };
const fmt = (o, locale = "en-US") => new Intl.DateTimeFormat(locale, { ...o, timeZone: TZ });
const fmtWhen = fmt({ ...DAY, ...TIME }), fmtTime = fmt(TIME), fmtDay = fmt(DAY), fmtISO = fmt({}, "en-CA"); // en-CA: YYYY-MM-DD
function when(iso) { return fmtWhen.format(new Date(iso)); }
function span(start, end) { return `${fmtDay.format(new Date(start))}, ${fmtTime.format(new Date(start))}–${fmtTime.format(new Date(end))}`; }
function clock(hhmm) { // "17:30" → "5:30 PM"
  const [h, m] = hhmm.split(":").map(Number);
  return `${(h + 11) % 12 + 1}${m ? ":" + String(m).padStart(2, "0") : ""} ${h < 12 ? "AM" : "PM"}`;
}
function nyToday() { return fmtISO.format(new Date()); }
function addDays(iso, n) { const d = new Date(iso + "T12:00:00Z"); d.setUTCDate(d.getUTCDate() + n); return d.toISOString().slice(0, 10); }
function shortDate(iso) { const d = new Date(iso + "T12:00:00Z"); return `${DAYS[(d.getUTCDay() + 6) % 7]} ${d.getUTCMonth() + 1}/${d.getUTCDate()}`; }
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  if (tag === "button") node.type = "button";
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v != null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c != null && c !== false) node.append(c);
  return node;
}
function show(id, on) { $(id).hidden = !on; }
// Confirmations appear where the student is looking: a toast at the bottom of the screen.
let toastTimer;
function toast(message) {
  const box = $("toast"); box.textContent = message; box.hidden = false;
  clearTimeout(toastTimer); toastTimer = setTimeout(() => { box.hidden = true; }, 6000);
}
function avatar(id, name, big) {
  let h = 0; for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const initials = name.split(/\s+/).filter(Boolean).map((w) => w[0]).slice(0, 2).join("").toUpperCase();
  const a = el("span", { class: big ? "avatar big" : "avatar", "aria-hidden": "true" }, initials);
  a.style.background = `hsl(${h % 360} 45% 30%)`;
  return a;
}

class ApiError extends Error { constructor(status, message) { super(message); this.status = status; } }
async function api(method, path, body, headers = {}) {
  let response;
  try {
    // "no-cache": revalidate (ETag) so a booking just made never meets an answer cached before it.
    response = await fetch(path, { method, cache: "no-cache", credentials: "same-origin", headers: body ? { ...headers, "Content-Type": "application/json" } : headers, body: body ? JSON.stringify(body) : undefined });
  } catch { throw new ApiError(0, "We could not reach InstaInstru. Check your connection and try again."); }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, friendly(response, data));
  return data;
}
function friendly(response, data) {
  const d = data && data.detail;
  const text = typeof d === "string" ? d : Array.isArray(d) ? d.map((x) => x.msg).join("; ") : null;
  if (response.status === 409 && data && data.code === "slot_taken") return "Someone else just booked that time. Please pick another slot.";
  if (response.status === 429) { const w = response.headers.get("Retry-After"); return `Too many tries. Please wait ${w ? w + " seconds" : "a moment"} and try again.`; }
  if (response.status >= 500) return "Something went wrong on our side. Please try again.";
  return text || "That did not work. Please check and try again.";
}

// Clicks on results, sent without delaying the page.
function beacon(kind, r) { if (r.sid) navigator.sendBeacon(`/api/search/${r.sid}/events`, new Blob([JSON.stringify({ kind, position: state.data.results.indexOf(r) + 1, instructor_service_id: r.instructor_service_id })], { type: "application/json" })); }
// ---- the address
// What is shown comes from the address alone, so Back, Forward, reload and shared links all work.
function current() {
  const u = new URL(location.href);
  const m = u.pathname.match(/^\/instructors\/([0-9a-f-]{36})$/i);
  if (m) return { profile: m[1] };
  const p = u.searchParams, out = { q: p.get("q") || "", sort: p.get("sort") || "relevance", drop: p.getAll("drop"), f: {} };
  for (const k of FILTERS) if (p.get(k)) out.f[k] = p.get(k);
  if (p.get("service")) out.browse = { kind: "services", slug: p.get("service") };
  else if (p.get("category")) out.browse = { kind: "categories", slug: p.get("category") };
  return out;
}
function address(s) {
  const p = new URLSearchParams();
  if (s.browse) p.set(s.browse.kind === "services" ? "service" : "category", s.browse.slug);
  else if (s.q) p.set("q", s.q);
  if (s.sort && s.sort !== "relevance") p.set("sort", s.sort);
  for (const k of FILTERS) if (s.f[k] != null && s.f[k] !== "") p.set(k, s.f[k]);
  for (const d of s.drop) p.append("drop", d);
  const qs = p.toString();
  return "/" + (qs ? "?" + qs : "");
}
// Go somewhere: push a new history entry (or replace this one while typing), then show it.
function go(url, { push = true, record = false } = {}) {
  if (url !== location.pathname + location.search) history[push ? "pushState" : "replaceState"]({}, "", url);
  route(record);
}
function change(edit, opts) { const s = current(); if (s.profile) return; edit(s); go(address(s), opts); }
window.addEventListener("popstate", () => { state.typing = false; $("q").value = current().q || ""; route(false); });
document.addEventListener("click", (ev) => { // links inside the page stay inside the page
  const a = ev.target.closest("a[data-nav]");
  if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button) return;
  ev.preventDefault(); go(a.getAttribute("href"));
});

function route(record) {
  const s = current();
  show("search-view", !s.profile);
  show("profile", !!s.profile);
  if (s.profile) { showProfile(s.profile); return; }
  document.title = s.q ? `${s.q} · InstaInstru` : "InstaInstru: find a lesson in NYC";
  if (document.activeElement !== $("q")) $("q").value = s.q;
  $("sort").value = s.sort;
  if (!s.q && !s.browse) { state.seq++; clearResults(); return; }
  list(s, record, 0);
}

// ---- search and browse
// While the index builds, say how far (searching works meanwhile).
async function indexing() {
  const d = await api("GET", "/api/search/status").catch(() => ({}));
  $("indexing").textContent = d.message || ""; show("indexing", !!d.message);
  if (!d.ready) setTimeout(indexing, 3000);
}
function listingUrl(s, offset, record) {
  const p = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (s.sort !== "relevance") p.set("sort", s.sort);
  for (const [k, v] of Object.entries(s.f)) p.set(k, v);
  if (!record) p.set("record", "false");
  if (s.browse) return `/api/catalog/${s.browse.kind}/${encodeURIComponent(s.browse.slug)}/instructors?${p}`;
  p.set("q", s.q);
  for (const d of s.drop) p.append("drop", d);
  if (state.pos) { p.set("lat", state.pos.lat.toFixed(5)); p.set("lng", state.pos.lng.toFixed(5)); }
  return "/api/search?" + p;
}
function busy(on) {
  const r = $("results");
  r.setAttribute("aria-busy", String(on));
  r.classList.toggle("busy", on);
  $("cards").inert = on; $("more").disabled = on;
  if (on) { $("summary").textContent = "Searching…"; if (!$("cards").children.length) $("cards").replaceChildren(...[1, 2, 3].map(() => el("li", { class: "ghost", "aria-hidden": "true" }))); }
}
async function list(s, record, offset) {
  const seq = ++state.seq;
  state.listing = s;
  show("error", false);
  busy(true);
  try {
    const data = await api("GET", listingUrl(s, offset, record));
    if (seq !== state.seq) return; // a newer request is on its way
    if (record) { localStorage.setItem("ii-searched", "1"); loadRecent(); }
    busy(false); // before drawing: focus cannot move into inert cards
    render(s, data, offset);
  } catch (e) {
    if (seq !== state.seq) return;
    clearResults();
    $("error").firstElementChild.textContent = e.message;
    show("error", true);
  } finally { if (seq === state.seq) busy(false); }
}
function clearResults() {
  state.data = null;
  $("cards").replaceChildren(); $("summary").textContent = "";
  show("more", false); show("tools", false); show("notice", false); show("suggestions", false);
  fold(false);
}
function fold(hasResults) { // Browse and recent searches step aside once there are results
  $("browse-box").open = !hasResults; $("recent-box").open = !hasResults;
}
function render(s, data, offset) {
  const fresh = offset === 0;
  const skeleton = $("cards").querySelector(".ghost");
  if (fresh || skeleton) $("cards").replaceChildren();
  if (fresh) state.sid = data.search_id; // clicks on later pages count for the first
  for (const r of data.results) r.sid = state.sid;
  const cards = data.results.map(card);
  $("cards").append(...cards);
  state.data = fresh ? data : { ...data, results: [...state.data.results, ...data.results] };
  const n = $("cards").children.length;
  const what = s.browse ? `${browseName(s.browse)} instructor${data.total === 1 ? "" : "s"}` : `instructor${data.total === 1 ? "" : "s"} for “${s.q}”`;
  $("summary").textContent = `${data.total} ${what}` + (n < data.total ? ` · showing ${n}` : "") + (data.sort && data.sort !== "relevance" && data.sorted_among ? ` · sorted among the ${data.sorted_among} best matches` : "");
  show("more", n < data.total && data.results.length > 0);
  if (!fresh) { if (cards[0]) cards[0].querySelector("a").focus(); return; }
  const notice = s.browse ? null : (data.relaxed.length || !data.results.length ? data.message : null);
  $("notice").textContent = notice || ""; show("notice", !!notice);
  renderSuggestions(data.suggestions || []);
  $("locate").classList.toggle("ask", !!data.needs_location);
  renderChips(s, s.browse ? data.filters : data.parsed);
  show("tools", !data.no_match);
  if (!s.browse) fold(data.results.length > 0); // a pill's results keep the pills open
}
function browseName(b) {
  for (const c of state.catalog) {
    if (b.kind === "categories" && c.slug === b.slug) return c.name;
    for (const sub of c.subcategories) for (const svc of sub.services) if (svc.slug === b.slug) return svc.name;
  }
  return label(b.slug);
}

// Chips: what the search understood (and the student's filters). Each can be removed, some edited
// in the filter sheet, and a removed one restored.
const CHIPS = [
  ["service", (p) => p.service && label(p.service)],
  ["category", (p) => !p.service && p.category && label(p.category)],
  ["place", (p) => (p.location && label(p.location.neighborhood || p.location.borough)) || (p.near_me && "Near me")],
  ["date", (p) => (p.dates && p.dates.map(shortDate).join(", ")) || (p.weekdays && (p.weekdays.join() === "5,6" ? "Weekend" : p.weekdays.map((d) => DAYS[d]).join(", ")))],
  ["time", (p) => (p.start_time || p.end_time) && `${p.start_time ? clock(p.start_time) : "…"}–${p.end_time ? clock(p.end_time) : "…"}`],
  ["price", (p) => priceLabel(p)],
  ["audience", (p) => (p.age ? `Age ${p.age}` : p.audience && label(p.audience))],
  ["level", (p) => p.level && label(p.level)],
  ["format", (p) => p.format && (p.format === "online" ? "Online" : "In person")],
  ["duration", (p) => p.duration_minutes && `${p.duration_minutes} min`],
  ["rating", (p) => p.min_rating && `★ ${p.min_rating}+`],
  ["language", (p) => p.lesson_language && `In ${label(p.lesson_language)}`],
  ["urgency", (p) => p.urgency && (p.urgency === "high" ? "ASAP" : "Soon")],
];
const EDITS = { price: ["price_min", "price_max"], date: ["day"], time: ["time_of_day"], format: ["format"], level: ["level"] };
const FIELD = { price: "f-max", date: "f-day", time: "f-time", format: "f-format", level: "f-level" };
function priceLabel(p) {
  if (p.price_min != null && p.price_max != null) return `$${p.price_min}–$${p.price_max}`;
  if (p.price_max != null) return `≤ $${p.price_max}`;
  if (p.price_min != null) return `≥ $${p.price_min}`;
  return p.price_intent ? label(p.price_intent) : null;
}
function renderChips(s, parsed) {
  const items = [];
  for (const [key, text] of CHIPS) {
    const value = parsed && text(parsed);
    if (!value || (s.browse && (key === "service" || key === "category"))) continue;
    const edit = EDITS[key];
    items.push(el("li", { class: "chip", "data-key": key },
      edit ? el("button", { class: "edit", "aria-label": `Change ${value}`, onclick: () => openFilters(FIELD[key]) }, value) : el("span", {}, value),
      el("button", { class: "x", "aria-label": `Remove ${value}`, onclick: () => removeChip(key, value) }, "×")));
  }
  for (const key of s.drop) {
    const name = sessionStorage.getItem("ii-chip-" + key) || label(key);
    items.push(el("li", { class: "chip restore", "data-key": key },
      el("button", { class: "edit", "aria-label": `Restore ${name}`, onclick: () => restoreChip(key) }, `↺ ${name}`)));
  }
  $("chips").replaceChildren(...items);
}
function removeChip(key, value) {
  sessionStorage.setItem("ii-chip-" + key, value);
  state.focusChip = key; // focus stays here: on the restore button that takes its place
  change((s) => {
    for (const f of EDITS[key] || []) delete s.f[f];
    if (!s.browse && !s.drop.includes(key)) s.drop.push(key);
  });
}
function restoreChip(key) { state.focusChip = key; change((s) => { s.drop = s.drop.filter((d) => d !== key); }); }
new MutationObserver(() => { // after the chips are drawn again, put focus back where it was
  if (!state.focusChip) return;
  const chip = $("chips").querySelector(`[data-key="${state.focusChip}"] button`) || $("filters-button");
  state.focusChip = null; chip.focus();
}).observe($("chips"), { childList: true });

// The filter sheet: price, format, day, time of day, level.
function openFilters(focusId) {
  const s = current(), p = (s.browse ? state.data && state.data.filters : state.data && state.data.parsed) || {};
  $("f-min").value = s.f.price_min || p.price_min || "";
  $("f-max").value = s.f.price_max || p.price_max || "";
  $("f-format").value = s.f.format || p.format || "";
  $("f-day").value = s.f.day || dayKey(p);
  $("f-time").value = s.f.time_of_day || ({ "06:00": "morning", "12:00": "afternoon", "17:00": "evening" }[p.start_time] || "");
  $("f-level").value = s.f.level || p.level || "";
  show("filters-error", false);
  $("filters-dialog").showModal();
  if (focusId) $(focusId).focus();
}
function dayKey(p) {
  const today = nyToday();
  if (p.dates && p.dates.length === 1) {
    if (p.dates[0] === today) return "today";
    if (p.dates[0] === addDays(today, 1)) return "tomorrow";
    const sel = $("f-day");
    if (!sel.querySelector(`option[value="${p.dates[0]}"]`)) sel.append(el("option", { value: p.dates[0] }, shortDate(p.dates[0])));
    return p.dates[0];
  }
  if (p.weekdays && p.weekdays.join() === "5,6") return "weekend";
  return p.weekdays && p.weekdays.length === 1 ? DAY_KEYS[p.weekdays[0]] : "";
}
$("filters-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const min = $("f-min").value, max = $("f-max").value;
  if (min && max && Number(min) > Number(max)) { $("filters-error").textContent = "The minimum price is above the maximum."; show("filters-error", true); return; }
  const values = { price_min: min, price_max: max, format: $("f-format").value, day: $("f-day").value, time_of_day: $("f-time").value, level: $("f-level").value };
  $("filters-dialog").close();
  change((s) => {
    for (const [k, v] of Object.entries(values)) if (v) s.f[k] = v; else delete s.f[k];
    for (const [chip, fields] of Object.entries(EDITS)) if (fields.some((f) => values[f])) s.drop = s.drop.filter((d) => d !== chip);
  });
  $("results").focus();
});
$("filters-clear").addEventListener("click", () => {
  $("filters-dialog").close();
  change((s) => { s.f = {}; for (const chip of Object.keys(EDITS)) if (!s.browse && !s.drop.includes(chip) && state.data && CHIPS.find(([k]) => k === chip)[1](state.data.parsed)) s.drop.push(chip); });
});
$("filters-button").addEventListener("click", () => openFilters());
$("sort").addEventListener("change", () => change((s) => { s.sort = $("sort").value; }));
$("more").addEventListener("click", () => { const s = current(); list(s, false, $("cards").children.length); });
$("retry").addEventListener("click", () => route(false));

function renderSuggestions(list) {
  $("suggestions").replaceChildren(...list.map((sg) => el("li", {}, el("button", { onclick: () => browse("services", sg.slug) }, sg.name))));
  show("suggestions", list.length > 0);
}
function browse(kind, slug) { go(address({ browse: { kind, slug }, sort: $("sort").value, f: {}, drop: [] }), { record: true }); $("results").focus(); }

// ---- cards
function priceText(r) {
  const out = [];
  const first = r.lesson && r.lesson.format ? r.lesson.format : r.formats[0];
  for (const f of [first, ...r.formats.filter((x) => x !== first)]) if (r.price[f] != null) out.push(`${money(r.price[f])}/h ${f === "online" ? "online" : "in person"}`);
  return out.join(" · ");
}
function ratingText(i) { return i.rating ? `★ ${stars(i.rating)} (${i.reviews} review${i.reviews === 1 ? "" : "s"})` : "New instructor"; }
function card(r) {
  const i = r.instructor, names = i.area_names || [];
  const areas = names.map((n, k) => (k < i.areas.boroughs.length ? `all of ${n}` : n));
  return el("li", { class: "card", "data-instructor": i.id },
    el("div", { class: "who" }, avatar(i.id, i.name),
      el("div", {}, el("h3", {}, el("a", { href: `/instructors/${i.id}`, "data-nav": true, onclick: () => { state.via = r; beacon("result_click", r); } }, i.name)),
        el("p", { class: "meta" }, `${r.service.name} · ${priceText(r)} · ${ratingText(i)}`))),
    el("p", { class: "meta" }, `Areas: ${areas.length ? areas.join(", ") : "online only"}` + (r.distance_miles != null ? ` · ${r.distance_miles.toFixed(1)} mi away` : "") + ` · Speaks ${i.languages.map(label).join(", ")}`),
    areas.length ? areaMap(i) : null,
    el("ul", { class: "why", "aria-label": "Why this matched" }, r.why.map((w) => el("li", {}, w))),
    (r.misses || []).length ? el("ul", { class: "misses", "aria-label": "What this does not match" }, r.misses.map((m) => el("li", {}, m))) : null,
    el("div", { class: "slots", role: "group", "aria-label": `Open ${r.duration_minutes}-minute slots with ${i.name}` },
      r.slots.map((sl) => el("button", { "data-start": sl.start, onclick: () => { beacon("slot_click", r); startBooking(r, sl); } }, when(sl.start)))));
}

// ---- browse pills
async function loadCatalog() {
  try {
    const data = await api("GET", "/api/catalog/categories");
    state.catalog = data.categories;
    $("categories").replaceChildren(...state.catalog.map((c) => pill(c.name, "category", c.slug, () => pickCategory(c))));
  } catch (e) { $("categories").replaceChildren(el("p", {}, e.message)); }
}
function pill(text, kind, slug, onclick) {
  return el("button", { "aria-pressed": "false", "data-kind": kind, "data-slug": slug, onclick: (ev) => {
    for (const b of ev.target.parentElement.querySelectorAll("button")) b.setAttribute("aria-pressed", "false");
    ev.target.setAttribute("aria-pressed", "true"); onclick();
  } }, text);
}
function pickCategory(c) {
  $("services").replaceChildren();
  $("subcategories").replaceChildren(...c.subcategories.map((s) => pill(s.name, "subcategory", s.slug, () => pickSubcategory(s))));
  browse("categories", c.slug);
}
function pickSubcategory(s) {
  $("services").replaceChildren(...s.services.map((svc) => pill(`${svc.name} (${svc.instructors})`, "service", svc.slug, () => browse("services", svc.slug))));
}

// ---- profile
async function profileData(id) {
  if (!state.profiles[id]) state.profiles[id] = api("GET", `/api/public/instructors/${id}`);
  try { return await state.profiles[id]; } catch (e) { delete state.profiles[id]; throw e; }
}
async function showProfile(id) {
  const box = $("profile"), seq = ++state.seq;
  box.replaceChildren(el("p", { class: "loading" }, "Loading the profile…"));
  box.setAttribute("aria-busy", "true");
  try {
    const p = await profileData(id);
    if (seq !== state.seq) return;
    if (state.via && state.via.instructor.id === id) beacon("profile_view", state.via);
    state.via = null;
    document.title = `${p.name} · InstaInstru`;
    const areaNames = [...p.areas.boroughs.map((b) => `all of ${label(b)}`), ...p.areas.neighborhoods.map(label)];
    const week = el("div", { class: "week" }), reviews = el("div", { class: "reviews" });
    const pick = el("select", { id: "week-service" }, p.services.map((s) => el("option", { value: s.instructor_service_id }, s.name)));
    box.replaceChildren(
      el("p", {}, el("a", { href: "/", "data-nav": true, onclick: (ev) => { if (history.length > 1 && state.listing) { ev.preventDefault(); ev.stopPropagation(); history.back(); } } }, "← Back to results")),
      el("header", { class: "who" }, avatar(p.id, p.name, true), el("div", {}, el("h2", { id: "profile-name" }, p.name),
        el("p", { class: "meta" }, `${ratingText(p)} · ${p.years_experience} years teaching · Speaks ${p.languages.map(label).join(", ")}`))),
      el("p", { class: "bio" }, p.bio),
      el("h3", {}, "Lessons"),
      el("ul", { class: "services" }, p.services.map((s) => el("li", {}, el("strong", {}, s.name), " · ",
        [s.price.in_person != null && `${money(s.price.in_person)}/h in person`, s.price.online != null && `${money(s.price.online)}/h online`].filter(Boolean).join(" · "),
        ` · ${s.duration_options.join(", ")} min`, s.levels.length ? ` · ${s.levels.map(label).join(", ")}` : "", s.age_groups.length ? ` · for ${s.age_groups.join(", ")}` : ""))),
      el("h3", {}, "Areas"),
      el("p", {}, areaNames.length ? areaNames.join(", ") : "Online lessons only"),
      areaNames.length ? areaMap({ name: p.name, areas: p.areas }, true) : "",
      el("h3", { id: "week-title" }, "Open times this week"),
      el("div", { class: "bar" }, el("label", { for: "week-service" }, "Lesson"), pick),
      week,
      el("h3", {}, "Reviews"),
      reviews);
    pick.addEventListener("change", () => drawWeek(p, pick.value, week));
    drawWeek(p, pick.value, week);
    drawReviews(p, reviews, 0);
    if (state.focusProfile !== false) box.focus();
  } catch (e) {
    box.replaceChildren(el("h2", {}, e.status === 404 ? "No such instructor" : "The profile could not be loaded"), el("p", { class: "error" }, e.message),
      el("p", {}, el("a", { href: "/", "data-nav": true }, "Search for lessons")));
  } finally { box.removeAttribute("aria-busy"); }
}
async function drawWeek(p, serviceId, box) {
  const s = p.services.find((x) => x.instructor_service_id === serviceId);
  const minutes = s.duration_options.includes(60) ? 60 : s.duration_options[0];
  box.replaceChildren(el("p", {}, "Loading open times…"));
  try {
    const a = await api("GET", `/api/public/instructors/${p.id}/availability?duration_minutes=${minutes}`);
    const result = profileResult(p, s, minutes);
    box.replaceChildren(...a.days.map((d) => el("section", { class: "day", "aria-label": shortDate(d.date) },
      el("h4", {}, shortDate(d.date)),
      ...(d.windows.length ? d.windows.flatMap((w) => w.starts.map((st) => el("button", { "data-start": st, onclick: () => startBooking(result, { start: st }) }, fmtTime.format(new Date(st)))))
        : [el("p", { class: "meta" }, "No open time")]))));
  } catch (e) { box.replaceChildren(el("p", { class: "error" }, e.message)); }
}
function profileResult(p, s, minutes) { // the shape of a search result, for the booking dialog
  const formats = [...(s.price.in_person != null && (p.areas.neighborhoods.length || p.areas.boroughs.length) ? ["in_person"] : []), ...(s.price.online != null ? ["online"] : [])];
  const cheaper = formats.slice().sort((a, b) => s.price[a] - s.price[b])[0];
  return { instructor: { id: p.id, name: p.name, areas: p.areas, area_names: [...p.areas.boroughs, ...p.areas.neighborhoods].map(label) },
    service: { slug: s.slug, name: s.name }, instructor_service_id: s.instructor_service_id, price: s.price, formats,
    lesson: { format: cheaper, price: s.price[cheaper] }, duration_minutes: minutes };
}
async function drawReviews(p, box, offset) {
  try {
    const data = await api("GET", `/api/public/instructors/${p.id}/reviews?limit=5&offset=${offset}`);
    if (!offset) {
      box.replaceChildren(data.total ? el("ul", { class: "histogram", "aria-label": "Reviews per star" },
        ["5", "4", "3", "2", "1"].map((k, _, __, n = data.histogram[k]) => el("li", {}, `${k} ★`, el("meter", { min: 0, max: data.total, value: n, "aria-label": `${k} stars` }), String(n)))) : el("p", {}, "No reviews yet."));
      box.append(el("ol", { class: "review-list" }));
    }
    box.querySelector("ol").append(...data.reviews.map((r) => el("li", {},
      el("p", { class: "meta" }, el("span", { class: "stars", "aria-label": `${r.rating} out of 5 stars` }, "★".repeat(r.rating) + "☆".repeat(5 - r.rating)),
        ` ${r.author} · ${r.service} · ${fmtDay.format(new Date(r.lesson_date + "T12:00:00Z"))}${r.edited ? " · edited" : ""}`),
      r.text ? el("p", {}, r.text) : null)));
    const more = box.querySelector(".more-reviews");
    if (more) more.remove();
    const seen = offset + data.reviews.length;
    if (seen < data.total) box.append(el("button", { class: "secondary more-reviews", onclick: () => drawReviews(p, box, seen) }, `More reviews (${data.total - seen})`));
  } catch (e) { box.replaceChildren(el("p", { class: "error" }, e.message)); }
}

// ---- account
// Guests never ask who they are: a flag set at login says there may be a session to ask about.
async function loadMe() {
  state.user = null;
  if (localStorage.getItem("ii-session")) {
    try { state.user = await api("GET", "/api/auth/me"); } catch { localStorage.removeItem("ii-session"); }
  }
  $("who").textContent = state.user ? `Hi, ${state.user.full_name || state.user.email}` : "";
  show("login-button", !state.user); show("logout-button", !!state.user); show("lessons-button", !!state.user);
}
let authMode = "login";
function openAuth(then) {
  state.afterAuth = then || null;
  setAuthMode("login"); show("auth-error", false);
  $("auth-dialog").showModal(); $("auth-email").focus();
}
function setAuthMode(mode) {
  authMode = mode;
  show("name-row", mode === "register"); show("password-row", mode !== "reset");
  $("auth-password").required = mode !== "reset";
  $("auth-title").textContent = { login: "Log in to book", register: "Create your account", reset: "Reset your password" }[mode];
  $("auth-submit").textContent = { login: "Log in", register: "Create account", reset: "Send me a reset link" }[mode];
  $("auth-switch").textContent = mode === "login" ? "New here? Create an account" : "Have an account? Log in";
  show("auth-forgot", mode === "login");
}
async function submitAuth(ev) {
  ev.preventDefault();
  const body = { email: $("auth-email").value.trim(), password: $("auth-password").value };
  const button = $("auth-submit"); button.disabled = true;
  try {
    if (authMode === "reset") {
      await api("POST", "/api/auth/password-reset/request", { email: body.email });
      $("auth-dialog").close(); toast("If an account uses that email, a reset link is on its way."); return;
    }
    if (authMode === "register") body.full_name = $("auth-name").value.trim() || body.email.split("@")[0];
    await api("POST", authMode === "login" ? "/api/auth/login" : "/api/auth/register", body);
    localStorage.setItem("ii-session", "1");
    $("auth-dialog").close();
    await loadMe(); loadRecent();
    const then = state.afterAuth; state.afterAuth = null;
    if (then) then();
  } catch (e) { $("auth-error").textContent = e.message; show("auth-error", true); } finally { button.disabled = false; }
}

// ---- booking
async function startBooking(result, slot) {
  if (!state.user) { openAuth(() => startBooking(result, slot)); return; }
  const lengths = await profileData(result.instructor.id).then((p) => p.services.find((s) => s.instructor_service_id === result.instructor_service_id).duration_options).catch(() => [result.duration_minutes]);
  state.pending = { result, slot };
  $("book-title").textContent = `Book ${result.service.name} with ${result.instructor.name}`;
  $("book-length").replaceChildren(...lengths.map((m) => el("option", { value: m, selected: m === result.duration_minutes }, `${m} minutes`)));
  const formats = $("book-formats");
  formats.replaceChildren(el("legend", {}, "Where"));
  const chosen = result.lesson && result.lesson.format && result.formats.includes(result.lesson.format) ? result.lesson.format : result.formats[0];
  for (const f of result.formats) formats.append(el("label", {}, el("input", { type: "radio", name: "format", value: f, checked: f === chosen }), `${f === "online" ? "Online" : "In person"} · ${money(result.price[f])}/h`));
  const names = result.instructor.area_names || [];
  $("book-place").replaceChildren(...names.map((n, k) => el("option", {}, k < result.instructor.areas.boroughs.length ? `${n} (anywhere)` : n)));
  const parsed = state.data && state.data.parsed;
  const forOther = !!(parsed && (parsed.age || ["kids", "teens", "toddler"].includes(parsed.audience)));
  document.querySelector(`input[name="who"][value="${forOther ? "other" : "me"}"]`).checked = true;
  $("who-age").value = parsed && parsed.age ? parsed.age : "";
  show("book-error", false);
  updateBooking();
  $("book-dialog").showModal();
}
function bookingChoice() {
  const { result, slot } = state.pending;
  const format = (document.querySelector('input[name="format"]:checked') || {}).value || result.formats[0];
  const minutes = Number($("book-length").value);
  const end = new Date(new Date(slot.start).getTime() + minutes * 60000).toISOString();
  return { result, slot, format, minutes, end, rate: result.price[format] };
}
function updateBooking() {
  const c = bookingChoice();
  $("book-when").textContent = span(c.slot.start, c.end);
  show("book-place-row", c.format === "in_person"); show("book-online", c.format === "online");
  show("who-row", document.querySelector('input[name="who"]:checked').value === "other");
  $("book-total").textContent = `Total: ${money(c.rate)}/h × ${c.minutes} min = ${money(Math.round(c.rate * c.minutes / 60 * 100) / 100)}`;
  const free = new Date(new Date(c.slot.start).getTime() - 24 * 3600000);
  $("book-policy").textContent = free > new Date()
    ? `Free cancellation until ${when(free.toISOString())} (24 hours before). After that, cancelling is a late cancellation and is not refunded.`
    : "This lesson starts within 24 hours: cancelling it would be a late cancellation, not refunded.";
  checkFit(c);
}
// A longer lesson must still fit before the teacher's next commitment.
async function checkFit(c) {
  $("book-confirm").disabled = false; show("book-error", false);
  if (c.minutes === c.result.duration_minutes) return;
  const day = fmtISO.format(new Date(c.slot.start));
  try {
    const a = await api("GET", `/api/public/instructors/${c.result.instructor.id}/availability?start_date=${day}&end_date=${day}&duration_minutes=${c.minutes}`);
    const fits = a.days.some((d) => d.windows.some((w) => w.starts.some((st) => new Date(st).getTime() === new Date(c.slot.start).getTime())));
    if (!fits && Number($("book-length").value) === c.minutes) {
      $("book-error").textContent = `A ${c.minutes}-minute lesson does not fit at ${fmtTime.format(new Date(c.slot.start))}: choose a shorter one or another time.`;
      show("book-error", true); $("book-confirm").disabled = true;
    }
  } catch { /* the booking itself will say */ }
}
async function confirmBooking(ev) {
  ev.preventDefault();
  const c = bookingChoice();
  const other = document.querySelector('input[name="who"]:checked').value === "other";
  const name = $("who-name").value.trim(), age = $("who-age").value;
  const button = $("book-confirm"); button.disabled = true;
  try {
    const body = {
      instructor_id: c.result.instructor.id, instructor_service_id: c.result.instructor_service_id, start: c.slot.start, search_id: c.result.sid,
      duration_minutes: c.minutes, format: c.format, location: c.format === "in_person" ? $("book-place").value : "",
      notes: other ? `For: ${name || "someone else"}${age ? `, age ${age}` : ""}` : "For: me",
    };
    // One key per attempt: pressing Book again after a lost answer finds the booking, not a conflict.
    const sent = JSON.stringify(body);
    if (state.attempt?.sent !== sent) state.attempt = { sent, key: `${Date.now()}-${Math.random().toString(36).slice(2)}` };
    await api("POST", "/api/bookings", body, { "Idempotency-Key": state.attempt.key });
    state.attempt = null;
    $("book-dialog").close();
    toast(`Booked: ${c.result.service.name} with ${c.result.instructor.name}, ${span(c.slot.start, c.end)}.`);
    for (const b of document.querySelectorAll(`[data-instructor="${c.result.instructor.id}"] .slots button, .week button`)) if (b.dataset.start === c.slot.start) b.remove();
    delete state.profiles[c.result.instructor.id];
    refreshShown();
    loadLessons(false);
  } catch (e) {
    $("book-error").textContent = e.message; show("book-error", true);
    if (e.status === 409) refreshShown(); // the slots that are left
  } finally { button.disabled = false; }
}
function refreshShown() {
  const s = current();
  state.focusProfile = false;
  if (s.profile) showProfile(s.profile).finally(() => { state.focusProfile = true; });
  else if (s.q || s.browse) list(s, false, 0);
}

// ---- my lessons
async function loadLessons(focus) {
  if (!state.user) return;
  try {
    const [data, mine] = await Promise.all([api("GET", `/api/bookings?when=${state.when}`), state.when === "past" ? api("GET", "/api/reviews") : { reviews: [] }]);
    const reviewed = Object.fromEntries(mine.reviews.map((r) => [r.booking_id, r]));
    const items = data.bookings.map((b) => lessonItem(b, reviewed[b.id]));
    $("lessons-list").replaceChildren(...(items.length ? items : [el("li", {}, state.when === "past" ? "No past lessons yet." : "No upcoming lessons yet.")]));
    show("lessons", true);
    if (focus) { $("lessons").focus(); $("lessons").scrollIntoView({ block: "start" }); }
  } catch (e) { toast(e.message); }
}
function lessonItem(b, review) {
  const place = b.format === "online" ? "Online" : `In person${b.location ? ", " + b.location : ""}`;
  const text = `${b.service.name} with ${b.instructor.name} · ${span(b.start, b.end)} · ${place} · ${money(b.total_price)} · ${b.status.replace("_", " ")}`;
  const editable = review && new Date(review.editable_until) > new Date();
  return el("li", { "data-booking": b.id }, el("span", {}, text),
    b.status === "confirmed" && state.when === "upcoming" && el("button", { class: "secondary", onclick: () => askCancel(b) }, "Cancel"),
    b.status === "completed" && (!review || editable) && el("button", { class: "secondary", onclick: () => openReview(b, review) }, review ? "Edit review" : "Write a review"),
    review && el("span", { class: "meta" }, `You gave ${review.rating} ★`));
}
function askCancel(b) {
  state.cancelling = b;
  const full = new Date(b.start) - new Date() >= 24 * 3600000;
  $("cancel-what").textContent = `${b.service.name} with ${b.instructor.name}, ${span(b.start, b.end)}.`;
  $("cancel-refund").textContent = full
    ? `It starts more than 24 hours from now: you get a full refund of ${money(b.total_price)}.`
    : `It starts in less than 24 hours: this is a late cancellation and the ${money(b.total_price)} is not refunded.`;
  show("cancel-error", false);
  $("cancel-dialog").showModal();
}
async function confirmCancel(ev) {
  ev.preventDefault();
  const b = state.cancelling, items = [...$("lessons-list").children], at = items.findIndex((li) => li.dataset.booking === b.id);
  try {
    const done = await api("POST", `/api/bookings/${b.id}/cancel`, {});
    $("cancel-dialog").close();
    toast(done.cancellation_kind === "full_refund" ? `Lesson cancelled: ${money(b.total_price)} refunded in full.` : "Lesson cancelled (late cancellation: not refunded).");
    await loadLessons(false);
    const next = $("lessons-list").children[Math.min(at, $("lessons-list").children.length - 1)];
    ((next && next.querySelector("button")) || $("lessons-title").parentElement).focus();
    refreshShown();
  } catch (e) { $("cancel-error").textContent = e.message; show("cancel-error", true); }
}
function openReview(b, review) {
  state.reviewing = b;
  $("review-what").textContent = `${b.service.name} with ${b.instructor.name}, ${span(b.start, b.end)}.`;
  const box = document.querySelector("#review-form .stars");
  box.replaceChildren(el("legend", {}, "Stars"), ...[5, 4, 3, 2, 1].map((n) => el("label", {}, el("input", { type: "radio", name: "stars", value: n, required: true, checked: review ? review.rating === n : false }), `${"★".repeat(n)} ${n} star${n > 1 ? "s" : ""}`)));
  $("review-text").value = review ? review.text : "";
  show("review-error", false);
  $("review-dialog").showModal();
}
async function submitReview(ev) {
  ev.preventDefault();
  const b = state.reviewing, rating = Number((document.querySelector('input[name="stars"]:checked') || {}).value);
  try {
    await api("POST", `/api/bookings/${b.id}/review`, { rating, text: $("review-text").value });
    $("review-dialog").close();
    delete state.profiles[b.instructor.id];
    toast(`Thank you: your review is on ${b.instructor.name}'s profile.`);
    loadLessons(false);
  } catch (e) { $("review-error").textContent = e.message; show("review-error", true); }
}

// ---- recent searches
async function loadRecent() {
  if (!state.user && !localStorage.getItem("ii-searched")) return; // a first-time guest has none
  try {
    const data = await api("GET", "/api/search-history?limit=8"), items = data.items || data;
    show("recent-box", items.length > 0);
    $("recent-list").replaceChildren(...items.map((h) => el("li", { "data-history": h.id },
      el("button", { class: "again", onclick: () => { $("q").value = h.query; go(address({ q: h.query, sort: "relevance", f: {}, drop: [] }), { record: true }); } }, h.query),
      el("button", { class: "secondary", "aria-label": `Delete “${h.query}” from recent searches`, onclick: () => deleteRecent(h) }, "Delete"))));
  } catch { show("recent-box", false); } // a convenience: never block the page on it
}
async function deleteRecent(h) { try { await api("DELETE", `/api/search-history/${h.id}`); loadRecent(); } catch (e) { toast(e.message); } }

// ---- where
// "Use my location": only the two numbers go with the search.
function locate() {
  if (!navigator.geolocation) { toast("This browser cannot share a location: name a neighborhood instead."); return; }
  navigator.geolocation.getCurrentPosition((p) => {
    state.pos = { lat: p.coords.latitude, lng: p.coords.longitude };
    $("locate").textContent = "Using your location"; $("locate").setAttribute("aria-pressed", "true"); $("locate").classList.remove("ask");
    show("error", false);
    if (current().q) route(false);
  }, () => { $("error").firstElementChild.textContent = "Location is off or was refused: name a neighborhood instead, e.g. “piano in park slope”."; show("error", true); },
  { timeout: 10000, maximumAge: 600000 });
}
// A small map of the neighborhoods a teacher serves, from outlines served with the page.
let shapes = null;
async function loadShapes() { if (!shapes) shapes = await (await fetch("/static/geo/neighborhoods.json")).json(); return shapes; }
function svg(tag, attrs) { const n = document.createElementNS("http://www.w3.org/2000/svg", tag); for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v); return n; }
function areaMap(instructor, open) {
  const box = el("details", { class: "map", open }, el("summary", {}, "Map of areas"));
  const draw = async () => {
    if (!box.open || box.dataset.drawn) return;
    box.dataset.drawn = "1";
    try {
      const geo = await loadShapes(), served = new Set(instructor.areas.neighborhoods), boroughs = new Set(instructor.areas.boroughs);
      const map = svg("svg", { viewBox: geo.viewBox.join(" "), role: "img", "aria-label": `Areas ${instructor.name} serves` });
      // Outlines are "M x y" then relative steps: "l" makes them relative (after M a pair is absolute).
      for (const [slug, n] of Object.entries(geo.neighborhoods)) map.append(svg("path", { d: n.d.replace(/M(-?\d+)[ ,]?(-?\d+)/g, "M$1 $2l"), class: served.has(slug) || boroughs.has(n.borough) ? "on" : "off" }));
      box.append(map);
    } catch { box.append(el("p", {}, "The map could not be drawn.")); }
  };
  box.addEventListener("toggle", draw);
  if (open) setTimeout(draw);
  return box;
}

// ---- wiring
// Typing searches as you go without filling the history; Enter (or a suggestion, a pill, a recent
// search) submits: that is what history records, and a new Back step.
let debounce;
$("q").addEventListener("input", () => {
  clearTimeout(debounce);
  debounce = setTimeout(() => {
    const q = $("q").value.trim();
    if (!q) return;
    const push = !state.typing; state.typing = true;
    change((s) => { s.q = q; delete s.browse; s.drop = []; }, { push, record: false });
  }, 350);
});
$("search-form").addEventListener("submit", (ev) => {
  ev.preventDefault(); clearTimeout(debounce);
  const q = $("q").value.trim();
  if (!q) return;
  const s = current(), push = !state.typing && (s.profile || s.q !== q);
  state.typing = false;
  change((x) => { x.q = q; delete x.browse; x.drop = []; delete x.profile; }, { push, record: true });
  if (current().profile) go(address({ q, sort: "relevance", f: {}, drop: [] }), { record: true });
});
$("locate").addEventListener("click", locate);
$("login-button").addEventListener("click", () => openAuth());
$("logout-button").addEventListener("click", async () => {
  try { await api("POST", "/api/auth/logout", {}); } catch { /* signed out here either way */ }
  localStorage.removeItem("ii-session"); await loadMe(); show("lessons", false); loadRecent();
});
$("lessons-button").addEventListener("click", () => loadLessons(true));
for (const b of document.querySelectorAll("[data-when]")) b.addEventListener("click", () => {
  state.when = b.dataset.when;
  for (const x of document.querySelectorAll("[data-when]")) x.setAttribute("aria-pressed", String(x === b));
  loadLessons(false);
});
$("auth-form").addEventListener("submit", submitAuth);
$("auth-switch").addEventListener("click", () => setAuthMode(authMode === "login" ? "register" : "login"));
$("auth-forgot").addEventListener("click", () => { setAuthMode("reset"); $("auth-email").focus(); });
$("book-form").addEventListener("submit", confirmBooking);
$("book-form").addEventListener("change", updateBooking);
$("cancel-form").addEventListener("submit", confirmCancel);
$("review-form").addEventListener("submit", submitReview);
for (const b of document.querySelectorAll("[data-close]")) b.addEventListener("click", (ev) => ev.target.closest("dialog").close());

loadMe().then(loadRecent);
loadCatalog();
indexing();
route(false);
