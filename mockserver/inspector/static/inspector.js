// The inspector page: reads and drives the fake through the /_mock API only, polling once a second.
// Plain JavaScript, no build step, no dependency. Data is always written with textContent.
"use strict";

(() => {
  const POLL_MS = 1000;
  const PAGE = 50;
  const token = new URLSearchParams(location.search).get("token");
  const $ = (id) => document.getElementById(id);

  const state = {
    paused: false,
    taskOffset: 0,
    accountOffset: 0,
    publicApi: true,
    timer: null,
    rendered: {},
    deliveries: undefined, // undefined: not probed yet; null: this fake has none to show
  };

  // -- talking to /_mock ------------------------------------------------------------------------

  class ControlError extends Error {}

  function authHeaders() {
    return token ? { Authorization: `Bearer ${token}` } : {};
  }

  async function api(method, path, body) {
    const headers = authHeaders();
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(`/_mock${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const error = data && data.error ? `${data.error.code}: ${data.error.message}` : `HTTP ${response.status}`;
      const failure = new ControlError(error);
      failure.status = response.status;
      throw failure;
    }
    return data;
  }

  // Result images come through /_mock with the token, so they are fetched and shown as blobs;
  // a task's result never changes, so each is fetched once (the newest few hundred are kept).
  const images = new Map();
  function resultImage(path, img) {
    if (!images.has(path)) {
      images.set(path, fetch(path, { headers: authHeaders() })
        .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(`HTTP ${r.status}`))))
        .then((blob) => URL.createObjectURL(blob)));
      if (images.size > 300) {
        const [oldest, url] = images.entries().next().value;
        images.delete(oldest);
        url.then((u) => URL.revokeObjectURL(u), () => {});
      }
    }
    images.get(path).then((url) => { img.src = url; img.parentElement.href = url; }, () => images.delete(path));
  }

  function query(params) {
    const parts = Object.entries(params).filter(([, v]) => v !== "" && v !== null && v !== undefined);
    return parts.length ? `?${new URLSearchParams(parts)}` : "";
  }

  // -- small DOM helpers ------------------------------------------------------------------------

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function row(cells) {
    const tr = document.createElement("tr");
    for (const cell of cells) tr.append(cell instanceof Node ? cell : el("td", cell));
    return tr;
  }

  function fill(tbodyId, rows, columns, emptyText) {
    const body = $(tbodyId);
    if (!rows.length) {
      const td = el("td", emptyText, "empty");
      td.colSpan = columns;
      body.replaceChildren(row([td]));
    } else {
      body.replaceChildren(...rows);
    }
  }

  // Re-render a part only when its data changed, so focus, selection and images stay put.
  function changed(part, data) {
    const text = JSON.stringify(data);
    if (state.rendered[part] === text) return false;
    state.rendered[part] = text;
    return true;
  }

  function age(seconds) {
    if (seconds < 60) return `${seconds.toFixed(1)} s`;
    const m = Math.floor(seconds / 60);
    if (m < 60) return `${m} m ${Math.floor(seconds % 60)} s`;
    const h = Math.floor(m / 60);
    if (h < 48) return `${h} h ${m % 60} m`;
    return `${Math.floor(h / 24)} d ${h % 24} h`;
  }

  const clockTime = (iso) => (iso ? iso.slice(11, 23) : "");
  const statusClass = (status) => (status === null ? "s-dropped" : `s-${String(status)[0]}`);

  // -- the parts of the page --------------------------------------------------------------------

  function renderOverview(o) {
    $("clock").textContent = o.clock.now;
    $("public-api").textContent = o.public_api_enabled ? "on" : "off (503 public_api_disabled)";
    $("chaos").textContent = String(o.chaos);
    $("progression").textContent = o.progression;
    $("seed").textContent = o.seed === null ? "random" : String(o.seed);
    $("count-tasks").textContent = o.counts.tasks.toLocaleString("en");
    $("count-accounts").textContent = o.counts.accounts.toLocaleString("en");
    $("count-files").textContent = o.counts.files.toLocaleString("en");
    state.publicApi = o.public_api_enabled;
    $("toggle-api").textContent = o.public_api_enabled ? "Switch off" : "Switch on";
    if (document.activeElement !== $("chaos-level")) $("chaos-level").value = String(o.chaos);
    if (changed("faults", [o.faults, o.forced_outcomes])) renderFaults(o.faults, o.forced_outcomes);
  }

  function credits(task) {
    if (task.status === "succeeded") return `${task.reserved_credits}`;
    if (task.status === "failed") return `0 (refunded ${task.reserved_credits})`;
    return `${task.reserved_credits} reserved`;
  }

  function taskRow(task) {
    const result = el("td");
    if (task.result_path) {
      const link = el("a");
      link.target = "_blank";
      link.rel = "noopener";
      link.title = "Open the result image";
      const img = el("img", undefined, "thumb");
      img.alt = `result of ${task.id}`;
      link.append(img);
      result.append(link);
      resultImage(task.result_path, img);
    } else if (task.status === "failed") {
      result.textContent = task.failure_message || "";
    }
    const tr = row([
      el("td", task.id, "mono"),
      el("td", task.account, "mono"),
      task.model,
      el("td", task.status, `status s-${task.status}`),
      credits(task),
      age(task.age_seconds),
      result,
    ]);
    tr.dataset.task = task.id;
    tr.dataset.status = task.status;
    return tr;
  }

  function renderTasks(page) {
    const end = Math.min(page.offset + page.data.length, page.total);
    $("tasks-range").textContent = page.total
      ? `${(page.offset + 1).toLocaleString("en")}–${end.toLocaleString("en")} of ${page.total.toLocaleString("en")}`
      : "no tasks";
    $("tasks-prev").disabled = page.offset === 0;
    $("tasks-next").disabled = end >= page.total;
    fill("task-rows", page.data.map(taskRow), 7, "No tasks match.");
  }

  function requestRow(entry) {
    const target = entry.path + (entry.query ? `?${entry.query}` : "");
    const detail = el("td");
    if (entry.error_code) {
      detail.append(el("span", entry.error_code, "code"), " ");
      if (entry.rule) detail.append(el("span", entry.rule, "rule mono"), " ");
      if (entry.message) detail.append(el("span", entry.message));
    }
    if (entry.fault) detail.append(" ", el("span", `[fault ${entry.fault.action}]`, "fault"));
    const tr = row([
      entry.seq,
      el("td", clockTime(entry.time), "mono"),
      el("td", `${entry.method} ${target}`, "mono"),
      el("td", entry.status === null ? "dropped" : entry.status, `status ${statusClass(entry.status)}`),
      detail,
      entry.duration_ms === undefined ? "" : entry.duration_ms.toFixed(1),
    ]);
    tr.dataset.seq = entry.seq;
    tr.dataset.status = entry.status;
    return tr;
  }

  function renderRequests(entries) {
    fill("request-rows", entries.map(requestRow), 6, "No requests match.");
  }

  function renderAccounts(page) {
    const end = Math.min(page.offset + page.data.length, page.total);
    $("accounts-range").textContent = page.total ? `${page.offset + 1}–${end} of ${page.total}` : "no accounts";
    $("accounts-prev").disabled = page.offset === 0;
    $("accounts-next").disabled = end >= page.total;
    const rows = page.data.map((account) => {
      const keys = account.keys.map((k) => k.key + (k.revoked ? " (revoked)" : k.expired ? " (expired)" : ""));
      return row([el("td", account.id, "mono"), account.credits.toLocaleString("en"), el("td", keys.join(", "), "mono")]);
    });
    fill("account-rows", rows, 3, "No accounts yet.");
  }

  function renderFaults(rules, forced) {
    const rows = rules.map((rule) => {
      const action = rule.action + (rule.retry_after ? ` (Retry-After ${rule.retry_after})` : "");
      const fired = `${rule.fired ?? "?"}${rule.count ? ` of ${rule.count}` : ""}`;
      const match = Object.entries(rule.match || {}).filter(([, v]) => v !== null);
      const shown = match.length ? match.map(([k, v]) => `${k} ${v}`).join(", ") : "every API request";
      return row([rule.id, el("td", shown, "mono"), action, fired]);
    });
    fill("fault-rows", rows, 4, "No fault rules.");
    const items = forced.map((f) => {
      const what = [f.model && `model ${f.model}`, f.prompt_contains && `prompt contains “${f.prompt_contains}”`]
        .filter(Boolean)
        .join(", ");
      return el("li", `next ${f.remaining} task(s)${what ? ` (${what})` : ""} → ${f.outcome}${f.message ? `: ${f.message}` : ""}`);
    });
    $("forced").replaceChildren(...items);
  }

  // Webhook attempts as the fake's /_mock/webhooks/deliveries lists them (one per request sent);
  // read loosely, so a field more or less does not break the page.
  function renderDeliveries(list) {
    const rows = list.map((d) => {
      const response = d.response && typeof d.response === "object" ? d.response.status : d.response_status;
      const outcome = d.error || (response ?? d.status ?? "");
      const fault = d.fault ? ` [fault ${d.fault}]` : "";
      return row([
        el("td", d.delivery_id || d.id || "", "mono"),
        el("td", `${d.event_type || ""} ${d.event_id || ""}`, "mono"),
        d.attempt ?? "",
        el("td", `${outcome}${fault}`, `status ${typeof response === "number" ? statusClass(response) : ""}`),
        el("td", (d.request && d.request.url) || d.endpoint_id || "", "mono"),
        el("td", clockTime(d.attempted_at || d.created_at || ""), "mono"),
      ]);
    });
    fill("delivery-rows", rows, 6, "No deliveries yet.");
  }

  // -- polling ----------------------------------------------------------------------------------

  function taskQuery() {
    return query({
      offset: state.taskOffset,
      limit: PAGE,
      status: $("task-status").value,
      account: $("task-account").value.trim(),
      model: $("task-model").value.trim(),
    });
  }

  async function requests() {
    const status = $("req-status").value.trim();
    const rejections = $("req-rejections").checked;
    const params = {
      path: $("req-path").value.trim(),
      method: $("req-method").value,
      status: /^\d{3}$/.test(status) ? status : "",
      error_code: $("req-code").value.trim(),
      rule: $("req-rule").value.trim(),
      limit: rejections ? "" : 100, // the journal holds at most 1,000 entries
    };
    let entries = await api("GET", `/requests${query(params)}`);
    if (rejections) entries = entries.filter((e) => e.status === null || e.status >= 400).slice(-100);
    return entries.reverse();
  }

  async function deliveries() {
    if (state.deliveries === null) return null;
    try {
      const data = await api("GET", "/webhooks/deliveries?limit=100");
      const list = Array.isArray(data) ? data : data.data || [];
      state.deliveries = true;
      return list.slice(-100).reverse(); // oldest first there, newest first here
    } catch (error) {
      if (error.status === 404 || error.status === 405) state.deliveries = null; // none in this fake
      return null;
    }
  }

  async function refresh() {
    const [overview, tasks, entries, accounts, hooks] = await Promise.all([
      api("GET", "/overview"),
      api("GET", `/tasks${taskQuery()}`),
      requests(),
      api("GET", `/accounts${query({ offset: state.accountOffset, limit: PAGE })}`),
      deliveries(),
    ]);
    renderOverview(overview);
    if (changed("tasks", tasks)) renderTasks(tasks);
    if (changed("requests", entries)) renderRequests(entries);
    if (changed("accounts", accounts)) renderAccounts(accounts);
    $("webhooks").hidden = hooks === null;
    if (hooks !== null && changed("deliveries", hooks)) renderDeliveries(hooks);
  }

  async function tick() {
    clearTimeout(state.timer);
    try {
      await refresh();
      $("live").textContent = state.paused ? "paused" : `live · updated ${new Date().toLocaleTimeString()}`;
      document.body.dataset.live = "ok";
    } catch (error) {
      $("live").textContent = `cannot reach the fake: ${error.message}`;
      document.body.dataset.live = "error";
    }
    if (!state.paused && !document.hidden) state.timer = setTimeout(tick, POLL_MS);
  }

  // -- controls ---------------------------------------------------------------------------------

  async function control(label, method, path, body) {
    const status = $("control-status");
    try {
      await api(method, path, body);
      status.className = "";
      status.textContent = `${label}: done.`;
    } catch (error) {
      status.className = "error";
      status.textContent = `${label}: ${error.message}`;
    }
    await tick();
  }

  const actions = {
    advance: () => {
      const seconds = Number($("advance-seconds").value);
      return control(`Advance ${seconds} s`, "POST", "/clock/advance", { seconds });
    },
    failNext: () => control("Fail the next task", "POST", "/outcomes", { outcome: "failed" }),
    succeedNext: () => control("Succeed the next task", "POST", "/outcomes", { outcome: "succeeded" }),
    chaos: () => {
      const level = Number($("chaos-level").value);
      return control(`Chaos ${level}`, "POST", "/chaos", { level });
    },
    toggleApi: () => {
      const enabled = !state.publicApi;
      return control(`Public API ${enabled ? "on" : "off"}`, "POST", "/public-api", { enabled });
    },
    clearFaults: () => control("Clear faults", "DELETE", "/faults"),
    reset: () => {
      state.taskOffset = 0;
      state.accountOffset = 0;
      return control("Reset", "POST", "/reset", {});
    },
  };

  function pause() {
    state.paused = !state.paused;
    $("pause").textContent = state.paused ? "Resume" : "Pause";
    $("pause").setAttribute("aria-pressed", String(state.paused));
    tick();
  }

  function page(kind, step) {
    const key = kind === "tasks" ? "taskOffset" : "accountOffset";
    state[key] = Math.max(0, state[key] + step * PAGE);
    tick();
  }

  let debounce = null;
  function refilter() {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      state.taskOffset = 0;
      tick();
    }, 250);
  }

  function wire() {
    $("advance-form").addEventListener("submit", (e) => { e.preventDefault(); actions.advance(); });
    $("chaos-form").addEventListener("submit", (e) => { e.preventDefault(); actions.chaos(); });
    $("fail-next").addEventListener("click", actions.failNext);
    $("succeed-next").addEventListener("click", actions.succeedNext);
    $("toggle-api").addEventListener("click", actions.toggleApi);
    $("clear-faults").addEventListener("click", actions.clearFaults);
    $("reset").addEventListener("click", actions.reset);
    $("pause").addEventListener("click", pause);
    $("tasks-prev").addEventListener("click", () => page("tasks", -1));
    $("tasks-next").addEventListener("click", () => page("tasks", 1));
    $("accounts-prev").addEventListener("click", () => page("accounts", -1));
    $("accounts-next").addEventListener("click", () => page("accounts", 1));
    for (const form of [$("task-filters"), $("request-filters")]) {
      form.addEventListener("submit", (e) => e.preventDefault());
      form.addEventListener("input", refilter);
      form.addEventListener("change", refilter);
    }
    document.addEventListener("keydown", (event) => {
      const typing = event.target.closest("input, select, textarea");
      if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
      const keys = {
        a: actions.advance,
        f: actions.failNext,
        s: actions.succeedNext,
        p: pause,
        r: tick,
        "[": () => !$("tasks-prev").disabled && page("tasks", -1),
        "]": () => !$("tasks-next").disabled && page("tasks", 1),
        "/": () => $("req-path").focus(),
      };
      if (keys[event.key]) {
        event.preventDefault();
        keys[event.key]();
      }
    });
  }

  // A hidden tab stops polling; showing it again catches up at once.
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && !state.paused) tick();
  });

  wire();
  tick();
})();
