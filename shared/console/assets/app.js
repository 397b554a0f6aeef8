// The reviewer console: sign in, the queues, a freelancer's case, and the decision forms.
// Everything is read from and written through the public HTTP API; every value shown is set as
// text (never parsed as HTML).
import { ApiError, call, setBase, signIn, signOut, token } from "./api.js";

// Errors a test (or a person with the devtools open) can read.
window.__consoleErrors = [];
window.addEventListener("error", (e) => window.__consoleErrors.push(String(e.message || e.type)), true);
window.addEventListener("unhandledrejection", (e) => window.__consoleErrors.push(String(e.reason)));

const main = document.getElementById("main");
const signOutButton = document.getElementById("sign-out");

function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function when(iso) {
  if (!iso) return "";
  return iso.replace("T", " ").replace(/\.\d+/, "").replace("Z", " UTC");
}

function daysSince(iso) {
  const ms = Date.now() - Date.parse(iso);
  return Math.max(0, Math.floor(ms / 86400000));
}

function standingBadge(standing) {
  const tone = standing === "good" ? "ok" : standing === "warned" ? "warn" : "bad";
  return h("span", { class: `badge ${tone}`, "data-standing": standing }, standing.replaceAll("_", " "));
}

// Moves on with every navigation: work started for an earlier page never draws over a later one.
let navigation = 0;

function show(title, ...content) {
  document.title = `${title} — Standing console`;
  main.replaceChildren(h("h1", {}, title), ...content);
  main.focus();
}

function failure(error) {
  const sentence = error instanceof ApiError ? error.message : String(error);
  return h("p", { class: "error", role: "alert" }, sentence);
}

// ---- sign in -------------------------------------------------------------------------------

function signInPage(reason) {
  signOutButton.hidden = true;
  const field = h("textarea", { id: "token", name: "token", required: true, autocomplete: "off",
    spellcheck: "false", "aria-describedby": "token-help" });
  const status = h("p", { id: "sign-in-status", role: "status" }, reason ? failure(reason) : "");
  const form = h("form", { id: "sign-in", onsubmit: async (e) => {
      e.preventDefault();
      signIn(field.value);
      try {
        await call("GET", "/appeals?status=pending&limit=1");
        location.hash = "#/queues";
      } catch (error) {
        signOut();
        status.replaceChildren(failure(error.status === 401
          ? new ApiError(401, "unauthenticated", "This token is not valid (expired, or signed with another secret): mint a new one.")
          : error));
      }
    } },
    h("label", { for: "token" }, "Reviewer token"),
    field,
    h("p", { id: "token-help", class: "meta" },
      "Paste a token with the reviewer role. On the local stack: ",
      h("code", {}, "standing token --sub YOUR_ID --role reviewer"),
      " with the secret the stack printed at start."),
    h("button", { type: "submit" }, "Sign in"),
    status);
  show("Sign in", h("section", {},
    signInUrl ? h("p", {}, h("a", { href: signInUrl, id: "hosted-sign-in", onclick: startHostedSignIn }, "Sign in with your organisation's account")) : "",
    form));
  field.focus();
}

// ---- queues ----------------------------------------------------------------------------------

function pageSize() {
  const query = new URLSearchParams(location.hash.split("?")[1] || "");
  const n = Number(query.get("limit"));
  return Number.isInteger(n) && n >= 1 && n <= 200 ? n : 20;
}

