// The type checker's glue: a TypeScript program over an in-memory compiler host.
// Evaluated once per checker isolate, after typescript.js (which defines `ts`).
//
// The host (typecheck/checker.py) sends JSON calls:
//   {op: "init", lib_dir, libs: {path: text}, types: {path: text}, options}
//   {op: "check", root, entry, text, files: {path: text|null}, dirs: {path: bool}}
// A check answers `{need: {files, dirs}}` when the compiler asked for files the
// host has not told it about yet (the host reads them and calls again), else
// `{diagnostics, wrap, checks}`. The compiler host is synchronous, so files
// cannot be fetched from Python mid-compile: rounds replace on-demand reads.
(function () {
  "use strict";
  const hoody = globalThis.__hoody;
  let state = null;
  const disk = new Map(); // absolute path -> text, or null when the file does not exist
  const dirs = new Map(); // absolute path -> exists
  const parsed = new Map(); // absolute path -> {text, sf}: parse once per content
  let oldProgram;
  let checks = 0;
  let programs = 0;

  function init(p) {
    const converted = ts.convertCompilerOptionsFromJson(p.options, "/");
    if (converted.errors.length) {
      throw new Error(converted.errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("; "));
    }
    const libs = new Map();
    const allowed = new Set(p.globals);
    const removed = [];
    for (const [path, text] of Object.entries(p.libs)) {
      const kept = /\/lib\.webworker[.a-z]*\.d\.ts$/.test(path) ? onlyRuntimeGlobals(path, text, allowed, removed) : text;
      libs.set(path, ts.createSourceFile(path, kept, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS));
    }
    const types = new Map();
    for (const [path, text] of Object.entries(p.types)) {
      types.set(path, ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS));
    }
    // Folders readable besides a check's root (the AI SDK's, for its types).
    const extraRoots = (p.extra_roots || []).map((r) => r.replace(/\/$/, ""));
    state = { root: "/", libDir: p.lib_dir.replace(/\/$/, ""), options: converted.options, libs, types, extraRoots };
    return JSON.stringify({ ok: true, version: ts.version, removed });
  }

  // The web-worker declarations describe a browser worker; the isolate has only
  // what the prelude installs. Global *values* (`declare var`, `declare function`,
  // value namespaces) the runtime does not define are cut out, so using one is a
  // TS2304 rather than a ReferenceError at run time. Interfaces and type aliases
  // stay: kept declarations refer to them, and they define nothing at run time.
  function onlyRuntimeGlobals(path, text, allowed, removed) {
    const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    const cuts = [];
    for (const st of sf.statements) {
      let names = null;
      if (ts.isVariableStatement(st)) names = st.declarationList.declarations.map((d) => d.name.getText(sf));
      else if (ts.isFunctionDeclaration(st) && st.name) names = [st.name.text];
      else if (ts.isModuleDeclaration(st) && ts.isIdentifier(st.name)) names = [st.name.text];
      if (names && names.every((n) => !allowed.has(n))) {
        cuts.push([st.pos, st.end]);
        for (const n of names) if (!removed.includes(n)) removed.push(n);
      }
    }
    let out = "";
    let at = 0;
    for (const [start, end] of cuts) {
      out += text.slice(at, start);
      at = end;
    }
    return out + text.slice(at);
  }

  function inside(dir, path) {
    return path === dir || path.startsWith(dir + "/");
  }

  // A body-style script (no exports) may `return` at the top level: the runtime
  // runs it as the body of an async function. The checked text wraps everything
  // after the last top-level import in such a function, so returns, narrowing
  // after an early return and the returned expressions are all checked; the host
  // maps positions back with `wrap` ({at, length}, UTF-16 offsets).
  const OPEN = "async function __hoody_script() {";
  const CLOSE = "\n}\n";

  function hasTopLevelReturn(node) {
    let found = false;
    const visit = (n) => {
      if (found) return;
      if (ts.isReturnStatement(n)) { found = true; return; }
      if (ts.isFunctionLike(n) || ts.isClassLike(n) || ts.isClassStaticBlockDeclaration(n)) return;
      ts.forEachChild(n, visit);
    };
    ts.forEachChild(node, visit);
    return found;
  }

  function isExported(st) {
    if (ts.isExportDeclaration(st) || ts.isExportAssignment(st)) return true;
    const mods = ts.canHaveModifiers(st) ? ts.getModifiers(st) : undefined;
    return !!mods && mods.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  }

  function wrapBody(fileName, text) {
    const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, scriptKind(fileName));
    let after = 0;
    for (const st of sf.statements) {
      if (isExported(st)) return null;
      if (ts.isImportDeclaration(st) || ts.isImportEqualsDeclaration(st)) after = st.end;
    }
    if (!hasTopLevelReturn(sf)) return null;
    return { text: text.slice(0, after) + OPEN + text.slice(after) + CLOSE, wrap: { at: after, length: OPEN.length } };
  }

  function scriptKind(fileName) {
    if (/\.tsx$/.test(fileName)) return ts.ScriptKind.TSX;
    if (/\.d\.[cm]?ts$|\.[cm]?ts$/.test(fileName)) return ts.ScriptKind.TS;
    if (/\.jsx$/.test(fileName)) return ts.ScriptKind.JSX;
    if (/\.[cm]?js$/.test(fileName)) return ts.ScriptKind.JS;
    if (/\.json$/.test(fileName)) return ts.ScriptKind.JSON;
    return ts.ScriptKind.TS;
  }

  function isUserFile(path) {
    return inside(state.root, path) && !path.includes("/node_modules/");
  }

  function check(p) {
    if (state === null) throw new Error("the checker is not initialised");
    state.root = p.root.replace(/\/$/, "");
    let changed = false;
    for (const [path, text] of Object.entries(p.files || {})) { disk.set(path, text); changed = true; }
    for (const [path, exists] of Object.entries(p.dirs || {})) { dirs.set(path, exists); changed = true; }

    const shaped = wrapBody(p.entry, p.text);
    const overlay = new Map([[p.entry, shaped ? shaped.text : p.text]]);
    const needFiles = new Set();
    const needDirs = new Set();

    const readable = (path) => inside(state.root, path) || state.extraRoots.some((r) => inside(r, path));
    const read = (path) => {
      if (overlay.has(path)) return overlay.get(path);
      if (!readable(path)) return null;
      if (disk.has(path)) return disk.get(path);
      needFiles.add(path);
      return null;
    };
    const host = {
      getSourceFile(fileName, languageVersionOrOptions) {
        const fixed = state.libs.get(fileName) || state.types.get(fileName);
        if (fixed) return fixed;
        const text = read(fileName);
        if (text === null || text === undefined) return undefined;
        const seen = parsed.get(fileName);
        if (seen && seen.text === text) return seen.sf;
        const sf = ts.createSourceFile(fileName, text, languageVersionOrOptions, false, scriptKind(fileName));
        parsed.set(fileName, { text, sf });
        return sf;
      },
      fileExists(fileName) {
        if (state.libs.has(fileName) || state.types.has(fileName)) return true;
        return read(fileName) !== null;
      },
      readFile(fileName) {
        const text = read(fileName);
        return text === null ? undefined : text;
      },
      directoryExists(dir) {
        dir = dir.replace(/\/$/, "");
        if (inside(state.libDir, dir)) return true;
        if (!readable(dir)) return false;
        if (dir === state.root) return true;
        for (const path of overlay.keys()) if (inside(dir, path)) return true;
        if (dirs.has(dir)) return dirs.get(dir);
        needDirs.add(dir);
        return false;
      },
      getDirectories: () => [],
      getDefaultLibFileName: () => state.libDir + "/lib.d.ts",
      getDefaultLibLocation: () => state.libDir,
      writeFile: () => {},
      getCurrentDirectory: () => state.root,
      getCanonicalFileName: (f) => f,
      useCaseSensitiveFileNames: () => true,
      getNewLine: () => "\n",
    };
    const started = Date.now();
    const rootNames = [p.entry, ...state.types.keys()];
    // NOTE: an old program reuses module resolutions of unchanged files, so a file
    // learnt this round would stay unresolved: reuse it only when nothing changed.
    const program = ts.createProgram({ rootNames, options: state.options, host, oldProgram: changed ? undefined : oldProgram });
    programs++;
    if (needFiles.size || needDirs.size) {
      oldProgram = undefined;
      return JSON.stringify({ need: { files: [...needFiles], dirs: [...needDirs] } });
    }
    oldProgram = program;
    checks++;
    const built = Date.now();
    const out = [];
    const push = (d) => {
      out.push({
        file: d.file ? d.file.fileName : null,
        start: d.start === undefined ? null : d.start,
        length: d.length === undefined ? null : d.length,
        code: d.code,
        category: ts.DiagnosticCategory[d.category].toLowerCase(),
        message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
      });
    };
    program.getOptionsDiagnostics().forEach(push);
    program.getGlobalDiagnostics().forEach(push);
    for (const sf of program.getSourceFiles()) {
      if (!isUserFile(sf.fileName)) continue;
      program.getSyntacticDiagnostics(sf).forEach(push);
      program.getSemanticDiagnostics(sf).forEach(push);
    }
    const timing = { program_ms: built - started, diagnostics_ms: Date.now() - built };
    return JSON.stringify({ diagnostics: out, wrap: shaped ? shaped.wrap : null, checks, programs, timing });
  }

  hoody.onCall = async function onCall(payload) {
    const p = JSON.parse(payload);
    if (p.op === "init") return init(p);
    if (p.op === "check") return check(p);
    if (p.op === "stats") return JSON.stringify({ checks, programs, files: disk.size, parsed: parsed.size });
    throw new Error("unknown checker op " + String(p.op));
  };
})();
