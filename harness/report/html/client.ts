/**
 * The report page's script, inlined into the HTML file (no network, opens from file://). Plain
 * ES2017 for any browser a lab has; every text from the run goes in through textContent, never as
 * markup. Kept as a string (no backquotes or dollar-brace inside) because the page must be one file.
 *
 * Lazy by design: the test list renders in pages of 100, a test's data (a JSON block per test) is
 * parsed when it is opened, and long diagrams and timelines render their first rows with a
 * "show all" button.
 */
export const CLIENT_JS = String.raw`(function () {
  'use strict';
  var run = JSON.parse(document.getElementById('run-data').textContent);
  var views = {};
  var PAGE = 100;
  var ROWS = 400;
  var ORDER = { failed: 0, error: 0, interrupted: 0, flaky: 1, pending: 2, passed: 3, skipped: 4 };
  var MARK = { passed: '\u2713', failed: '\u2717', error: '!', interrupted: '\u25a0', skipped: '\u21b7', flaky: '\u2248', pending: '\u2026' };
  var SIG = ['', 'signature verified', 'signature FAILED', 'signature not checked'];
  var SIGMARK = ['', ' \u2713sig', ' \u2717sig', ' ?sig'];
  var BAD = { failed: 1, error: 1, interrupted: 1 };
  var state = { status: 'all', device: '', suite: '', text: '', shown: PAGE };

  function h(tag, attrs, kids) {
    var el = document.createElement(tag);
    setAll(el, attrs);
    add(el, kids);
    return el;
  }
  function s(tag, attrs, kids) {
    var el = document.createElementNS('http://www.w3.org/2000/svg', tag);
    setAll(el, attrs);
    add(el, kids);
    return el;
  }
  function setAll(el, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null) return;
      if (k === 'text') el.textContent = String(v);
      else if (k === 'on') Object.keys(v).forEach(function (ev) { el.addEventListener(ev, v[ev]); });
      else el.setAttribute(k, String(v));
    });
  }
  function add(el, kids) {
    if (kids === undefined || kids === null) return;
    if (!Array.isArray(kids)) kids = [kids];
    kids.forEach(function (k) {
      if (k === undefined || k === null || k === false) return;
      el.appendChild(typeof k === 'string' ? document.createTextNode(k) : k);
    });
  }
  function dur(ms) {
    if (ms < 1000) return Math.round(ms) + 'ms';
    if (ms < 60000) return (ms % 1000 === 0 ? ms / 1000 : (ms / 1000).toFixed(1)) + 's';
    var t = Math.round(ms / 1000);
    var sec = t % 60;
    return Math.floor(t / 60) + 'm' + (sec < 10 ? '0' : '') + sec + 's';
  }
  function offset(ms) {
    return (ms < 0 ? '-' : '+') + (Math.abs(ms) / 1000).toFixed(3) + 's';
  }
  function view(id) {
    if (!Object.prototype.hasOwnProperty.call(views, id)) {
      var el = document.getElementById('t-' + id);
      views[id] = el ? JSON.parse(el.textContent) : null;
    }
    return views[id];
  }
  function title(r) {
    return r.suite + ' @ ' + r.device + ' \u203a ' + r.name;
  }

  // ---- header and summary ----
  function counts(rows) {
    var c = { passed: 0, failed: 0, error: 0, interrupted: 0, flaky: 0, skipped: 0, pending: 0 };
    rows.forEach(function (r) { c[r.outcome]++; });
    return c;
  }
  function renderHeader() {
    var c = counts(run.tests);
    var parts = ['passed', 'failed', 'error', 'interrupted', 'flaky', 'skipped', 'pending']
      .filter(function (k) { return c[k] > 0 || k === 'passed' || k === 'failed'; })
      .map(function (k) { return h('span', { class: 'count s-' + k, text: c[k] + ' ' + k }); });
    var head = h('header', { id: 'summary' }, [
      h('h1', null, ['csmp-hil \u00b7 rig ' + run.rig.name, h('span', { class: 'badge s-' + run.status, id: 'run-status', text: run.status })]),
      h('p', { class: 'meta' }, [
        'started ' + new Date(run.startTime).toISOString() + ' \u00b7 ' + dur(run.duration) + ' \u00b7 ' + run.rig.file + (run.shard ? ' \u00b7 shard ' + run.shard : ''),
      ]),
      h('p', { class: 'counts', id: 'counts' }, parts),
      run.message ? h('p', { class: 'message', text: run.message }) : null,
      run.errors.length ? h('ul', { class: 'errors' }, run.errors.map(function (e) { return h('li', { text: e }); })) : null,
      run.notes && run.notes.length ? h('ul', { class: 'notes', id: 'notes' }, run.notes.map(function (e) { return h('li', { text: e }); })) : null,
    ]);
    document.getElementById('app').appendChild(head);
  }
  function renderMatrix() {
    var devices = [];
    var suites = [];
    run.tests.forEach(function (r) {
      if (devices.indexOf(r.device) < 0) devices.push(r.device);
      if (suites.indexOf(r.suite) < 0) suites.push(r.suite);
    });
    var cells = {};
    run.tests.forEach(function (r) {
      var k = r.device + '\u0000' + r.suite;
      var c = cells[k] || (cells[k] = { n: 0, ok: 0, ms: 0, worst: 'skipped' });
      c.n++;
      if (r.outcome === 'passed' || r.outcome === 'flaky') c.ok++;
      c.ms += r.duration;
      if (ORDER[r.outcome] < ORDER[c.worst]) c.worst = r.outcome;
    });
    var table = h('table', { class: 'matrix', id: 'matrix' }, [
      h('thead', null, h('tr', null, [h('th', { text: 'device \\ suite' })].concat(suites.map(function (su) { return h('th', { text: su }); })))),
      h('tbody', null, devices.map(function (d) {
        return h('tr', null, [h('th', { text: d })].concat(suites.map(function (su) {
          var c = cells[d + '\u0000' + su];
          if (!c) return h('td', { class: 'none' });
          return h('td', {
            class: 's-' + c.worst,
            title: dur(c.ms),
            on: { click: function () { state.device = d; state.suite = su; syncFilters(); renderList(); } },
          }, c.ok + '/' + c.n);
        })));
      })),
    ]);
    document.getElementById('app').appendChild(h('section', { class: 'matrix-box' }, [h('h2', { text: 'By device and suite' }), table]));
  }

  // ---- filters and list ----
  var filterEls = {};
  function renderFilters() {
    var devices = [];
    var suites = [];
    run.tests.forEach(function (r) {
      if (devices.indexOf(r.device) < 0) devices.push(r.device);
      if (suites.indexOf(r.suite) < 0) suites.push(r.suite);
    });
    function select(id, values, label) {
      var el = h('select', { id: id, 'aria-label': label }, [h('option', { value: '', text: 'every ' + label })].concat(values.map(function (v) { return h('option', { value: v, text: v }); })));
      return el;
    }
    filterEls.status = h('select', { id: 'f-status', 'aria-label': 'status' }, [
      ['all', 'every status'], ['bad', 'not passed'], ['failed', 'failed'], ['error', 'error'], ['interrupted', 'interrupted'],
      ['flaky', 'flaky'], ['passed', 'passed'], ['skipped', 'skipped'], ['pending', 'not finished'],
    ].map(function (o) { return h('option', { value: o[0], text: o[1] }); }));
    filterEls.device = select('f-device', devices, 'device');
    filterEls.suite = select('f-suite', suites, 'suite');
    filterEls.text = h('input', { id: 'f-text', type: 'search', placeholder: 'text in title or message', 'aria-label': 'text' });
    ['status', 'device', 'suite'].forEach(function (k) {
      filterEls[k].addEventListener('change', function () { state[k] = filterEls[k].value; state.shown = PAGE; renderList(); });
    });
    filterEls.text.addEventListener('input', function () { state.text = filterEls.text.value.toLowerCase(); state.shown = PAGE; renderList(); });
    document.getElementById('app').appendChild(h('section', { class: 'filters' }, [filterEls.status, filterEls.device, filterEls.suite, filterEls.text, h('span', { id: 'shown' })]));
    document.getElementById('app').appendChild(h('section', { id: 'tests' }));
  }
  function syncFilters() {
    filterEls.status.value = state.status;
    filterEls.device.value = state.device;
    filterEls.suite.value = state.suite;
    filterEls.text.value = state.text;
    state.shown = PAGE;
  }
  function matches(r) {
    if (state.status === 'bad' ? !BAD[r.outcome] : state.status !== 'all' && r.outcome !== state.status) return false;
    if (state.device && r.device !== state.device) return false;
    if (state.suite && r.suite !== state.suite) return false;
    if (state.text && (title(r) + '\n' + r.message).toLowerCase().indexOf(state.text) < 0) return false;
    return true;
  }
  var sorted = run.tests.map(function (r, i) { return { r: r, i: i }; })
    .sort(function (a, b) { return ORDER[a.r.outcome] - ORDER[b.r.outcome] || a.i - b.i; })
    .map(function (x) { return x.r; });
  function renderList() {
    var box = document.getElementById('tests');
    box.textContent = '';
    var rows = sorted.filter(matches);
    document.getElementById('shown').textContent = rows.length + ' of ' + run.tests.length + ' tests';
    rows.slice(0, state.shown).forEach(function (r) { box.appendChild(testRow(r)); });
    if (rows.length > state.shown) {
      box.appendChild(h('button', { class: 'more', on: { click: function () { state.shown += PAGE; renderList(); } } }, 'show ' + Math.min(PAGE, rows.length - state.shown) + ' more of ' + (rows.length - state.shown)));
    }
  }
  function testRow(r) {
    var detail = h('div', { class: 'detail', hidden: '' });
    var retries = r.attempts > 1 ? h('span', { class: 'retries', text: r.outcome === 'flaky' ? 'flaky: passed on attempt ' + r.attempts : r.attempts + ' attempts' }) : null;
    var head = h('button', { class: 'test-head', 'aria-expanded': 'false' }, [
      h('span', { class: 'mark s-' + r.outcome, text: MARK[r.outcome] }),
      h('span', { class: 'title', text: title(r) }),
      retries,
      h('span', { class: 'dur', text: r.outcome === 'pending' ? 'not finished' : dur(r.duration) }),
      r.message ? h('span', { class: 'msg', text: r.message.split('\n')[0] }) : null,
    ]);
    var box = h('div', { class: 'test s-' + r.outcome, 'data-id': r.id }, [head, detail]);
    head.addEventListener('click', function () {
      var open = detail.hasAttribute('hidden');
      if (open && !detail.firstChild) renderDetail(r, detail);
      if (open) detail.removeAttribute('hidden'); else detail.setAttribute('hidden', '');
      head.setAttribute('aria-expanded', open ? 'true' : 'false');
    });
    return box;
  }

  // ---- one test ----
  function renderDetail(r, box) {
    var v = view(r.id);
    box.appendChild(h('p', { class: 'where', text: 'flowchart branch ' + r.branch + ' \u00b7 device ' + r.device }));
    box.appendChild(trend(r));
    if (!v) {
      box.appendChild(h('p', { class: 'note', text: 'This test had not finished when the report was written.' }));
      return;
    }
    var body = h('div', { class: 'attempt-body' });
    if (v.attempts.length > 1) {
      var tabs = h('div', { class: 'attempts', role: 'tablist' });
      v.attempts.forEach(function (a, i) {
        var last = i === v.attempts.length - 1;
        var label = 'attempt ' + (a.retry + 1) + ': ' + a.status + (last && r.outcome === 'flaky' ? ' (flaky)' : '');
        tabs.appendChild(h('button', { class: 'tab s-' + a.status, role: 'tab', on: { click: function () { show(i); } } }, label));
      });
      box.appendChild(tabs);
    }
    box.appendChild(body);
    function show(i) {
      body.textContent = '';
      Array.prototype.forEach.call(box.querySelectorAll('.tab'), function (t, j) { t.setAttribute('aria-selected', j === i ? 'true' : 'false'); });
      renderAttempt(r, v.attempts[i], body);
    }
    show(v.attempts.length - 1);
  }
  function trend(r) {
    var runs = run.history;
    var box = h('p', { class: 'trend' });
    var cells = [];
    runs.forEach(function (hr) {
      var t = hr.tests[r.id];
      if (t) cells.push(h('span', { class: 'tr s-' + t[0], title: new Date(hr.startTime).toISOString() + ': ' + t[0] + ' ' + dur(t[1]) }));
    });
    if (!cells.length) return box;
    cells.push(h('span', { class: 'tr now s-' + r.outcome, title: 'this run: ' + r.outcome }));
    add(box, ['trend (oldest first): '].concat(cells));
    return box;
  }
  function renderAttempt(r, a, box) {
    if (a.failure) box.appendChild(failureBox(a.failure, r));
    if (a.skipReason) box.appendChild(h('p', { class: 'skip', text: 'skipped: ' + a.skipReason }));
    if (a.attachments.length) {
      box.appendChild(h('p', { class: 'files' }, ['files: '].concat(a.attachments.map(function (f) {
        return h('a', { href: f.href, 'data-type': f.type, text: f.name });
      }))));
    }
    var pane = h('div', { class: 'frame', hidden: '' });
    box.appendChild(h('h3', { text: 'CSMP exchange' }));
    box.appendChild(diagram(a, pane));
    box.appendChild(pane);
    box.appendChild(h('h3', { text: 'Timeline' }));
    box.appendChild(timeline(r, a, pane));
    box.appendChild(h('h3', { text: 'Steps' }));
    box.appendChild(steps(a));
  }
  function failureBox(f, r) {
    var dl = h('dl', { class: 'why' });
    function item(k, v) { if (v !== undefined && v !== '') add(dl, [h('dt', { text: k }), h('dd', { text: v })]); }
    item('failure', f.message);
    item('expected', f.expected);
    item('seen', f.seen);
    item('likely cause', f.likelyCause);
    item('fix', f.fix);
    item('flowchart branch', r.branch);
    if (f.step && f.step.where) item('at', f.step.where);
    return h('section', { class: 'failure' }, dl);
  }

  function diagram(a, pane) {
    var wrap = h('div', { class: 'diagram' });
    if (!a.rows.length) {
      wrap.appendChild(h('p', { class: 'note', text: 'No frames crossed the link for this device during the test.' }));
      return wrap;
    }
    function draw(limit) {
      wrap.textContent = '';
      var rows = a.rows.slice(0, limit);
      var gap = 190;
      var left = 90;
      var top = 44;
      var step = 26;
      var width = left + gap * (a.lanes.length - 1) + 60;
      rows.forEach(function (row) {
        width = Math.max(width, left + gap * Math.min(row[1], row[2]) + 16 + 7.3 * (row[3].length + 6));
      });
      width = Math.ceil(width);
      var height = top + step * rows.length + 16;
      var svg = s('svg', { class: 'seq', width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': 'sequence diagram' });
      svg.appendChild(s('defs', null, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z' }))));
      a.lanes.forEach(function (l, i) {
        var x = left + gap * i;
        svg.appendChild(s('text', { class: 'lane', x: x, y: 16, 'text-anchor': 'middle', text: l.name }));
        if (l.address) svg.appendChild(s('text', { class: 'lane-addr', x: x, y: 30, 'text-anchor': 'middle', text: l.address }));
        svg.appendChild(s('line', { class: 'lifeline', x1: x, y1: 36, x2: x, y2: height }));
      });
      rows.forEach(function (row, i) {
        var y = top + step * i + 14;
        var x1 = left + gap * row[1];
        var x2 = left + gap * row[2];
        var cls = 'msg' + (row[4] === 2 ? ' sig-bad' : row[4] === 1 ? ' sig-ok' : '');
        var g = s('g', { class: cls, 'data-row': i, tabindex: 0 });
        g.appendChild(s('text', { class: 't', x: 4, y: y, text: offset(row[0]) }));
        if (x1 === x2) g.appendChild(s('path', { class: 'arrow', d: 'M ' + x1 + ' ' + (y - 6) + ' h 24 v 8 h -24', 'marker-end': 'url(#arrow)' }));
        else g.appendChild(s('line', { class: 'arrow', x1: x1, y1: y, x2: x2, y2: y, 'marker-end': 'url(#arrow)' }));
        g.appendChild(s('text', { class: 'label', x: Math.min(x1, x2) + 6, y: y - 4, text: row[3] + SIGMARK[row[4]] }));
        g.appendChild(s('title', { text: row[3] + (row[4] ? ' (' + SIG[row[4]] + ')' : '') }));
        g.addEventListener('click', function () { showFrame(a, i, pane); });
        g.addEventListener('keydown', function (e) { if (e.key === 'Enter') showFrame(a, i, pane); });
        svg.appendChild(g);
      });
      wrap.appendChild(svg);
      if (a.rows.length > limit) wrap.appendChild(h('button', { class: 'more', on: { click: function () { draw(a.rows.length); } } }, 'show all ' + a.rows.length + ' messages'));
    }
    draw(ROWS);
    if (a.framesDropped) wrap.appendChild(h('p', { class: 'note', text: a.framesDropped + ' more frames were not kept in the report; the pcap has the rest.' }));
    return wrap;
  }
  // One field a line, its value as compact JSON: "interval: 60", "tlvid: ["22","35"]".
  function fieldLines(value) {
    return Object.keys(value).map(function (k) { return k + ': ' + JSON.stringify(value[k]); }).join('\n');
  }
  function hexDump(hex) {
    var lines = [];
    for (var i = 0; i < hex.length; i += 32) {
      var chunk = hex.slice(i, i + 32).replace(/(..)/g, '$1 ').trim();
      var off = (i / 2).toString(16);
      lines.push('0000'.slice(off.length) + off + '  ' + chunk);
    }
    return lines.join('\n');
  }
  function showFrame(a, i, pane) {
    var row = a.rows[i];
    pane.textContent = '';
    pane.removeAttribute('hidden');
    pane.appendChild(h('h4', { text: 'Message ' + (i + 1) + ' \u00b7 ' + offset(row[0]) + ' \u00b7 ' + a.lanes[row[1]].name + ' \u2192 ' + a.lanes[row[2]].name }));
    pane.appendChild(h('p', { class: 'label', text: row[3] }));
    if (row[4]) pane.appendChild(h('p', { class: 'sig sig-' + row[4], text: SIG[row[4]] }));
    var d = row[5] >= 0 ? a.details[row[5]] : null;
    if (!d) {
      pane.appendChild(h('p', { class: 'note', text: 'Decoded fields and bytes are not kept for this message (report size limit); the pcap has it.' }));
      return;
    }
    var dl = h('dl', { class: 'fields' });
    function item(k, v) { if (v !== undefined) add(dl, [h('dt', { text: k }), h('dd', { text: v })]); }
    item('time', d.at);
    item('link', d.link + ' (' + d.direction + ')');
    if (d.src !== undefined) item('addresses', '[' + d.src + ']:' + (d.srcPort === undefined ? '?' : d.srcPort) + ' \u2192 [' + d.dst + ']:' + (d.dstPort === undefined ? '?' : d.dstPort) + (d.udpChecksumOk === false ? ' (UDP checksum wrong)' : ''));
    if (d.coap) item('CoAP', d.coap.type + ' ' + d.coap.codeName + ' MID ' + d.coap.messageId + (d.coap.token ? ' token ' + d.coap.token : '') + (d.coap.uriPath.length ? ' /' + d.coap.uriPath.join('/') : '') + (d.coap.uriQuery.length ? '?' + d.coap.uriQuery.join('&') : '') + ' \u00b7 ' + d.coap.payloadLength + '-byte payload');
    if (d.signature) item('signature', d.signature.status + (d.signature.reason ? ': ' + d.signature.reason : ''));
    if (d.error) item('decoding stopped', d.error.layer + ' at byte ' + d.error.offset + ': ' + d.error.reason);
    pane.appendChild(dl);
    if (d.tlvs.length) {
      pane.appendChild(h('table', { class: 'tlvs' }, [
        h('thead', null, h('tr', null, [h('th', { text: 'TLV' }), h('th', { text: 'fields' }), h('th', { text: 'bytes' })])),
        h('tbody', null, d.tlvs.map(function (t) {
          var id = t.vendor !== undefined ? t.vendor + '.' + t.vendorType : String(t.type);
          var value = t.value ? fieldLines(t.value) : t.error ? '! ' + t.error.reason : '';
          return h('tr', null, [h('td', { text: '[' + id + '/' + t.name + ']' }), h('td', null, h('pre', { text: value })), h('td', null, h('code', { text: t.raw }))]);
        })),
      ]));
    }
    pane.appendChild(h('h5', { text: 'IPv6 packet, ' + d.hex.length / 2 + ' bytes' }));
    pane.appendChild(h('pre', { class: 'hex', text: hexDump(d.hex) }));
  }

  function stepName(st) {
    if (st.phase === 'session') return 'session ' + st.text;
    return (st.phase === 'test' ? '' : st.phase + ' ') + 'step ' + st.index + ' (' + st.text + ')';
  }
  function timeline(r, a, pane) {
    var entries = [];
    a.steps.forEach(function (st) { entries.push([st.t, 0, 'step', '', stepName(st) + ': ' + st.status + ' in ' + dur(st.duration)]); });
    a.rows.forEach(function (row, i) { entries.push([row[0], 1, 'frame', a.lanes[row[1]].name + ' \u2192 ' + a.lanes[row[2]].name, row[3] + SIGMARK[row[4]], i]); });
    a.console.forEach(function (c) { entries.push([c[0], 1, 'console', r.device, (c[1] === 'tx' ? '> ' : '< ') + c[2]]); });
    a.power.forEach(function (p) { entries.push([p[0], 1, 'power', r.device, 'power ' + p[1] + ' ' + p[2] + (p[3] ? ': ' + p[3] : '')]); });
    a.nms.forEach(function (n) { entries.push([n[0], 1, 'nms', '', (n[1] === 'state' ? 'state ' : 'event ') + n[2] + (n[3] ? ': ' + n[3] : '')]); });
    entries = entries.map(function (e, i) { return { e: e, i: i }; })
      .sort(function (x, y) { return x.e[0] - y.e[0] || x.e[1] - y.e[1] || x.i - y.i; })
      .map(function (x) { return x.e; });
    var wrap = h('div', { class: 'timeline-box' });
    function draw(limit) {
      wrap.textContent = '';
      var body = h('tbody');
      entries.slice(0, limit).forEach(function (e) {
        var tr = h('tr', { class: 'tl tl-' + e[2] }, [h('td', { class: 't', text: offset(e[0]) }), h('td', { class: 'kind', text: e[2] }), h('td', { class: 'who', text: e[3] }), h('td', { class: 'what', text: e[4] })]);
        if (e[2] === 'frame') tr.addEventListener('click', function () { showFrame(a, e[5], pane); });
        body.appendChild(tr);
      });
      wrap.appendChild(h('table', { class: 'timeline' }, body));
      if (entries.length > limit) wrap.appendChild(h('button', { class: 'more', on: { click: function () { draw(entries.length); } } }, 'show all ' + entries.length + ' entries'));
    }
    draw(ROWS);
    return wrap;
  }
  function steps(a) {
    return h('ol', { class: 'steps' }, a.steps.map(function (st) {
      return h('li', { class: 'step st-' + st.status }, [
        h('span', { class: 'st', text: st.status }), ' ' + stepName(st) + ' ', h('span', { class: 'dur', text: dur(st.duration) }),
        st.logs.length ? h('pre', { class: 'logs', text: st.logs.join('\n') }) : null,
        st.failure ? h('pre', { class: 'step-failure', text: st.failure.message }) : null,
      ]);
    }));
  }

  renderHeader();
  renderMatrix();
  renderFilters();
  renderList();
  document.documentElement.setAttribute('data-ready', 'true');
})();
`;