// A list that loads its pages on demand: `fetchPage(cursor)` answers {items, next_cursor}.
function pagedList({ id, label, empty, fetchPage, render, group }) {
  const list = h("div", { id, "aria-live": "polite" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, `More ${label}`);
  let cursor = null;
  const items = [];
  async function load() {
    more.disabled = true;
    try {
      const page = await fetchPage(cursor);
      items.push(...page.items);
      cursor = page.next_cursor;
      list.replaceChildren(items.length === 0 ? h("p", { class: "empty" }, empty) : (group ? group(items) : h("ul", { class: "plain" }, items.map((item) => h("li", {}, render(item))))));
      more.hidden = !cursor;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        signOut();
        return signInPage(error);
      }
      list.replaceChildren(failure(error));
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", load);
  load();
  return [list, more];
}

function caseLink(freelancer) {
  return h("a", { href: `#/case/${encodeURIComponent(freelancer)}`, "data-case": freelancer }, freelancer);
}

function complaintSummary(c) {
  return [
    h("strong", {}, `${c.category.replaceAll("_", " ")}: “${c.claim}”`),
    h("div", { class: "meta" }, `filed ${when(c.filed_at)} by ${c.reporter}`,
      c.under_review_since ? ` · under review since ${when(c.under_review_since)}` : "",
      c.decision ? ` · ${c.decision.outcome} by ${c.decision.reviewer}` : ""),
  ];
}

function queuesPage() {
  const limit = pageSize();
  const status = h("select", { id: "complaint-status", name: "status" },
    ["under_review", "open", "decided"].map((s) => h("option", { value: s }, s.replace("_", " "))));
  const complaints = h("div", {});
  function loadComplaints() {
    const [list, more] = pagedList({
      id: "complaints", label: "complaints", empty: `No complaints are ${status.value.replace("_", " ")}.`,
      fetchPage: (cursor) => call("GET", `/complaints?status=${status.value}&limit=${limit}` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : "")),
      group: (items) => {
        const byFreelancer = new Map();
        for (const c of items) {
          if (!byFreelancer.has(c.freelancer_id)) byFreelancer.set(c.freelancer_id, []);
          byFreelancer.get(c.freelancer_id).push(c);
        }
        return h("ul", { class: "plain" }, [...byFreelancer].map(([freelancer, cs]) =>
          h("li", { class: "case-group" },
            h("h3", {}, "Case of ", caseLink(freelancer), ` — ${cs.length} complaint${cs.length === 1 ? "" : "s"}`),
            h("ul", {}, cs.map((c) => h("li", { "data-complaint": c.complaint_id }, complaintSummary(c)))))));
      },
    });
    complaints.replaceChildren(list, more);
  }
  status.addEventListener("change", loadComplaints);
  loadComplaints();
  const [appeals, moreAppeals] = pagedList({
    id: "appeals", label: "appeals", empty: "No appeals are waiting.",
    fetchPage: (cursor) => call("GET", `/appeals?status=pending&limit=${limit}` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : "")),
    render: (a) => [
      h("strong", {}, `${a.kind} of a ${a.sanction.kind.replaceAll("_", " ")} sanction — `), caseLink(a.freelancer_id),
      h("div", { class: "meta" }, `filed ${when(a.filed_at)}, waiting ${daysSince(a.filed_at)} days `,
        a.overdue_since ? h("span", { class: "badge bad" }, `overdue since ${when(a.overdue_since)}`) : ""),
    ],
  });
  const reportsBox = h("div", {});
  function loadReports(notice) {
    const [reports, moreReports] = pagedList({
      id: "reports", label: "reports", empty: "No feedback report is waiting.",
      fetchPage: (cursor) => call("GET", `/feedback-reports?status=pending&limit=${limit}` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : "")),
      render: (r) => [
        h("strong", {}, `${r.report.reason.replaceAll("_", " ")}: ${r.direction} feedback on contract ${r.contract_id} — `), caseLink(r.freelancer_id),
        h("div", { class: "meta" }, `filed ${when(r.report.filed_at)}, waiting ${daysSince(r.report.filed_at)} days`),
        h("p", {}, `“${r.public.comment}” (overall ${r.public.overall})`),
        r.report.details ? h("p", { class: "meta" }, `The freelancer says: ${r.report.details}`) : "",
        decisionForm({ id: r.report.report_id, outcomes: ["kept", "removed"], needsClause: false,
          path: `/feedback-reports/${encodeURIComponent(r.report.report_id)}/decision`,
          onDone: () => loadReports("Decision recorded.") }),
      ],
    });
    reportsBox.replaceChildren(notice ? h("p", { class: "notice", role: "status" }, notice) : "", reports, moreReports);
  }
  loadReports();
  show("Review queues",
    h("div", { class: "grid" },
      h("section", { "aria-labelledby": "complaints-title" },
        h("h2", { id: "complaints-title" }, "Complaints"),
        h("div", { class: "toolbar" }, h("label", { for: "complaint-status" }, "Status", status)),
        complaints),
      h("section", { "aria-labelledby": "appeals-title" },
        h("h2", { id: "appeals-title" }, "Appeals pending"), appeals, moreAppeals),
      h("section", { "aria-labelledby": "reports-title" },
        h("h2", { id: "reports-title" }, "Feedback reports waiting"), reportsBox)));
}

