// Runs WPT's URL data (urltestdata.json, setters_tests.json), given as URL_DATA
// and SETTERS_DATA, the way WPT's url-constructor and url-setters tests check it.
// Returns [[label, passed, why]].
const out = [];
const COMPONENTS = ["href", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash", "origin"];
for (const t of URL_DATA) {
  if (typeof t !== "object") continue;
  const label = `parse ${JSON.stringify(t.input)}${t.base == null ? "" : " against " + JSON.stringify(t.base)}`;
  let why = "";
  try {
    if (t.failure) {
      let threw = false;
      try { t.base == null ? new URL(t.input) : new URL(t.input, t.base); } catch (e) { threw = e instanceof TypeError; }
      if (!threw) why = "parsed, should fail";
      else if (URL.canParse(t.input, t.base ?? undefined)) why = "canParse is true";
    } else {
      const u = t.base == null ? new URL(t.input) : new URL(t.input, t.base);
      for (const k of COMPONENTS) if (k in t && u[k] !== t[k]) why += `${k} ${JSON.stringify(u[k])} (expected ${JSON.stringify(t[k])}); `;
    }
  } catch (e) { why = "threw " + e; }
  out.push([label, why === "", why]);
}
for (const [setter, cases] of Object.entries(SETTERS_DATA)) {
  if (setter === "comment") continue;
  for (const t of cases) {
    const label = `set ${setter} of ${JSON.stringify(t.href)} to ${JSON.stringify(t.new_value)}`;
    let why = "";
    try {
      const u = new URL(t.href);
      u[setter] = t.new_value;
      for (const [k, v] of Object.entries(t.expected)) if (u[k] !== v) why += `${k} ${JSON.stringify(u[k])} (expected ${JSON.stringify(v)}); `;
    } catch (e) { why = "threw " + e; }
    out.push([label, why === "", why]);
  }
}
return out;
