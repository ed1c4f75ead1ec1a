/** The report page's styles, inlined (no network). Light and dark follow the reader's system. */
export const STYLE_CSS = String.raw`
:root { --bg: #fff; --fg: #1d2330; --mute: #667085; --line: #d0d5dd; --pass: #1a7f37; --fail: #c62828; --warn: #b26a00; --skip: #7a7f87; --soft: #f4f6f9; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
@media (prefers-color-scheme: dark) { :root { --bg: #14171c; --fg: #e6e9ef; --mute: #98a2b3; --line: #3a404b; --soft: #1d2128; --pass: #4cc26b; --fail: #ff6b6b; --warn: #f0b04a; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 16px 24px 48px; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1 { font-size: 20px; margin: 0 0 4px; display: flex; gap: 12px; align-items: center; }
h2 { font-size: 15px; margin: 20px 0 8px; }
h3 { font-size: 14px; margin: 18px 0 6px; }
.meta, .note, .where, .trend { color: var(--mute); }
.badge { font-size: 12px; padding: 2px 8px; border-radius: 10px; color: #fff; background: var(--skip); font-weight: 600; }
.badge.s-passed { background: var(--pass); } .badge.s-failed, .badge.s-error { background: var(--fail); } .badge.s-interrupted, .badge.s-running { background: var(--warn); }
.counts .count { margin-right: 14px; font-weight: 600; }
/* Status colours mark the status itself (marks, counts, cells, tabs), never a whole test's text. */
:is(.mark, .count, .matrix td, .tab).s-passed { color: var(--pass); }
:is(.mark, .count, .matrix td, .tab):is(.s-failed, .s-error, .s-interrupted) { color: var(--fail); }
:is(.mark, .count, .matrix td, .tab).s-flaky { color: var(--warn); }
:is(.mark, .count, .matrix td, .tab):is(.s-skipped, .s-pending) { color: var(--skip); }
.errors { color: var(--fail); }
.notes { color: var(--skip); font-size: 13px; }
table.matrix { border-collapse: collapse; font-size: 13px; }
.matrix th, .matrix td { border: 1px solid var(--line); padding: 3px 8px; text-align: center; }
.matrix td { cursor: pointer; font-weight: 600; } .matrix td.none { cursor: default; }
.filters { display: flex; gap: 8px; margin: 16px 0 8px; align-items: center; flex-wrap: wrap; }
.filters select, .filters input { font: inherit; padding: 3px 6px; background: var(--bg); color: var(--fg); border: 1px solid var(--line); border-radius: 4px; }
#shown { color: var(--mute); }
.test { border-top: 1px solid var(--line); }
.test-head { all: unset; display: flex; gap: 10px; width: 100%; padding: 6px 4px; cursor: pointer; flex-wrap: wrap; align-items: baseline; }
.test-head:focus-visible { outline: 2px solid var(--warn); }
.test-head .mark { width: 1.2em; font-weight: 700; }
.test-head .title { font-weight: 600; }
.test-head .dur, .retries { color: var(--mute); }
.retries { color: var(--warn); }
.test.s-failed .msg, .test.s-error .msg, .test.s-interrupted .msg { color: var(--fail); }
.test-head .msg { color: var(--mute); flex-basis: 100%; padding-left: 2em; font-family: var(--mono); font-size: 12px; white-space: pre-wrap; }
.detail { padding: 4px 8px 16px 2em; }
.failure { border-left: 4px solid var(--fail); background: var(--soft); padding: 6px 12px; }
dl.why, dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 4px 0; }
dl dt { color: var(--mute); } dl dd { margin: 0; white-space: pre-wrap; font-family: var(--mono); font-size: 12px; }
.attempts { display: flex; gap: 6px; margin: 8px 0; } .tab { font: inherit; border: 1px solid var(--line); background: var(--bg); border-radius: 4px; cursor: pointer; }
.tab[aria-selected="true"] { border-color: var(--fg); font-weight: 600; }
.files a { margin-right: 12px; }
.diagram { overflow-x: auto; border: 1px solid var(--line); border-radius: 4px; background: var(--soft); }
svg.seq { display: block; font: 12px var(--mono); }
svg.seq .lane { font-weight: 700; fill: var(--fg); font-family: system-ui, sans-serif; font-size: 13px; }
svg.seq .lane-addr, svg.seq .t { fill: var(--mute); font-size: 10px; }
svg.seq .lifeline { stroke: var(--line); stroke-dasharray: 4 3; }
svg.seq .arrow { stroke: var(--fg); fill: none; }
svg.seq marker path { fill: var(--fg); }
svg.seq .label { fill: var(--fg); }
svg.seq .msg { cursor: pointer; outline: none; } svg.seq .msg:hover .label, svg.seq .msg:focus .label { fill: var(--warn); }
svg.seq .sig-bad .label { fill: var(--fail); } svg.seq .sig-bad .arrow { stroke: var(--fail); }
.frame { border: 1px solid var(--line); border-radius: 4px; padding: 8px 12px; margin-top: 8px; }
.frame h4 { margin: 0 0 4px; } .frame .sig-1 { color: var(--pass); } .frame .sig-2 { color: var(--fail); } .frame .sig-3 { color: var(--mute); }
table.tlvs { border-collapse: collapse; font-size: 12px; width: 100%; table-layout: fixed; } .tlvs th:first-child { width: 16em; } .tlvs th:last-child { width: 40%; } .tlvs td, .tlvs th { border: 1px solid var(--line); padding: 2px 6px; vertical-align: top; text-align: left; }
.tlvs pre { margin: 0; white-space: pre-wrap; word-break: break-all; } .tlvs code { word-break: break-all; font-size: 11px; }
pre.hex, pre.logs, pre.step-failure { font: 12px var(--mono); background: var(--soft); padding: 6px 8px; overflow-x: auto; margin: 4px 0; }
table.timeline { border-collapse: collapse; font-size: 12px; width: 100%; }
.timeline td { padding: 1px 8px; border-bottom: 1px solid var(--soft); vertical-align: top; }
.timeline .t { font-family: var(--mono); color: var(--mute); white-space: nowrap; }
.timeline .kind { font-weight: 600; white-space: nowrap; } .timeline .what { font-family: var(--mono); white-space: pre-wrap; word-break: break-word; }
.tl-frame { cursor: pointer; } .tl-frame:hover { background: var(--soft); }
.tl-step .kind { color: var(--pass); } .tl-console .kind { color: var(--warn); } .tl-power .kind { color: var(--fail); } .tl-nms .kind { color: #6c5ce7; }
.steps { padding-left: 1.5em; } .step .st { font-weight: 600; } .st-failed .st, .st-error .st, .st-timedOut .st, .st-interrupted .st { color: var(--fail); } .st-passed .st { color: var(--pass); }
.trend .tr { display: inline-block; width: 10px; height: 10px; margin-right: 2px; border-radius: 2px; background: var(--skip); }
.trend .tr.s-passed { background: var(--pass); } .trend .tr.s-failed, .trend .tr.s-error, .trend .tr.s-interrupted { background: var(--fail); } .trend .tr.s-flaky { background: var(--warn); }
.trend .tr.now { outline: 2px solid var(--fg); }
button.more { margin: 8px 0; font: inherit; cursor: pointer; }
`;