// ---- a freelancer's case -------------------------------------------------------------------

async function allComplaints(freelancer) {
  const found = [];
  for (const status of ["under_review", "open", "decided"]) {
    let cursor = null;
    do {
      const page = await call("GET", `/complaints?status=${status}&limit=200` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""));
      found.push(...page.items.filter((c) => c.freelancer_id === freelancer));
      cursor = page.next_cursor;
    } while (cursor);
  }
  return found;
}

async function pendingAppeals(freelancer) {
  const found = [];
  let cursor = null;
  do {
    const page = await call("GET", `/appeals?status=pending&limit=200` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""));
    found.push(...page.items.filter((a) => a.freelancer_id === freelancer));
    cursor = page.next_cursor;
  } while (cursor);
  return found;
}

function field(id, label, control) {
  return [h("label", { for: id }, label), control];
}

// A decision form: the fields the rule book requires, refused in words when missing; on
// success the case is shown again once the re-evaluation has landed.
function decisionForm({ id, outcomes, needsClause, path, freelancer, version, onDone }) {
  const outcome = h("select", { id: `${id}-outcome`, name: "outcome", required: true },
    outcomes.map((o) => h("option", { value: o }, o)));
  const clause = needsClause
    ? h("input", { type: "text", id: `${id}-clause`, name: "terms_clause", required: true, maxlength: 200 })
    : null;
  const note = h("textarea", { id: `${id}-note`, name: "note", required: true, maxlength: 2000 });
  const status = h("p", { role: "status", class: "form-status" });
  const form = h("form", { class: "decision", "data-decides": id, novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      const missing = [];
      if (clause && !clause.value.trim()) missing.push("the terms clause the decision rests on");
      if (!note.value.trim()) missing.push("a note saying why");
      if (missing.length) {
        status.replaceChildren(h("span", { class: "error", role: "alert" }, `Give ${missing.join(" and ")}.`));
        return;
      }
      const body = { outcome: outcome.value, note: note.value };
      if (clause) body.terms_clause = clause.value;
      const button = form.querySelector("button");
      button.disabled = true;
      try {
        await call("POST", path, body);
        if (onDone) return onDone();
        status.replaceChildren(h("span", { class: "notice" }, "Decision recorded; waiting for the re-evaluation…"));
        const mine = navigation;
        await waitForStanding(freelancer, version);
        if (mine === navigation) casePage(freelancer, "Decision recorded; the case shows the re-evaluation.");
      } catch (error) {
        status.replaceChildren(failure(error));
        button.disabled = false;
      }
    } },
    field(`${id}-outcome`, "Outcome", outcome),
    clause ? field(`${id}-clause`, "Terms clause", clause) : null,
    field(`${id}-note`, "Note (the reasons, for the freelancer and the audit trail)", note),
    h("button", { type: "submit" }, "Record decision"),
    status);
  return form;
}

