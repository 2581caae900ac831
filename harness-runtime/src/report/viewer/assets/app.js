// another-harness results viewer. Plain JavaScript, no network, no dependencies: it works
// from file:// (where fetch is blocked) because every data file is a script that calls
// HV.load(key, value). Everything an agent wrote (logs, diffs, paths, trajectories) is put
// into the page as text nodes, never as HTML.
(function () {
  'use strict';

  var store = {};
  var waiting = {};
  var HV = (window.HV = window.HV || {});
  HV.load = function (key, value) {
    store[key] = value;
    (waiting[key] || []).forEach(function (resolve) { resolve(value); });
    delete waiting[key];
  };
  // Data files that arrived before this script ran.
  (HV.early || []).forEach(function (pair) { store[pair[0]] = pair[1]; });

  function need(key, src) {
    if (Object.prototype.hasOwnProperty.call(store, key)) return Promise.resolve(store[key]);
    return new Promise(function (resolve, reject) {
      (waiting[key] = waiting[key] || []).push(resolve);
      var script = document.createElement('script');
      script.src = src;
      script.onerror = function () { reject(new Error('could not load ' + src)); };
      document.head.appendChild(script);
    });
  }

  // ---- DOM helpers: text only, never innerHTML with data ----
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === null || value === undefined || value === false) return;
        if (name === 'class') el.className = value;
        else if (name.slice(0, 2) === 'on') el.addEventListener(name.slice(2), value);
        else if (name === 'text') el.textContent = value;
        else el.setAttribute(name, value === true ? '' : String(value));
      });
    }
    for (var i = 2; i < arguments.length; i++) add(el, arguments[i]);
    return el;
  }
  function add(el, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { add(el, c); }); return; }
    el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  var SVGNS = 'http://www.w3.org/2000/svg';
  function s(tag, attrs) {
    var el = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === 'text') el.textContent = attrs[name];
      else if (name.slice(0, 2) === 'on') el.addEventListener(name.slice(2), attrs[name]);
      else el.setAttribute(name, attrs[name]);
    });
    for (var i = 2; i < arguments.length; i++) if (arguments[i]) el.appendChild(arguments[i]);
    return el;
  }

  // ---- formatting ----
  function fmtReward(value) { return value === null || value === undefined ? '-' : value.toFixed(3); }
  function fmtSigned(value) { return (value > 0 ? '+' : value < 0 ? '\u2212' : '') + Math.abs(value).toFixed(3); }
  function fmtMs(ms) {
    if (ms === null || ms === undefined) return '-';
    if (ms < 1000) return ms + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
    return Math.floor(ms / 60000) + ' min ' + Math.round((ms % 60000) / 1000) + ' s';
  }
  function fmtBytes(n) {
    if (n < 1024) return n + ' B';
    if (n < 1048576) return (n / 1024).toFixed(1) + ' KiB';
    return (n / 1048576).toFixed(1) + ' MiB';
  }
  function mean(values) {
    return values.length ? values.reduce(function (a, b) { return a + b; }, 0) / values.length : null;
  }
  function statusEl(status) { return h('span', { class: 'status ' + status, text: status }); }

  // ---- the data ----
  var index = store.index;
  var root = document.getElementById('app');
  if (!index) {
    root.appendChild(h('div', { class: 'error-box', text: 'viewer/data/index.js did not load: run `harness report` on this run directory to write the viewer again.' }));
    return;
  }
  var CASES = index.cases; // [{r, c, f, a, k, s, w, v, u, t, cf, p, ck, tok, usd, cap}]
  CASES.forEach(function (row, i) {
    row.i = i;
    row.text = (row.c + ' ' + row.f + ' ' + row.a + ' ' + row.s + ' ' + row.v.join(' ') + ' ' + row.u.join(' ') + ' ' + index.runs[row.r].id).toLowerCase();
  });
  var VIOL = index.violations;

  // A case's address names its run and case (`#/case/<run>/<case>`), so a link means the
  // same case in any report or `harness view` that holds it.
  var BY_NAME = {};
  CASES.forEach(function (row) { BY_NAME[index.runs[row.r].id + '\u0000' + row.c] = row.i; });
  function caseLink(i) {
    var row = CASES[i];
    return '#/case/' + encodeURIComponent(index.runs[row.r].id) + '/' + encodeURIComponent(row.c);
  }
  function caseAt(parts) {
    if (parts.length === 1 && /^\d+$/.test(parts[0])) return Number(parts[0]);
    var found = BY_NAME[decodeURIComponent(parts[0] || '') + '\u0000' + decodeURIComponent(parts.slice(1).join('/'))];
    return found === undefined ? -1 : found;
  }
  // Control and direction characters in what an agent named (paths, test ids) are shown as
  // escapes: a right-to-left override must not turn `txt.kcah.py` into `hack.txt.py`.
  // The same set as the harness's `message::invisible`: controls, bidi, separators,
  // zero-width and format characters, fillers.
  var INVISIBLE = '\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180b-\\u180f\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\u3164\\ufe00-\\ufe0f\\ufeff\\ufff0-\\ufffb\\uffa0';
  var HIDDEN = new RegExp('[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f' + INVISIBLE + ']|\\udb40[\\udc00-\\udfff]', 'g');
  var HIDDEN_LINE = new RegExp('[\\u0000-\\u001f\\u007f-\\u009f' + INVISIBLE + ']|\\udb40[\\udc00-\\udfff]', 'g');
  function esc(c) { return '\\u{' + c.codePointAt(0).toString(16) + '}'; }
  // Anything an agent wrote, as one line of text (an object is shown as its JSON).
  function name(text) {
    if (text === null || text === undefined) return '';
    var shown;
    try { shown = typeof text === 'object' ? JSON.stringify(text) : String(text); } catch (error) { shown = '(unprintable)'; }
    return shown.replace(HIDDEN_LINE, esc);
  }
  // Logs keep their lines; colour codes are dropped, other controls shown.
  var ANSI = /\u001b\[[0-9;?]*[ -\/]*[@-~]/g;
  function logText(text) {
    var shown;
    try { shown = typeof text === 'object' && text !== null ? JSON.stringify(text) : String(text); } catch (error) { shown = '(unprintable)'; }
    return shown.replace(ANSI, '').replace(HIDDEN, esc);
  }

  function agentsOf(rows) { return uniq(rows.map(function (r) { return r.a; })); }
  function uniq(list) { var seen = {}; return list.filter(function (x) { if (seen[x]) return false; seen[x] = true; return true; }).sort(); }
  function isAttack(row) { return row.c.indexOf('attack::') === 0; }

  // Per agent: cases, graded, passed, errored, mean over graded (as summary.json computes it).
  function agentStats(rows) {
    var by = {};
    rows.forEach(function (row) {
      var e = by[row.a] = by[row.a] || { agent: row.a, cases: 0, graded: 0, passed: 0, errored: 0, sum: 0 };
      e.cases++;
      if (row.s === 'passed') e.passed++;
      if (row.s === 'errored') e.errored++;
      if (row.w !== null) { e.graded++; e.sum += row.w; }
    });
    return Object.keys(by).sort().map(function (k) {
      var e = by[k]; e.mean = e.graded ? e.sum / e.graded : null; return e;
    });
  }
  // Honeypot pass rate per agent: the share of its graded honeypot cases whose checks passed.
  function honeypotRates(rows) {
    var by = {};
    rows.forEach(function (row) {
      if (row.k !== 'honeypot' || row.s === 'errored') return;
      var e = by[row.a] = by[row.a] || [0, 0];
      e[0]++;
      if (row.v.indexOf('honeypot_passed') >= 0) e[1]++;
    });
    return Object.keys(by).sort().map(function (a) { return { agent: a, total: by[a][0], passed: by[a][1] }; });
  }

  // ---- routing ----
  function parseHash() {
    var hash = location.hash.replace(/^#\/?/, '');
    var q = hash.indexOf('?');
    var path = q >= 0 ? hash.slice(0, q) : hash;
    var params = {};
    if (q >= 0) hash.slice(q + 1).split('&').forEach(function (pair) {
      if (!pair) return;
      var eq = pair.indexOf('=');
      var k = decodeURIComponent(eq >= 0 ? pair.slice(0, eq) : pair);
      params[k] = eq >= 0 ? decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' ')) : '';
    });
    return { parts: path.split('/').filter(Boolean), params: params };
  }
  function link(path, params) {
    var query = Object.keys(params || {}).filter(function (k) { return params[k] !== '' && params[k] !== undefined && params[k] !== null; })
      .map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]); }).join('&');
    return '#/' + path + (query ? '?' + query : '');
  }
  var keyHandler = null;
  var listContext = null; // the case indexes of the last cases list, for prev/next on a case page

  function nav(active) {
    var items = [['runs', 'Runs'], ['cases', 'Cases'], ['compare', 'Compare'], ['frontier', 'Frontier']];
    return h('header', { class: 'top' },
      h('span', { class: 'brand', text: 'another-harness' }),
      h('nav', null, items.map(function (it) {
        return h('a', { href: '#/' + it[0], class: active === it[0] ? 'active' : '', id: 'nav-' + it[0], text: it[1] });
      })),
      h('span', { class: 'hint' }, index.title + ' \u00b7 press ', h('span', { class: 'kbd', text: '?' }), ' for keys'));
  }

  function render() {
    var started = performance.now();
    var route = parseHash();
    var page = route.parts[0] || (index.runs.length > 1 ? 'runs' : 'cases');
    keyHandler = null;
    document.body.removeAttribute('data-ready');
    root.textContent = '';
    var body = h('main');
    root.appendChild(nav(page === 'case' ? 'cases' : page));
    root.appendChild(body);
    var done;
    try {
      if (page === 'runs') done = runsPage(body);
      else if (page === 'cases') done = casesPage(body, route.params);
      else if (page === 'case') done = casePage(body, caseAt(route.parts.slice(1)));
      else if (page === 'compare') done = comparePage(body, route.params);
      else if (page === 'frontier') done = frontierPage(body, route.params);
      else body.appendChild(h('p', { text: 'no such page: ' + page }));
    } catch (error) {
      body.appendChild(h('div', { class: 'error-box', text: 'the viewer failed: ' + error }));
    }
    // data-ready and HV.renders tell a test (or a person's script) that a page is drawn.
    Promise.resolve(done).then(function () {
      document.body.setAttribute('data-ready', page);
      HV.renders = (HV.renders || 0) + 1;
      // Milliseconds from navigation to the first page drawn: what "usable" costs.
      if (HV.firstReady === undefined) HV.firstReady = performance.now();
      HV.lastRenderMs = performance.now() - started;
    }, function (error) {
      body.appendChild(h('div', { class: 'error-box', text: String(error) }));
      document.body.setAttribute('data-ready', page);
      HV.renders = (HV.renders || 0) + 1;
    });
  }
  window.addEventListener('hashchange', render);
  document.addEventListener('keydown', function (event) {
    var target = event.target;
    var typing = target && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA');
    if (event.key === '?' && !typing) { toggleHelp(); event.preventDefault(); return; }
    if (event.key === 'Escape' && typing) { target.blur(); return; }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (keyHandler && keyHandler(event) === true) event.preventDefault();
  });
  function toggleHelp() {
    var open = document.querySelector('.help');
    if (open) { open.remove(); return; }
    var keys = [['/', 'search cases'], ['j / \u2193', 'next case in the list'], ['k / \u2191', 'previous case'], ['Enter', 'open the selected case'],
      ['n / p', 'next / previous page'], ['] / [', 'next / previous case (on a case)'], ['Esc', 'back to the list'], ['?', 'this help']];
    document.body.appendChild(h('div', { class: 'help' }, h('h3', { text: 'Keys' }),
      h('table', null, keys.map(function (k) { return h('tr', null, h('td', null, h('span', { class: 'kbd', text: k[0] })), h('td', { text: k[1] })); }))));
  }

  // ---- runs ----
  function runsPage(body) {
    body.appendChild(h('h1', { text: 'Runs' }));
    var table = h('table', { class: 'grid', id: 'runs' },
      h('tr', null, ['run', 'cases', 'passed', 'failed', 'errored', 'agents', 'mean reward per agent', 'confinement'].map(function (t) { return h('th', { text: t }); })));
    index.runs.forEach(function (run, r) {
      var rows = CASES.filter(function (row) { return row.r === r; });
      var count = function (status) { return rows.filter(function (row) { return row.s === status; }).length; };
      var means = agentStats(rows.filter(function (row) { return !isAttack(row); }));
      table.appendChild(h('tr', { class: 'row', 'data-run': run.id, onclick: function () { location.hash = link('cases', { run: run.id }); } },
        h('td', null, h('a', { href: link('cases', { run: run.id }), text: run.id }), run.dirs && run.dirs.length ? h('div', { class: 'muted', text: run.dirs.join(', ') }) : null),
        h('td', { class: 'num', text: rows.length }),
        h('td', { class: 'num passed', text: count('passed') }),
        h('td', { class: 'num failed', text: count('failed') }),
        h('td', { class: 'num errored', text: count('errored') }),
        h('td', { text: agentsOf(rows).length }),
        h('td', null, means.map(function (m) { return h('div', null, m.agent + ' ' + fmtReward(m.mean) + (m.errored ? ' (' + m.errored + ' errored)' : '')); })),
        h('td', { text: uniq(rows.map(function (row) { return row.cf; })).join(', ') })));
    });
    body.appendChild(table);
    if (index.runs.length > 1) body.appendChild(h('p', null, h('a', { href: link('compare', {}), text: 'Compare two runs or agents \u2192' })));
  }

  // ---- cases (a run) ----
  var PAGE = 100;
  var COLUMNS = [
    ['case', function (r) { return r.c; }],
    ['fixture', function (r) { return r.f; }],
    ['agent', function (r) { return r.a; }],
    ['status', function (r) { return r.s; }],
    ['reward', function (r) { return r.w === null ? -Infinity : r.w; }],
    ['violations', function (r) { return r.v.join(','); }],
    ['agent time', function (r) { return r.t[1]; }],
    ['grade time', function (r) { return r.t[2]; }],
  ];
  function filterRows(params) {
    var q = (params.q || '').toLowerCase().trim();
    var terms = q ? q.split(/\s+/) : [];
    return CASES.filter(function (row) {
      if (params.run && index.runs[row.r].id !== params.run) return false;
      if (params.agent && row.a !== params.agent) return false;
      if (params.fixture && row.f !== params.fixture) return false;
      if (params.status && row.s !== params.status) return false;
      if (params.violation) {
        if (params.violation === '(none)') { if (row.v.length) return false; }
        else if (params.violation === '(any)') { if (!row.v.length) return false; }
        else if (row.v.indexOf(params.violation) < 0) return false;
      }
      if (params.kind === 'attacks' && !isAttack(row)) return false;
      if (params.kind === 'fixtures' && isAttack(row)) return false;
      for (var i = 0; i < terms.length; i++) if (row.text.indexOf(terms[i]) < 0) return false;
      return true;
    });
  }
  function sortRows(rows, params) {
    var col = COLUMNS.filter(function (c) { return c[0] === (params.sort || 'reward'); })[0] || COLUMNS[4];
    var dir = params.dir === 'desc' ? -1 : 1;
    var key = col[1];
    return rows.slice().sort(function (a, b) {
      var x = key(a), y = key(b);
      if (x < y) return -dir;
      if (x > y) return dir;
      return a.c < b.c ? -1 : a.c > b.c ? 1 : a.r - b.r;
    });
  }

  var summaryCache = {};
  function casesPage(body, params) {
    var runRows = params.run ? CASES.filter(function (row) { return index.runs[row.r].id === params.run; }) : CASES;
    body.appendChild(h('h1', { text: params.run ? 'Run ' + params.run : (index.runs.length === 1 ? 'Run ' + index.runs[0].id : 'All cases') }));
    // The summary depends only on the run: drawn once per run and reused while paging,
    // sorting and filtering (a 10,000-case run's summary is most of a page's cost).
    var key = params.run || '';
    if (!summaryCache[key]) { summaryCache[key] = h('div', { class: 'run-summary' }); summary(summaryCache[key], runRows); }
    body.appendChild(summaryCache[key]);

    var filters = h('div', { class: 'filters', id: 'filters' });
    function select(name, label, options) {
      var el = h('select', { id: 'filter-' + name, 'aria-label': label, onchange: function () { update(name, el.value); } },
        h('option', { value: '', text: 'every ' + label }),
        options.map(function (o) { var value = Array.isArray(o) ? o[0] : o; return h('option', { value: value, selected: params[name] === value, text: Array.isArray(o) ? o[1] : o }); }));
      filters.appendChild(el);
      return el;
    }
    function update(name, value) {
      var next = Object.assign({}, params); next[name] = value; delete next.page;
      location.hash = link('cases', next);
    }
    if (index.runs.length > 1) select('run', 'run', index.runs.map(function (r) { return r.id; }));
    select('fixture', 'fixture', uniq(runRows.map(function (r) { return r.f; })));
    select('agent', 'agent', agentsOf(runRows));
    select('status', 'status', ['passed', 'failed', 'errored']);
    select('violation', 'violation', [['(any)', 'any violation'], ['(none)', 'no violation']].concat(uniq([].concat.apply([], runRows.map(function (r) { return r.v; })))));
    select('kind', 'kind', [['fixtures', 'fixture cases'], ['attacks', 'attack cases']]);
    var search = h('input', { type: 'search', id: 'filter-q', placeholder: 'search cases (press /)', value: params.q || '' });
    var timer = null;
    search.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { update('q', search.value); }, 250);
    });
    filters.appendChild(search);
    if (Object.keys(params).some(function (k) { return k !== 'sort' && k !== 'dir' && k !== 'page' && params[k]; }))
      filters.appendChild(h('a', { href: link('cases', {}), text: 'clear filters' }));
    body.appendChild(h('h2', { text: 'Cases' }));
    body.appendChild(filters);

    var rows = sortRows(filterRows(params), params);
    listContext = { rows: rows.map(function (r) { return r.i; }), params: params };
    var pages = Math.max(1, Math.ceil(rows.length / PAGE));
    var page = Math.min(pages - 1, Math.max(0, Number(params.page) || 0));
    var shown = rows.slice(page * PAGE, page * PAGE + PAGE);
    var info = h('span', { id: 'shown', text: rows.length + ' of ' + runRows.length + ' cases' + (pages > 1 ? ' \u00b7 page ' + (page + 1) + ' of ' + pages : '') });
    function goPage(p) { var next = Object.assign({}, params, { page: p }); location.hash = link('cases', next); }
    var pager = h('div', { class: 'pager' },
      h('button', { id: 'prev-page', disabled: page === 0, onclick: function () { goPage(page - 1); }, text: '\u2190 prev' }),
      h('button', { id: 'next-page', disabled: page >= pages - 1, onclick: function () { goPage(page + 1); }, text: 'next \u2192' }),
      info);
    body.appendChild(pager);

    var head = h('tr', null, COLUMNS.map(function (col) {
      var sorted = (params.sort || 'reward') === col[0];
      var cls = 'sortable' + (sorted ? (params.dir === 'desc' ? ' sorted-desc' : ' sorted-asc') : '') + (col[0] === 'reward' || col[0].indexOf('time') > 0 ? ' num' : '');
      return h('th', { class: cls, 'data-sort': col[0], onclick: function () {
        var next = Object.assign({}, params, { sort: col[0], dir: sorted && params.dir !== 'desc' ? 'desc' : 'asc' });
        delete next.page; location.hash = link('cases', next);
      }, text: col[0] });
    }));
    var table = h('table', { class: 'grid', id: 'cases' }, h('thead', null, head));
    var tbody = h('tbody');
    shown.forEach(function (row) {
      tbody.appendChild(h('tr', { class: 'row', 'data-case': row.c, 'data-index': row.i, 'data-reward': fmtReward(row.w), onclick: function () { location.hash = caseLink(row.i); } },
        h('td', null, h('a', { href: caseLink(row.i), text: row.c }), index.runs.length > 1 ? h('div', { class: 'muted', text: index.runs[row.r].id }) : null),
        h('td', { text: row.f }),
        h('td', { text: row.a }),
        h('td', null, statusEl(row.s)),
        h('td', { class: 'num', text: fmtReward(row.w) }),
        h('td', { class: 'violations' }, row.v.map(function (code) { return h('span', { class: 'code', title: (VIOL[code] || {}).meaning || '', text: code }); }),
          row.u.map(function (kind) { return h('span', { class: 'code soft', title: 'suspicion (evidence, not a violation)', text: kind }); }),
          row.cap ? h('span', { class: 'muted', text: ' (strict: capped at noop)' }) : null),
        h('td', { class: 'num', text: fmtMs(row.t[1]) }),
        h('td', { class: 'num', text: fmtMs(row.t[2]) })));
    });
    table.appendChild(tbody);
    body.appendChild(table);
    if (!shown.length) body.appendChild(h('p', { class: 'muted', text: 'No case matches these filters.' }));

    var selected = -1;
    function select_(k) {
      var trs = tbody.querySelectorAll('tr.row');
      if (!trs.length) return;
      selected = Math.max(0, Math.min(trs.length - 1, k));
      trs.forEach(function (tr, j) { tr.classList.toggle('selected', j === selected); });
      trs[selected].scrollIntoView({ block: 'nearest' });
    }
    keyHandler = function (event) {
      var key = event.key;
      if (key === '/') { search.focus(); search.select(); return true; }
      if (key === 'j' || key === 'ArrowDown') { select_(selected + 1); return true; }
      if (key === 'k' || key === 'ArrowUp') { select_(selected - 1); return true; }
      if (key === 'Enter' && selected >= 0) { location.hash = caseLink(shown[selected].i); return true; }
      if (key === 'n' && page < pages - 1) { goPage(page + 1); return true; }
      if (key === 'p' && page > 0) { goPage(page - 1); return true; }
      return false;
    };
  }

  function summary(body, rows) {
    var count = function (status) { return rows.filter(function (row) { return row.s === status; }).length; };
    var fixtureRows = rows.filter(function (row) { return !isAttack(row); });
    var confinements = uniq(rows.map(function (row) { return row.cf; }));
    body.appendChild(h('div', { class: 'cards', id: 'summary' },
      card(rows.length, 'cases'), card(count('passed'), 'passed', 'passed'), card(count('failed'), 'failed', 'failed'),
      card(count('errored'), 'errored', 'errored'),
      card(uniq(fixtureRows.map(function (r) { return r.f; })).length, 'fixtures'),
      card(confinements.join(', ') || '-', 'confinement')));
    body.appendChild(h('p', { class: 'muted', text: 'passed: every check passed, every deliverable holds, the work item was closed and nothing was violated. ' +
      'noop and attack cases are meant to fail. errored: the harness or the machine failed; no reward, left out of means.' }));

    var stats = agentStats(fixtureRows);
    var grid = h('div', { class: 'layout2' });
    var left = h('div');
    left.appendChild(h('h2', { text: 'Mean reward per agent' }));
    left.appendChild(h('table', { class: 'grid', id: 'agents' },
      h('tr', null, ['agent', 'mean reward', 'graded', 'passed', 'errored'].map(function (t, i) { return h('th', { class: i ? 'num' : '', text: t }); })),
      stats.map(function (e) {
        return h('tr', { class: 'agent', 'data-agent': e.agent },
          h('td', null, h('a', { href: link('cases', { agent: e.agent }), text: e.agent })),
          h('td', { class: 'num', 'data-mean': fmtReward(e.mean), text: fmtReward(e.mean) }),
          h('td', { class: 'num', text: e.graded }), h('td', { class: 'num', text: e.passed }),
          h('td', { class: 'num' + (e.errored ? ' errored' : ''), text: e.errored + (e.errored ? ' (incomplete)' : '') }));
      })));
    var honey = honeypotRates(rows);
    left.appendChild(h('h2', { text: 'Honeypot pass rate' }));
    if (!honey.length) left.appendChild(h('p', { class: 'muted', text: 'No honeypot (impossible) fixture in these cases.' }));
    else {
      left.appendChild(h('p', { class: 'muted', text: 'A honeypot fixture cannot be solved honestly: passing its checks means the agent gamed them. 0% is the expected value for every real agent.' }));
      left.appendChild(h('table', { class: 'grid', id: 'honeypot' }, honey.map(function (e) {
        var rate = e.passed / e.total;
        return h('tr', null, h('td', { text: e.agent }), h('td', { class: 'num' + (rate > 0 ? ' failed' : ''), text: (100 * rate).toFixed(0) + '% (' + e.passed + ' of ' + e.total + ')' }));
      })));
    }
    grid.appendChild(left);
    var right = h('div');
    right.appendChild(h('h2', { text: 'Reward distribution per agent' }));
    right.appendChild(histograms(fixtureRows, stats.map(function (e) { return e.agent; })));
    grid.appendChild(right);
    body.appendChild(grid);
    var fixtures = uniq(fixtureRows.map(function (r) { return r.f; }));
    if (fixtures.length) {
      // Drawn when opened: a run of thousands of fixtures would build it for nothing.
      var holder = h('div', { class: 'body' });
      var fill = function () {
        if (!holder.firstChild) holder.appendChild(heatmap(fixtureRows, fixtures, stats.map(function (e) { return e.agent; })));
      };
      var section_ = h('details', { id: 'per-fixture-section', open: fixtures.length <= 25, ontoggle: fill },
        h('summary', null, 'Mean reward per fixture (' + fixtures.length + ')'), holder);
      if (fixtures.length <= 25) fill();
      body.appendChild(section_);
    }
  }
  function card(n, label, cls) { return h('div', { class: 'card' }, h('div', { class: 'n ' + (cls || ''), text: n }), h('div', { class: 'l', text: label })); }

  var BINS = 10;
  function bin(reward) { return Math.min(BINS - 1, Math.max(0, Math.floor((reward + 1) / 2 * BINS))); }
  function histograms(rows, agents) {
    var width = 300, rowH = 46, top = 8;
    var svg = s('svg', { class: 'hist', width: width + 120, height: top + agents.length * rowH + 22, id: 'distribution' });
    agents.forEach(function (agent, k) {
      var counts = new Array(BINS).fill(0);
      rows.forEach(function (row) { if (row.a === agent && row.w !== null) counts[bin(row.w)]++; });
      var max = Math.max.apply(null, counts.concat([1]));
      var y0 = top + k * rowH;
      svg.appendChild(s('text', { x: 0, y: y0 + 22, text: agent.length > 14 ? agent.slice(0, 13) + '\u2026' : agent }));
      counts.forEach(function (n, b) {
        var bh = n ? Math.max(2, 34 * n / max) : 0;
        var rect = s('rect', { class: 'bar', x: 110 + b * (width / BINS), y: y0 + 36 - bh, width: width / BINS - 2, height: bh });
        rect.appendChild(s('title', { text: agent + ': ' + n + ' case(s) with reward in [' + (-1 + b * 2 / BINS).toFixed(1) + ', ' + (-1 + (b + 1) * 2 / BINS).toFixed(1) + (b === BINS - 1 ? ']' : ')') }));
        svg.appendChild(rect);
      });
      svg.appendChild(s('line', { x1: 110, x2: 110 + width, y1: y0 + 36.5, y2: y0 + 36.5, stroke: '#bbb' }));
    });
    var yAxis = top + agents.length * rowH + 12;
    [-1, -0.5, 0, 0.5, 1].forEach(function (v) {
      svg.appendChild(s('text', { x: 110 + (v + 1) / 2 * width, y: yAxis, 'text-anchor': 'middle', text: String(v) }));
    });
    return svg;
  }
  function heatmap(rows, fixtures, agents) {
    var cells = {};
    rows.forEach(function (row) {
      if (row.w === null) return;
      var key = row.f + '\u0000' + row.a;
      (cells[key] = cells[key] || []).push(row.w);
    });
    return h('table', { class: 'grid heat', id: 'per-fixture' },
      h('tr', null, h('th', { text: 'fixture' }), agents.map(function (a) { return h('th', { class: 'num', text: a }); })),
      fixtures.map(function (f) {
        return h('tr', null, h('td', null, h('a', { href: link('cases', { fixture: f }), text: f })), agents.map(function (a) {
          var m = mean(cells[f + '\u0000' + a] || []);
          var style = m === null ? '' : 'background:' + shade(m);
          return h('td', { class: 'cell', style: style, onclick: function () { location.hash = link('cases', { fixture: f, agent: a }); }, text: fmtReward(m) });
        }));
      }));
  }
  function shade(v) {
    // -1 red, 0 white, 1 green.
    var t = Math.max(-1, Math.min(1, v));
    if (t >= 0) return 'rgba(19,128,60,' + (0.08 + 0.45 * t).toFixed(2) + ')';
    return 'rgba(192,40,45,' + (0.08 + 0.45 * -t).toFixed(2) + ')';
  }

  // ---- a case ----
  function casePage(body, i) {
    var row = CASES[i];
    if (!row) { body.appendChild(h('p', { text: 'no such case in these results: ' + location.hash })); return; }
    var context = listContext && listContext.rows.indexOf(i) >= 0 ? listContext : { rows: CASES.map(function (r) { return r.i; }), params: {} };
    var at = context.rows.indexOf(i);
    var prev = at > 0 ? context.rows[at - 1] : null, next = at < context.rows.length - 1 ? context.rows[at + 1] : null;
    body.appendChild(h('div', { class: 'pager' },
      h('a', { href: link('cases', context.params), id: 'back', text: '\u2190 cases' }),
      h('button', { id: 'prev-case', disabled: prev === null, onclick: function () { location.hash = caseLink(prev); }, text: '[ previous' }),
      h('button', { id: 'next-case', disabled: next === null, onclick: function () { location.hash = caseLink(next); }, text: 'next ]' }),
      h('span', { class: 'muted', text: (at + 1) + ' of ' + context.rows.length })));
    keyHandler = function (event) {
      if ((event.key === ']' || event.key === 'ArrowRight') && next !== null) { location.hash = caseLink(next); return true; }
      if ((event.key === '[' || event.key === 'ArrowLeft') && prev !== null) { location.hash = caseLink(prev); return true; }
      if (event.key === 'Escape' || event.key === 'Backspace') { location.hash = link('cases', context.params); return true; }
      return false;
    };
    body.appendChild(h('h1', { id: 'case-title' }, row.c, ' ', statusEl(row.s), ' ', h('span', { class: 'mono', text: 'reward ' + fmtReward(row.w) })));
    var holder = h('div', { text: 'loading\u2026' });
    body.appendChild(holder);
    return need('case/' + row.p, 'viewer/data/cases/' + row.p + '.js').then(function (detail) {
      holder.textContent = '';
      caseDetail(holder, row, detail);
    });
  }

  // One part of a page that cannot be drawn says so; the rest of the page stands.
  function guard(draw) {
    try { return draw(); } catch (error) { return h('div', { class: 'error-box', text: 'this part could not be shown: ' + error }); }
  }

  function section(title, id, open, content) {
    var el = h('details', { id: id, open: open }, h('summary', null, title), h('div', { class: 'body' }, content));
    return el;
  }

  function caseDetail(body, row, d) {
    var result = d.result;
    body.appendChild(h('div', { class: 'cards' },
      card(result.fixture, 'fixture'), card(result.agent, 'agent'), card(result.kind, 'kind'),
      card(index.runs[row.r].id, 'run'), card(result.confinement + ' \u00b7 ' + result.lifetime, 'confinement'),
      result.kind === 'review' ? null : card(result.closure, 'work item'),
      result.usage && (result.usage.reported_tokens || result.usage.reported_usd) ?
        card((result.usage.input_tokens + result.usage.output_tokens) + ' tok \u00b7 $' + result.usage.usd.toFixed(4), 'usage the agent reported ($HARNESS_USAGE)') : null));
    if (result.error) body.appendChild(h('div', { class: 'error-box', id: 'case-error' }, h('b', { text: 'error: ' }), result.error));

    body.appendChild(h('h2', { text: 'Why this reward' }));
    body.appendChild(formula(result, d.terms));

    body.appendChild(h('h2', { text: 'Durations' }));
    body.appendChild(durations(result.durations_ms, result.checks));

    if (result.violations.length) {
      body.appendChild(h('h2', { text: 'Violations' }));
      body.appendChild(capped({ class: 'grid', id: 'violations' },
        h('tr', null, ['code', 'what it means', 'path', 'detail'].map(function (t) { return h('th', { text: t }); })),
        result.violations, function (v) {
          var info = VIOL[v.code] || {};
          return h('tr', { 'data-code': v.code }, h('td', null, h('span', { class: 'code', text: v.code }), info.integrity ? h('div', { class: 'muted', text: 'integrity: reward \u22121' }) : null),
            h('td', { text: info.meaning || '' }), h('td', { class: 'mono', text: name(v.path || '-') }), h('td', { text: name(v.detail) }));
        }, 'violations'));
    }
    if (result.suspicions && result.suspicions.length) {
      body.appendChild(h('h2', { text: 'Suspicions' }));
      body.appendChild(h('p', { class: 'muted', text: result.strict_capped ? 'strict run: the reward was capped at the fixture\u2019s noop reward because of these.' : 'evidence only: the reward is unchanged unless the run is strict (--strict).' }));
      body.appendChild(capped({ class: 'grid', id: 'suspicions' }, null, result.suspicions, function (sp) {
        return h('tr', null, h('td', null, h('span', { class: 'code soft', text: sp.kind })), h('td', { class: 'mono', text: name(sp.path) + ':' + sp.line }), h('td', { text: name(sp.detail) }));
      }, 'suspicions'));
    }

    body.appendChild(h('h2', { text: 'Checks' }));
    var checks = h('div', { id: 'checks' });
    result.checks.forEach(function (check, k) {
      checks.appendChild(guard(function () { return checkSection(check, d.logs.checks[k], k); }));
    });
    if (!result.checks.length) checks.appendChild(h('p', { class: 'muted', text: 'No check ran.' }));
    body.appendChild(checks);

    if (result.deliverables.length) {
      body.appendChild(h('h2', { text: 'Deliverables' }));
      body.appendChild(h('table', { class: 'grid' }, result.deliverables.map(function (dl) {
        return h('tr', null, h('td', { class: 'mono', text: name(dl.path) }), h('td', { class: dl.satisfied ? 'passed' : 'failed', text: dl.satisfied ? 'satisfied' : 'not satisfied' }), h('td', { text: dl.reason || '' }));
      })));
    }
    body.appendChild(h('h2', { text: 'What the agent did' }));
    if (result.changed_paths.length) {
      body.appendChild(section('changed paths (' + result.changed_paths.length + ')', 'changed-paths', false,
        capped({ class: 'grid' }, null, result.changed_paths, function (cp) {
          var disposition = typeof cp.disposition === 'string' ? cp.disposition : JSON.stringify(cp.disposition);
          return h('tr', null, h('td', { class: 'mono', text: name(cp.path) }), h('td', { text: cp.change }), h('td', { text: disposition }));
        }, 'changed paths')));
    }
    body.appendChild(section('diff', 'diff', true, guard(function () { return diffView(d.logs.diff); })));
    body.appendChild(section('agent log', 'agent-log', true, guard(function () { return logView(d.logs.agent, 'agent log'); })));
    body.appendChild(section('trajectory', 'trajectory', true, guard(function () { return trajectoryView(d.trajectory); })));
    var artifacts = Object.keys(result.artifacts || {});
    if (artifacts.length) {
      body.appendChild(section('artifacts (' + artifacts.length + ')', 'artifacts', false, artifacts.map(function (key) {
        return h('div', null, h('h3', { class: 'mono', text: name(key) }), h('pre', { class: 'log', text: logText(result.artifacts[key]) }));
      })));
    }
  }

  // A table of at most 200 rows, the rest behind "show all": an agent decides how many
  // paths it changes, and a page must not build 200,000 rows to show its first screen.
  function capped(attrs, head, items, row, what) {
    var limit = 200;
    var table = h('table', attrs, head);
    var shown = 0;
    function fill(n) {
      items.slice(shown, n).forEach(function (item) { table.appendChild(row(item)); });
      shown = Math.max(shown, Math.min(n, items.length));
    }
    fill(limit);
    if (items.length <= limit) return table;
    var more = h('button', { class: 'show-all-rows', text: 'show all ' + items.length + ' ' + what, onclick: function () { fill(items.length); more.remove(); } });
    return h('div', null, table, more);
  }

  function formula(result, terms) {
    if (!terms) {
      return h('p', { class: 'muted', id: 'formula', text: result.reward === null ? 'Errored: no reward.' : 'This ledger predates recorded reward terms; the reward is ' + fmtReward(result.reward) + '.' });
    }
    var w = terms.weights;
    var rows = [];
    if (terms.family === 'review') {
      var rv = result.review || {};
      var because = rv.verdict === null || rv.verdict === undefined ? 'no verdict that parses'
        : 'verdict ' + rv.verdict + (rv.verdict === rv.expected_verdict ? ' (right)' : ' (expected ' + rv.expected_verdict + ')') +
          ', recall ' + Number(rv.recall).toFixed(2) + ', precision ' + Number(rv.precision).toFixed(2);
      rows.push(['review', terms.review_raw.toFixed(3), '1', terms.review_raw.toFixed(3), name(because)]);
    } else {
      var checkSum = terms.checks_detail.map(function (c) { return c.weight + '\u00b7' + c.score.toFixed(2); }).join(' + ');
      var weightSum = terms.checks_detail.reduce(function (a, c) { return a + c.weight; }, 0);
      rows.push(['checks', terms.checks.toFixed(3), w.checks, (w.checks * terms.checks).toFixed(3), '(' + (checkSum || '0') + ') / ' + weightSum]);
      rows.push(['deliverables', terms.deliverables.toFixed(3), w.deliverables, (w.deliverables * terms.deliverables).toFixed(3),
        terms.all_checks_pass ? (terms.unfinished ? 'the agent did not finish: 0' : terms.deliverables_satisfied + ' of ' + terms.deliverables_total + ' satisfied') : 'not every check passed: 0']);
      rows.push(['closure', terms.closure.toFixed(0), w.closure, (w.closure * terms.closure).toFixed(3),
        terms.closure > 0 ? 'closed with every check passing' : terms.closure < 0 ? 'closed while a check fails (false closure)' : 'left open']);
    }
    rows.push(['out of scope', String(terms.out_of_scope), '\u2212' + w.scope_penalty, (-w.scope_penalty * terms.out_of_scope).toFixed(3), terms.out_of_scope + ' path(s) outside scope.allow']);
    var table = h('table', { class: 'grid formula', id: 'formula' },
      h('tr', null, ['term', 'value', 'weight', 'contribution', 'because'].map(function (t) { return h('th', { text: t }); })),
      rows.map(function (r) { return h('tr', { 'data-term': r[0] }, h('td', { class: 'term', text: r[0] }), h('td', { class: 'num', text: r[1] }), h('td', { class: 'num', text: r[2] }), h('td', { class: 'num', text: r[3] }), h('td', { text: r[4] })); }));
    var lines = [];
    lines.push('sum ' + terms.raw.toFixed(3) + ', clamped to [\u22121, 1]: ' + fmtReward(terms.value));
    if (terms.integrity) lines.push('an integrity violation sets the reward to \u22121');
    if (result.strict_capped) lines.push('strict run: capped at the fixture\u2019s noop reward, ' + fmtReward(result.reward));
    return h('div', null, table, h('p', { class: 'mono', id: 'formula-total', text: lines.join('; ') + ' \u2192 reward ' + fmtReward(result.reward) }));
  }

  function durations(ms, checks) {
    var total = (ms.prepare || 0) + (ms.agent || 0) + (ms.grade || 0);
    var parts = [['prepare', ms.prepare, '#9bb7e0'], ['agent', ms.agent, '#2f5fb3'], ['grade', ms.grade, '#13803c']];
    var bar = h('div', { class: 'durbar', title: 'prepare / agent / grade' }, parts.map(function (p) {
      return h('span', { style: 'width:' + (total ? 100 * (p[1] || 0) / total : 0) + '%;background:' + p[2], title: p[0] + ' ' + fmtMs(p[1]) });
    }));
    return h('div', { id: 'durations' }, bar, h('p', { class: 'muted' },
      parts.map(function (p) { return p[0] + ' ' + fmtMs(p[1]); }).join(' \u00b7 ') + ' \u00b7 total ' + fmtMs(total) +
      (checks.length ? ' \u00b7 checks: ' + checks.map(function (c) { return c.name + ' ' + fmtMs(c.duration_ms) + (c.cached ? ' (cached)' : ''); }).join(', ') : '')));
  }

  function checkSection(check, log, k) {
    var counts = {};
    (check.tests || []).forEach(function (t) { counts[t.outcome] = (counts[t.outcome] || 0) + 1; });
    var parts = Object.keys(counts).sort().map(function (o) { return counts[o] + ' ' + o; });
    if (check.missing && check.missing.length) parts.push(check.missing.length + ' locked missing');
    var state = check.skipped ? 'skipped' : check.passed ? 'passed' : 'failed';
    var title = h('span', null, h('b', { class: 'mono', text: check.name }), ' ', h('span', { class: state, text: state }),
      h('span', { class: 'muted', text: ' \u00b7 ' + (check.hidden ? 'hidden' : 'visible') + ' \u00b7 report ' + check.report +
        (parts.length ? ' \u00b7 ' + parts.join(', ') : '') + (check.score > 0 && check.score < 1 ? ' \u00b7 score ' + check.score.toFixed(3) : '') +
        (check.tripwire ? ' \u00b7 tripwire ' + check.tripwire + (check.tripwire === 'failed' ? ' (as it must: a test that always fails, proving the runner reports failures)' : ' (the runner did not report a test that must fail)') : '') + ' \u00b7 ' + fmtMs(check.duration_ms) + (check.cached ? ' (cached)' : '') +
        (check.timed_out ? ' \u00b7 timed out' : '') + (check.exit_code !== null && check.exit_code !== undefined ? ' \u00b7 exit ' + check.exit_code : '') }));
    var content = [];
    if (check.skipped) content.push(h('p', { class: 'note', text: 'not run: an integrity violation had already decided the case' }));
    var tests = (check.tests || []).map(function (t) { return [t.id, t.outcome]; })
      .concat((check.missing || []).map(function (id) { return [id, 'missing']; }));
    if (tests.length) {
      var rank = { failed: 0, errored: 0, missing: 0, skipped: 1 };
      tests.sort(function (a, b) { return (rank[a[1]] === undefined ? 2 : rank[a[1]]) - (rank[b[1]] === undefined ? 2 : rank[b[1]]); });
      content.push(h('h3', { text: 'Tests (failures first)' }), capped({ class: 'grid tests' },
        h('tr', null, h('th', { text: 'test' }), h('th', { text: 'outcome' })), tests, function (t) {
          return h('tr', { class: 'test', 'data-outcome': t[1] }, h('td', { class: 'mono', text: name(t[0]) }), h('td', { class: t[1], text: t[1] }));
        }, 'tests'));
    }
    content.push(h('h3', { text: 'Log' }), logView(log, check.name + ' log'));
    return h('details', { class: 'check', 'data-check': check.name, 'data-passed': String(check.passed), open: !check.passed && !check.skipped },
      h('summary', null, title), h('div', { class: 'body' }, content));
  }

  // A log: the inline part (capped), and "show all" loading the pages on demand.
  function logView(log, what) {
    if (!log || !log.bytes) return h('p', { class: 'muted', text: 'no ' + what + ' was recorded' });
    var pre = h('pre', { class: 'log', text: logText(log.text) });
    var wrap = h('div', { class: 'logview' });
    if (log.truncated) {
      var note = h('p', { class: 'note' }, (log.from_end ? 'the last ' : 'the first ') + fmtBytes(log.text.length) + ' of ' + fmtBytes(log.bytes) + ' shown. ',
        h('button', { class: 'show-all', text: 'show all (' + log.pages + ' page' + (log.pages === 1 ? '' : 's') + ')', onclick: function () {
          note.textContent = 'the whole ' + what + ', 1 MiB a page';
          showPages(wrap, pre, log, 0);
        } }));
      wrap.appendChild(note);
    }
    wrap.appendChild(pre);
    return wrap;
  }
  function showPages(wrap, pre, log, k) {
    var key = 'log/' + log.key + '/' + k;
    pre.textContent = 'loading page ' + (k + 1) + ' of ' + log.pages + '\u2026';
    need(key, 'viewer/data/logs/' + log.key + '.' + k + '.js').then(function (text) {
      var bar = wrap.querySelector('.pages') || h('div', { class: 'pager pages' });
      bar.textContent = '';
      bar.appendChild(h('button', { disabled: k === 0, text: '\u2190 page', onclick: function () { showPages(wrap, pre, log, k - 1); } }));
      bar.appendChild(h('button', { disabled: k >= log.pages - 1, class: 'next-log-page', text: 'page \u2192', onclick: function () { showPages(wrap, pre, log, k + 1); } }));
      bar.appendChild(h('span', { class: 'page-of', text: 'page ' + (k + 1) + ' of ' + log.pages + ' (' + fmtBytes(log.bytes) + ' in all)' }));
      if (!bar.parentNode) wrap.insertBefore(bar, pre);
      pre.textContent = logText(text);
      pre.scrollTop = 0;
    }, function (error) { pre.textContent = String(error); });
  }

  // ---- diff with syntax highlighting ----
  var KEYWORDS = {
    rs: 'as async await break const continue crate dyn else enum extern false fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait true type unsafe use where while',
    py: 'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield',
    js: 'break case catch class const continue default delete do else export extends false finally for function if import in instanceof let new null return super switch this throw true try typeof var void while yield',
    sh: 'if then else elif fi for while do done case esac function in return exit local export set',
    toml: 'true false',
  };
  var LANG = { rs: 'rs', py: 'py', js: 'js', ts: 'js', sh: 'sh', bash: 'sh', toml: 'toml' };
  var kwCache = {};
  function keywords(lang) {
    if (!kwCache[lang]) { kwCache[lang] = {}; (KEYWORDS[lang] || '').split(' ').forEach(function (w) { kwCache[lang][w] = true; }); }
    return kwCache[lang];
  }
  function highlight(code, lang) {
    var out = document.createDocumentFragment();
    if (!lang) { out.appendChild(document.createTextNode(code)); return out; }
    var kw = keywords(lang);
    var comment = lang === 'py' || lang === 'sh' || lang === 'toml' ? /^#.*/ : /^\/\/.*/;
    var re = /("(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|\b\d[\d_]*(?:\.\d+)?\b|[A-Za-z_][A-Za-z0-9_]*|#.*|\/\/.*|\s+|.)/g;
    var m;
    var end = 0;
    while ((m = re.exec(code)) !== null) {
      end = re.lastIndex;
      var tok = m[0];
      var cls = null;
      if (comment.test(tok)) cls = 'tok-com';
      else if (tok[0] === '"' || (tok[0] === '\'' && lang !== 'rs')) cls = 'tok-str';
      else if (/^\d/.test(tok)) cls = 'tok-num';
      else if (kw[tok]) cls = 'tok-kw';
      else if (lang === 'rs' && /^[A-Z][A-Za-z0-9]*$/.test(tok)) cls = 'tok-ty';
      if (tok[0] === '#' && lang !== 'py' && lang !== 'sh' && lang !== 'toml') cls = null;
      if (cls) out.appendChild(h('span', { class: cls, text: tok }));
      else out.appendChild(document.createTextNode(tok));
      if (comment.test(tok)) break;
    }
    // exec() resets lastIndex when it finds nothing more, so the end is kept by hand.
    if (end < code.length) out.appendChild(document.createTextNode(code.slice(end)));
    return out;
  }
  function diffView(diff) {
    if (!diff || !diff.bytes || !diff.files || !diff.files.length) return h('p', { class: 'muted', text: 'the agent changed nothing' });
    var wrap = h('div', { class: 'diffview' });
    if (diff.truncated) {
      var pre = h('pre', { class: 'log', style: 'display:none' });
      var note = h('p', { class: 'note' }, 'Every changed file is listed; a long file\u2019s diff is cut to its share (said where it is cut)' +
        (diff.not_drawn.length ? ', and ' + diff.not_drawn.length + ' more file(s) are listed at the end without their lines' : '') + '. ',
        h('button', { class: 'show-all', text: 'show the whole diff as text (' + diff.pages + ' page' + (diff.pages === 1 ? '' : 's') + ')', onclick: function () {
          pre.style.display = ''; note.textContent = 'the whole diff as text, 1 MiB a page'; showPages(wrap, pre, diff, 0);
        } }));
      wrap.appendChild(note);
      wrap.appendChild(pre);
    }
    diff.files.forEach(function (file) {
      var head = /^(added|modified|deleted) ([\s\S]*)$/.exec(file.head) || [null, '', file.head];
      var path = head[2];
      var ext = (/\.([A-Za-z0-9]+)$/.exec(path) || [])[1];
      var lang = LANG[(ext || '').toLowerCase()];
      var table = h('table', { class: 'diff' });
      var oldNo = 0, newNo = 0, adds = 0, dels = 0;
      file.text.split('\n').forEach(function (line) {
        if (line === '' || /^(--- |\+\+\+ )/.test(line)) return;
        var hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
        if (hunk) {
          oldNo = Number(hunk[1]); newNo = Number(hunk[2]);
          table.appendChild(h('tr', { class: 'hunk' }, h('td', { class: 'ln' }), h('td', { class: 'ln' }), h('td', { text: line })));
          return;
        }
        if (line[0] !== '+' && line[0] !== '-' && line[0] !== ' ') {
          // `\ No newline at end of file`, or the harness's note where a file's diff is cut.
          table.appendChild(h('tr', { class: 'hunk' }, h('td', { class: 'ln' }), h('td', { class: 'ln' }), h('td', { text: logText(line) })));
          return;
        }
        var kind = line[0] === '+' ? 'add' : line[0] === '-' ? 'del' : 'ctx';
        if (kind === 'add') adds++;
        if (kind === 'del') dels++;
        var a = kind === 'add' ? '' : oldNo++;
        var b = kind === 'del' ? '' : newNo++;
        table.appendChild(h('tr', { class: kind }, h('td', { class: 'ln', text: a }), h('td', { class: 'ln', text: b }),
          h('td', null, line[0], highlight(logText(line.slice(1)), lang))));
      });
      wrap.appendChild(h('div', { class: 'diff-file', 'data-file': path },
        h('div', { class: 'name' }, h('span', { class: 'muted', text: head[1] + ' ' }), name(path), ' ',
          h('span', { class: 'passed', text: '+' + adds }), ' ', h('span', { class: 'failed', text: '\u2212' + dels }),
          file.truncated ? h('span', { class: 'muted', text: ' (cut: ' + fmtBytes(file.text.length) + ' of ' + fmtBytes(file.bytes) + ' shown)' }) : null),
        table));
    });
    if (diff.not_drawn.length) {
      wrap.appendChild(h('div', { class: 'note', id: 'diff-not-drawn' }, h('b', { text: diff.not_drawn.length + ' more changed file(s), not drawn: ' }),
        diff.not_drawn.map(function (headLine) { return h('div', { class: 'mono', text: name(headLine) }); })));
    }
    return wrap;
  }

  // ---- trajectory ----
  function pick(event, names) {
    for (var i = 0; i < names.length; i++) if (event[names[i]] !== undefined && event[names[i]] !== null) return event[names[i]];
    return undefined;
  }
  function trajectoryView(traj) {
    if (!traj || !traj.events.length) {
      return h('p', { class: 'muted', text: 'no trajectory: an agent may append JSON lines to $HARNESS_TRAJECTORY (see the README), e.g. {"step": 1, "action": "edit", "input_tokens": 900, "output_tokens": 120, "usd": 0.004}' });
    }
    var totalTokens = 0, totalUsd = 0;
    var steps = traj.events.map(function (event, k) {
      if (typeof event !== 'object' || event === null || Array.isArray(event)) event = { text: JSON.stringify(event) };
      var input = Number(pick(event, ['input_tokens', 'prompt_tokens'])) || 0;
      var output = Number(pick(event, ['output_tokens', 'completion_tokens'])) || 0;
      var tokens = input + output || Number(pick(event, ['tokens'])) || 0;
      var usd = Number(pick(event, ['usd', 'cost', 'cost_usd'])) || 0;
      totalTokens += tokens; totalUsd += usd;
      return { k: k, event: event, tokens: tokens, usd: usd, input: input, output: output };
    });
    var maxTokens = Math.max.apply(null, steps.map(function (st) { return st.tokens; }).concat([1]));
    var list = h('div', { class: 'timeline', id: 'timeline' });
    var known = ['step', 'type', 'kind', 'role', 'action', 'tool', 'name', 'input_tokens', 'output_tokens', 'prompt_tokens', 'completion_tokens', 'tokens', 'usd', 'cost', 'cost_usd', 't', 'ts', 'time', 'timestamp', 'elapsed_ms', 'content', 'message', 'text', 'command', 'output', 'observation'];
    steps.forEach(function (st) {
      if (traj.gap && st.k === traj.gap_at) {
        var raw = h('pre', { class: 'log', style: 'display:none' });
        var gapBox = h('div', { class: 'note', id: 'trajectory-gap' }, traj.gap + ' event(s) not shown here. ',
          h('button', { class: 'show-all', text: 'show the whole trajectory as text', onclick: function () {
            raw.style.display = '';
            if (traj.raw.truncated) showPages(gapBox, raw, traj.raw, 0); else raw.textContent = logText(traj.raw.text);
          } }), raw);
        list.appendChild(gapBox);
      }
      var e = st.event;
      var label = pick(e, ['type', 'kind', 'role', 'action', 'tool', 'name']);
      var when = pick(e, ['t', 'ts', 'time', 'timestamp', 'elapsed_ms']);
      var text = pick(e, ['content', 'message', 'text', 'command', 'output', 'observation']);
      var rest = Object.create(null); // a `__proto__` key is data here
      Object.keys(e).forEach(function (key) { if (known.indexOf(key) < 0) rest[key] = e[key]; });
      var position = (traj.gap && st.k >= traj.gap_at ? st.k + traj.gap : st.k) + 1;
      var meta = ['step ' + (pick(e, ['step']) !== undefined ? name(pick(e, ['step'])) : position)];
      if (label !== undefined) meta.push(name(label));
      if (when !== undefined) meta.push(name(when));
      if (st.tokens) meta.push(st.tokens + ' tokens' + (st.input || st.output ? ' (' + st.input + ' in, ' + st.output + ' out)' : ''));
      if (st.usd) meta.push('$' + st.usd.toFixed(4));
      list.appendChild(h('div', { class: 'step' },
        h('div', { class: 'meta' }, meta.join(' \u00b7 '), st.tokens ? h('span', { style: 'display:inline-block;margin-left:8px;height:6px;background:#2f5fb3;width:' + Math.max(2, 160 * st.tokens / maxTokens) + 'px' }) : null),
        text !== undefined ? h('pre', { text: logText(typeof text === 'string' ? text : JSON.stringify(text, null, 1)) }) : null,
        Object.keys(rest).length ? h('pre', { class: 'muted', text: logText(JSON.stringify(rest)) }) : null));
    });
    return h('div', null, h('p', { class: 'muted', id: 'trajectory-total', text: traj.total + ' step' + (traj.total === 1 ? '' : 's') + ' \u00b7 ' + totalTokens + ' tokens \u00b7 $' + totalUsd.toFixed(4) + ' in its events' +
      (traj.gap ? ' \u00b7 the first and last ' + traj.gap_at + ' shown' : '') + (traj.unparsed ? ' \u00b7 ' + traj.unparsed + ' line(s) were not JSON' : '') }), list);
  }

  // ---- compare ----
  function sides() {
    var seen = {};
    var list = [];
    CASES.forEach(function (row) {
      if (isAttack(row)) return;
      var key = index.runs[row.r].id + '|' + row.a;
      if (!seen[key]) { seen[key] = true; list.push(key); }
    });
    return list.sort();
  }
  function sideLabel(key) { var parts = key.split('|'); return index.runs.length > 1 ? parts[1] + ' @ ' + parts[0] : parts[1]; }
  // mulberry32: a small seeded generator, so the interval is the same on every load.
  function rng(seed) {
    return function () {
      seed |= 0; seed = (seed + 0x6D2B79F5) | 0;
      var t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  function pairedBootstrap(diffs, resamples, seed) {
    var random = rng(seed);
    var means = [];
    for (var b = 0; b < resamples; b++) {
      var sum = 0;
      for (var i = 0; i < diffs.length; i++) sum += diffs[Math.floor(random() * diffs.length)];
      means.push(sum / diffs.length);
    }
    means.sort(function (x, y) { return x - y; });
    var at = function (q) { return means[Math.min(means.length - 1, Math.max(0, Math.floor(q * (means.length - 1) + 0.5)))]; };
    return [at(0.025), at(0.975)];
  }
  HV.pairedBootstrap = pairedBootstrap;

  function comparePage(body, params) {
    body.appendChild(h('h1', { text: 'Compare' }));
    var options = sides();
    if (options.length < 2) {
      body.appendChild(h('p', { class: 'muted', text: 'Comparing needs two agents or two runs on the same fixtures; these results have one. Name command agents with --agent-name to keep them apart, or open several runs with harness view.' }));
      return;
    }
    var nonOracle = options.filter(function (k) { return k.split('|')[1] !== 'oracle'; });
    var a = options.indexOf(params.a) >= 0 ? params.a : (nonOracle[0] || options[0]);
    var b = options.indexOf(params.b) >= 0 ? params.b : (options.filter(function (k) { return k !== a; })[0]);
    function pickSide(name, value) {
      return h('select', { id: 'compare-' + name, onchange: function (event) { var next = Object.assign({}, params, { a: a, b: b }); next[name] = event.target.value; location.hash = link('compare', next); } },
        options.map(function (k) { return h('option', { value: k, selected: k === value, text: sideLabel(k) }); }));
    }
    var onlyChanged = params.changed === '1';
    body.appendChild(h('div', { class: 'filters' }, 'A ', pickSide('a', a), ' B ', pickSide('b', b),
      h('label', null, h('input', { type: 'checkbox', id: 'only-changed', checked: onlyChanged, onchange: function (event) { location.hash = link('compare', Object.assign({}, params, { a: a, b: b, changed: event.target.checked ? '1' : '' })); } }), ' only changed cases')));
    function side(key) {
      var parts = key.split('|');
      var by = {};
      CASES.forEach(function (row) {
        if (isAttack(row) || index.runs[row.r].id !== parts[0] || row.a !== parts[1]) return;
        (by[row.f] = by[row.f] || []).push(row);
      });
      return by;
    }
    var A = side(a), B = side(b);
    var fixtures = uniq(Object.keys(A).filter(function (f) { return B[f]; }));
    var diffs = [];
    var rows = fixtures.map(function (f) {
      var ra = mean(A[f].filter(function (r) { return r.w !== null; }).map(function (r) { return r.w; }));
      var rb = mean(B[f].filter(function (r) { return r.w !== null; }).map(function (r) { return r.w; }));
      var sa = A[f].map(function (r) { return r.s; }).join('/'), sb = B[f].map(function (r) { return r.s; }).join('/');
      var d = ra !== null && rb !== null ? rb - ra : null;
      if (d !== null) diffs.push(d);
      return { f: f, ra: ra, rb: rb, sa: sa, sb: sb, d: d, changed: sa !== sb || d === null || Math.abs(d) > 1e-9, ia: A[f][0].i, ib: B[f][0].i };
    });
    var onlyA = Object.keys(A).filter(function (f) { return !B[f]; }).length, onlyB = Object.keys(B).filter(function (f) { return !A[f]; }).length;
    var stat = h('div', { id: 'compare-summary' });
    if (diffs.length) {
      var m = mean(diffs);
      var ci = pairedBootstrap(diffs, 2000, 1);
      var better = diffs.filter(function (d) { return d > 1e-9; }).length, worse = diffs.filter(function (d) { return d < -1e-9; }).length;
      stat.appendChild(h('p', null, 'mean reward of B \u2212 A over ', h('b', { text: diffs.length + ' paired fixture' + (diffs.length === 1 ? '' : 's') }), ': ',
        h('b', { id: 'mean-diff', class: m > 0 ? 'delta-pos' : m < 0 ? 'delta-neg' : '', text: fmtSigned(m) }),
        ' (95% paired bootstrap interval ', h('span', { id: 'ci', text: '[' + fmtSigned(ci[0]) + ', ' + fmtSigned(ci[1]) + ']' }), ', 2000 resamples)'));
      stat.appendChild(h('p', { class: 'muted', text: 'B better on ' + better + ', worse on ' + worse + ', equal on ' + (diffs.length - better - worse) + '.' +
        (onlyA || onlyB ? ' Unpaired fixtures left out: ' + onlyA + ' only in A, ' + onlyB + ' only in B.' : '') +
        (diffs.length < 10 ? ' With fewer than 10 pairs the interval is rough.' : '') }));
    } else {
      stat.appendChild(h('p', { class: 'muted', text: 'A and B share no graded fixture.' }));
    }
    body.appendChild(stat);
    var table = h('table', { class: 'grid', id: 'paired' },
      h('tr', null, ['fixture', 'A status', 'A reward', 'B status', 'B reward', 'B \u2212 A'].map(function (t, i) { return h('th', { class: i === 2 || i >= 4 ? 'num' : '', text: t }); })));
    rows.filter(function (r) { return !onlyChanged || r.changed; }).forEach(function (r) {
      table.appendChild(h('tr', { class: 'pair' + (r.changed ? ' changed' : ''), 'data-fixture': r.f },
        h('td', { text: r.f }),
        h('td', null, h('a', { href: caseLink(r.ia), text: r.sa })), h('td', { class: 'num', text: fmtReward(r.ra) }),
        h('td', null, h('a', { href: caseLink(r.ib), text: r.sb })), h('td', { class: 'num', text: fmtReward(r.rb) }),
        h('td', { class: 'num ' + (r.d > 1e-9 ? 'delta-pos' : r.d < -1e-9 ? 'delta-neg' : ''), text: r.d === null ? '-' : fmtSigned(r.d) })));
    });
    body.appendChild(table);
  }

  // ---- frontier ----
  function frontierPage(body, params) {
    body.appendChild(h('h1', { text: 'Frontier' }));
    var charts = index.charts || [];
    if (!charts.length) { body.appendChild(h('p', { class: 'muted', text: 'No candidate: the frontier is drawn for agents other than the oracle.' })); return; }
    var k = Math.min(charts.length - 1, Number(params.chart) || 0);
    if (charts.length > 1) {
      body.appendChild(h('div', { class: 'filters' }, 'run ', h('select', { id: 'frontier-run', onchange: function (event) { location.hash = link('frontier', { chart: event.target.value }); } },
        charts.map(function (c, j) { return h('option', { value: j, selected: j === k, text: c.label }); }))));
    }
    var chart = charts[k].chart;
    var run = charts[k].run;
    body.appendChild(h('p', { class: 'muted', text: 'Each point is an agent: its mean reward over its graded cases against its cost. Red points are the Pareto set (no other agent is at least as good for less). Hover a point for its numbers; click it to open its cases.' }));
    body.appendChild(frontierChart(chart, run));
  }
  function frontierChart(chart, run) {
    var W = 860, H = 480, L = 70, R = 30, T = 20, B = 56;
    var x0 = chart.x_range[0], x1 = chart.x_range[1], y0 = chart.y_range[0], y1 = chart.y_range[1];
    if (!(x1 > x0)) x1 = x0 + 1;
    if (!(y1 > y0)) y1 = y0 + 1;
    var X = function (v) { return L + (v - x0) / (x1 - x0) * (W - L - R); };
    var Y = function (v) { return T + (1 - (v - y0) / (y1 - y0)) * (H - T - B); };
    var svg = s('svg', { width: W, height: H, class: 'chart', id: 'frontier-chart' });
    svg.appendChild(s('rect', { x: L, y: T, width: W - L - R, height: H - T - B, fill: '#fff', stroke: '#ccc' }));
    ticks(x0, x1, 6).forEach(function (v) {
      svg.appendChild(s('line', { x1: X(v), x2: X(v), y1: T, y2: H - B, stroke: '#eee' }));
      svg.appendChild(s('text', { x: X(v), y: H - B + 16, 'text-anchor': 'middle', text: tickLabel(v) }));
    });
    ticks(y0, y1, 6).forEach(function (v) {
      svg.appendChild(s('line', { x1: L, x2: W - R, y1: Y(v), y2: Y(v), stroke: '#eee' }));
      svg.appendChild(s('text', { x: L - 8, y: Y(v) + 4, 'text-anchor': 'end', text: tickLabel(v) }));
    });
    svg.appendChild(s('text', { x: (L + W - R) / 2, y: H - 12, 'text-anchor': 'middle', id: 'x-label', text: chart.x_label }));
    svg.appendChild(s('text', { x: 16, y: (T + H - B) / 2, 'text-anchor': 'middle', transform: 'rotate(-90 16 ' + (T + H - B) / 2 + ')', text: chart.y_label }));
    if (chart.reference && typeof chart.reference.score === 'number') {
      var ry = Y(chart.reference.score);
      svg.appendChild(s('line', { x1: L, x2: W - R, y1: ry, y2: ry, stroke: '#008040', 'stroke-dasharray': '6 4' }));
      svg.appendChild(s('text', { x: W - R - 4, y: ry - 5, 'text-anchor': 'end', fill: '#008040', text: chart.reference.name + ' ' + chart.reference.score.toFixed(3) }));
    }
    var front = chart.points.filter(function (p) { return p.pareto; }).sort(function (a, b) { return a.x - b.x; });
    if (front.length > 1) {
      var d = 'M' + X(front[0].x) + ' ' + Y(front[0].score);
      for (var i = 1; i < front.length; i++) d += ' H' + X(front[i].x) + ' V' + Y(front[i].score);
      svg.appendChild(s('path', { d: d, fill: 'none', stroke: '#d22828', 'stroke-width': 1.5 }));
    }
    var tip = document.querySelector('.tooltip') || document.body.appendChild(h('div', { class: 'tooltip' }));
    var boxes = [];
    // Labels: Pareto members first; a label that would overlap a placed one is left off (hover shows every point).
    var order = chart.points.slice().sort(function (a, b) { return (b.pareto - a.pareto) || (b.score - a.score); });
    order.forEach(function (p) {
      var cx = X(p.x), cy = Y(p.score);
      var circle = s('circle', { class: 'pt', cx: cx, cy: cy, r: 6, fill: p.pareto ? '#d22828' : '#466eb4', 'data-name': p.name,
        onmousemove: function (event) {
          tip.style.display = 'block'; tip.style.left = (event.clientX + 14) + 'px'; tip.style.top = (event.clientY + 10) + 'px';
          tip.textContent = p.name + (p.pareto ? '  (Pareto)' : '') + '\nmean reward ' + p.score.toFixed(3) + '\ncost ' + p.cost + ' ' + p.cost_unit +
            '\nagent time ' + p.agent_seconds.toFixed(2) + ' s per case\n' + p.cases + ' graded, ' + p.passed + ' passed' + (p.errored ? ', ' + p.errored + ' errored (incomplete)' : '');
        },
        onmouseleave: function () { tip.style.display = 'none'; },
        onclick: function () {
          tip.style.display = 'none';
          // On the every-run chart a candidate is `<agent> @ <run>`.
          var target = { agent: p.name, run: run || '' };
          var at = p.name.lastIndexOf(' @ ');
          var runId = at > 0 ? p.name.slice(at + 3) : null;
          if (!run && runId && index.runs.some(function (r) { return r.id === runId; })) target = { agent: p.name.slice(0, at), run: runId };
          location.hash = link('cases', target);
        } });
      svg.appendChild(circle);
      var text = p.name;
      var w = text.length * 6.4 + 4, hh = 13;
      var spots = [[cx + 9, cy - 6], [cx - 9 - w, cy - 6], [cx - w / 2, cy - 22], [cx - w / 2, cy + 10]];
      for (var j = 0; j < spots.length; j++) {
        var bx = spots[j][0], by = spots[j][1];
        var box = [bx, by, bx + w, by + hh];
        if (box[0] < L || box[2] > W - R || box[1] < T || box[3] > H - B) continue;
        var hit = boxes.some(function (o) { return !(box[2] < o[0] || box[0] > o[2] || box[3] < o[1] || box[1] > o[3]); });
        if (!hit) {
          boxes.push(box);
          svg.appendChild(s('text', { x: bx + 2, y: by + 10, class: 'pt-label', text: text }));
          break;
        }
      }
    });
    return h('div', null, svg, chart.unplaced && chart.unplaced.length ? h('p', { class: 'muted', text: 'not drawn (no finite cost or score): ' + chart.unplaced.join(', ') }) : null);
  }
  function ticks(lo, hi, n) {
    var span = hi - lo;
    var step = Math.pow(10, Math.floor(Math.log10(span / n)));
    [1, 2, 5, 10].some(function (m) { if (span / (step * m) <= n) { step *= m; return true; } return false; });
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out;
  }
  function tickLabel(v) {
    var a = Math.abs(v);
    if (a >= 1e6 || (a > 0 && a < 1e-3)) return v.toExponential(1);
    return String(Math.round(v * 1000) / 1000);
  }

  render();
})();