// Re-evaluation is asynchronous: the standing's version moves once it has landed (or, when the
// decision changes nothing, it may not: give up after a while and show what there is).
async function waitForStanding(freelancer, version) {
  for (let i = 0; i < 40; i += 1) {
    const standing = await call("GET", `/freelancers/${encodeURIComponent(freelancer)}/standing`);
    if (standing.version !== version) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function casePage(freelancer, notice) {
  const mine = navigation;
  show(`Case of ${freelancer}`, h("p", {}, "Loading…"));
  try {
    const path = `/freelancers/${encodeURIComponent(freelancer)}`;
    const [standing, complaints, appeals, profile] = await Promise.all([
      call("GET", `${path}/standing`), allComplaints(freelancer), pendingAppeals(freelancer),
      call("GET", `${path}/profile?limit=200`),
    ]);
    // The contracts to show: those the sanctions rest on, and those with revealed feedback.
    const contracts = new Set();
    for (const s of standing.sanctions) s.evidence.contract_ids.forEach((c) => contracts.add(c));
    for (const entry of profile.feedback) contracts.add(entry.contract_id);
    const [auditList, moreAudit] = pagedList({
      id: "audit", label: "audit entries", empty: "Nothing in the audit trail yet.",
      fetchPage: (cursor) => call("GET", `${path}/audit?limit=${pageSize()}` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : "")),
      render: (e) => [h("strong", {}, `${e.action} ${e.rule}`), ` ${e.before} → ${e.after}`,
        h("div", { class: "meta" }, `${when(e.at)} by ${e.actor}: ${e.reason}`)],
    });
    const feedback = await Promise.all([...contracts].map((c) =>
      call("GET", `/contracts/${encodeURIComponent(c)}/feedback`).catch((error) => ({ contract_id: c, error }))));
    if (mine !== navigation) return;
    show(`Case of ${freelancer}`,
      notice ? h("p", { class: "notice", role: "status" }, notice) : "",
      h("section", { id: "standing" },
        h("h2", {}, "Standing"),
        h("p", {}, h("span", { class: "standing" }, standingBadge(standing.standing)),
          h("span", { class: "meta" }, ` · JSS ${standing.jss ?? "—"} · evaluated ${when(standing.evaluated_at)} under ${standing.policy_version}`)),
        standing.sanctions.length === 0 ? h("p", { class: "empty" }, "No sanction applies.") :
          h("ul", { class: "plain", id: "sanctions" }, standing.sanctions.map((s) => h("li", {},
            h("strong", {}, `${s.kind.replaceAll("_", " ")} — ${s.rule}`),
            h("div", { class: "meta" }, `since ${when(s.started_at)}, decided by ${s.decided_by}`, s.terms_clause ? `, citing ${s.terms_clause}` : ""),
            h("p", { class: "statement" }, s.statement))))),
      h("section", { id: "complaints-of-case" },
        h("h2", {}, "Complaints"),
        complaints.length === 0 ? h("p", { class: "empty" }, "No complaints about this freelancer.") :
          h("ul", { class: "plain" }, complaints.map((c) => h("li", { "data-complaint": c.complaint_id },
            complaintSummary(c),
            h("p", {}, c.statement),
            h("ul", {}, c.evidence.map((ev) => h("li", { class: "meta" }, ev))),
            !c.decision && c.under_review_since ? decisionForm({ id: c.complaint_id, outcomes: ["substantiated", "unsubstantiated"], needsClause: true,
              path: `/complaints/${encodeURIComponent(c.complaint_id)}/decision`, freelancer, version: standing.version }) : "",
            !c.decision && !c.under_review_since ? h("p", { class: "meta" }, "Open: a case opens when enough distinct clients complain.") : "")))),
      h("section", { id: "appeals-of-case" },
        h("h2", {}, "Appeals pending"),
        appeals.length === 0 ? h("p", { class: "empty" }, "No appeal is waiting.") :
          h("ul", { class: "plain" }, appeals.map((a) => h("li", { "data-appeal": a.appeal_id },
            h("strong", {}, `${a.kind} of ${a.sanction.kind.replaceAll("_", " ")} (${a.sanction.rule})`),
            h("div", { class: "meta" }, `filed ${when(a.filed_at)}, waiting ${daysSince(a.filed_at)} days`),
            h("p", {}, a.statement),
            decisionForm({ id: a.appeal_id, outcomes: ["denied", "granted"], needsClause: false,
              path: `/appeals/${encodeURIComponent(a.appeal_id)}/decision`, freelancer, version: standing.version }))))),
      h("section", { id: "evidence" },
        h("h2", {}, "Evidence: contracts and their feedback"),
        h("p", { class: "meta" }, "The contracts the sanctions rest on and those with revealed feedback, each with both sides' feedback as it stands (version, removal, the freelancer's response)."),
        feedback.length === 0 ? h("p", { class: "empty" }, "No contract with feedback and none a sanction rests on.") :
          h("ul", { class: "plain" }, feedback.map((f) => h("li", {},
            h("strong", {}, `Contract ${f.contract_id}`),
            f.error ? failure(f.error) : ["client", "freelancer"].map((side) => f[side]
              ? h("div", { class: "meta" }, `${side}: overall ${f[side].public.overall} (version ${f[side].version}${f[side].removed ? ", removed" : ""}${f[side].revealed ? "" : ", not yet revealed"}) — “${f[side].public.comment}”`,
                  f[side].response ? ` · response: “${f[side].response.text}”` : "",
                  f[side].report_id ? ` · reported (${f[side].report_id})` : "",
                  (f[side].versions || []).length > 1
                    ? h("ol", { class: "versions", "aria-label": `Every version of the ${side}'s feedback` },
                        f[side].versions.map((v) => h("li", {}, `version ${v.version}, ${when(v.at)}: overall ${v.public.overall} — “${v.public.comment}”`)))
                    : "")
              : h("div", { class: "meta" }, `${side}: no feedback`)))))),
      h("section", { id: "timeline" },
        h("h2", {}, "Timeline of the evidence"),
        timeline(complaints, appeals, feedback)),
      h("section", { id: "audit-trail" }, h("h2", {}, "Audit trail"), auditList, moreAudit));
  } catch (error) {
    if (mine !== navigation) return;
    if (error instanceof ApiError && error.status === 401) return signInPage(error);
    show(`Case of ${freelancer}`, failure(error));
  }
}

// Everything dated in the case, newest first: complaints filed and decided, appeals filed,
// feedback given and each later version, responses.
function timeline(complaints, appeals, feedback) {
  const events = [];
  for (const c of complaints) {
    events.push([c.filed_at, `Complaint filed by ${c.reporter}: ${c.category.replaceAll("_", " ")} “${c.claim}”`]);
    if (c.under_review_since) events.push([c.under_review_since, `Case opened on the complaint about “${c.claim}”`]);
    if (c.decision) events.push([c.decision.decided_at, `Complaint about “${c.claim}” ${c.decision.outcome} by ${c.decision.reviewer}, citing ${c.decision.terms_clause}`]);
  }
  for (const a of appeals) events.push([a.filed_at, `Appeal filed (${a.kind}) against ${a.sanction.sanction_id}`]);
  for (const f of feedback) {
    if (f.error) continue;
    for (const side of ["client", "freelancer"]) {
      const fb = f[side];
      if (!fb) continue;
      events.push([fb.submitted_at, `${side} feedback on contract ${f.contract_id}: overall ${fb.public.overall}`]);
      for (const v of (fb.versions || []).slice(1)) events.push([v.at, `${side} feedback on contract ${f.contract_id} changed (version ${v.version}): overall ${v.public.overall}`]);
      if (fb.response) events.push([fb.response.at, `The freelancer responded to the ${side}'s feedback on contract ${f.contract_id}`]);
    }
  }
  if (events.length === 0) return h("p", { class: "empty" }, "Nothing dated yet.");
  events.sort((a, b) => (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0));
  return h("ol", { class: "plain" }, events.map(([at, what]) => h("li", {}, h("span", { class: "meta" }, `${when(at)} `), what)));
}

// ---- routing ---------------------------------------------------------------------------------

function route() {
  navigation += 1;
  if (!token()) return signInPage();
  signOutButton.hidden = false;
  const hash = location.hash.split("?")[0];
  const caseMatch = hash.match(/^#\/case\/(.+)$/);
  if (caseMatch) {
    let freelancer;
    try {
      freelancer = decodeURIComponent(caseMatch[1]);
    } catch (e) {
      return show("Not found", h("p", { class: "error", role: "alert" }, "This address names no freelancer: go back to the queues."));
    }
    return casePage(freelancer);
  }
  return queuesPage();
}

signOutButton.addEventListener("click", () => {
  signOut();
  location.hash = "#/signin";
  route();
});
window.addEventListener("hashchange", route);

// The issuer's hosted sign-in (AWS) returns the token in the fragment. It is taken only with
// the `state` this page sent when it started that sign-in, so a link carrying someone else's
// token cannot sign a reviewer in as them; either way it leaves the address bar.
const STATE_KEY = "standing.console.sign-in-state";

function startHostedSignIn(event) {
  event.preventDefault();
  const state = crypto.randomUUID();
  sessionStorage.setItem(STATE_KEY, state);
  const url = new URL(signInUrl);
  url.searchParams.set("state", state);
  location.assign(url.toString());
}

function tokenFromSignIn() {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
  const returned = fragment.get("access_token") || fragment.get("id_token");
  if (!returned) return;
  const expected = sessionStorage.getItem(STATE_KEY);
  sessionStorage.removeItem(STATE_KEY);
  if (expected && fragment.get("state") === expected) signIn(returned);
  history.replaceState(null, "", `${location.pathname}#/queues`);
}

let signInUrl = null;
fetch("config.json").then((r) => (r.ok ? r.json() : {})).catch(() => ({}))
  .then((config) => {
    setBase(config.api_url);
    signInUrl = config.sign_in_url || null;
    tokenFromSignIn();
    route();
  });
