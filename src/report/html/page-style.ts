/** The report page's stylesheet (inlined, allowed by its hash in the page's Content-Security-Policy). */
export const PAGE_STYLE = `
:root {
  --bg: #f4f5f7; --card: #ffffff; --ink: #1c2430; --muted: #5b6675; --line: #e3e6eb;
  --accent: #2f6fde; --good: #2e8540; --warn: #c77700; --bad: #c8372d; --head: #17202c;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: var(--bg); font-size: 14px; line-height: 1.45;
}
* { box-sizing: border-box; }
body { margin: 0; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
header.top { background: var(--head); color: #f3f6fa; padding: 22px 32px 26px; }
header.top .kicker { text-transform: uppercase; letter-spacing: .08em; font-size: 11.5px; color: #9fb0c6; }
header.top h1 { margin: 4px 0 2px; font-size: 24px; font-weight: 650; word-break: break-all; }
header.top .sub { color: #b7c3d3; font-size: 12.5px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin-top: 18px; }
.tile { background: rgba(255,255,255,.07); border: 1px solid rgba(255,255,255,.1); border-radius: 10px; padding: 10px 14px; }
.tile .v { font-size: 22px; font-weight: 650; color: #fff; white-space: nowrap; }
.tile .k { font-size: 12px; color: #aebbd0; }
.tile.good .v { color: #7fd694; } .tile.warn .v { color: #ffc46b; } .tile.bad .v { color: #ff8b80; }
main { max-width: 1400px; margin: 0 auto; padding: 20px 24px 40px; }
section.card { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 18px 20px; margin: 0 0 18px; box-shadow: 0 1px 2px rgba(16,24,40,.04); }
section.card > h2 { font-size: 17px; margin: 0 0 4px; }
section.card > p.lead { margin: 0 0 12px; color: var(--muted); }
h3 { font-size: 14px; margin: 16px 0 6px; }
.toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 12px; margin: 6px 0 8px; }
.switch { display: inline-flex; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
.switch button { border: 0; background: #fff; padding: 5px 12px; font: inherit; color: var(--muted); cursor: pointer; }
.switch button.on { background: var(--accent); color: #fff; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 14px; font-size: 12.5px; color: var(--muted); }
.legend .sw { display: inline-block; width: 11px; height: 11px; border-radius: 3px; margin-right: 5px; vertical-align: -1px; }
.panels { display: grid; grid-template-columns: 1fr; gap: 16px; }
.panels.two { grid-template-columns: 1fr 1fr; }
@media (max-width: 900px) { .panels.two { grid-template-columns: 1fr; } }
.panel h3 { margin: 0 0 4px; display: flex; justify-content: space-between; gap: 10px; }
.panel h3 .size { color: var(--muted); font-weight: 500; white-space: nowrap; }
nav.crumbs { font-size: 13px; margin: 2px 0 6px; min-height: 22px; word-break: break-all; }
nav.crumbs button { border: 0; background: none; color: var(--accent); padding: 0 2px; font: inherit; cursor: pointer; }
nav.crumbs button:hover { text-decoration: underline; }
nav.crumbs .here { font-weight: 600; padding: 0 2px; }
nav.crumbs .sep { color: #a0a9b6; }
svg.treemap { display: block; width: 100%; border-radius: 8px; background: #eef1f5; user-select: none; }
svg.treemap rect.node { stroke: #fff; stroke-width: .6; cursor: pointer; }
svg.treemap rect.dir { fill-opacity: .22; stroke: #8a96a8; stroke-width: .8; }
svg.treemap rect.folded { fill-opacity: .55; }
svg.treemap rect.node:hover { stroke: #111; stroke-width: 1.6; }
svg.treemap text { pointer-events: none; font-size: 11px; fill: #1b2430; }
svg.treemap text.size { fill: #3c4757; font-size: 10.5px; }
svg.treemap text.head { font-weight: 600; font-size: 11.5px; }
svg.treemap text.big { font-weight: 600; font-size: 15px; }
.hint { font-size: 12px; color: var(--muted); }
#tooltip { position: fixed; z-index: 10; pointer-events: none; max-width: 460px; background: #17202c; color: #f1f4f8; border-radius: 8px; padding: 8px 11px; font-size: 12.5px; box-shadow: 0 6px 20px rgba(0,0,0,.25); display: none; }
#tooltip .p { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; word-break: break-all; white-space: pre-wrap; }
#tooltip .s { font-weight: 650; font-size: 14px; margin-top: 2px; }
#tooltip .m { color: #b4c0d0; }
.bars { display: grid; grid-template-columns: auto minmax(120px, 1.2fr) auto minmax(0, 2fr); gap: 5px 12px; align-items: center; }
.bars .idx { color: var(--muted); font-variant-numeric: tabular-nums; }
.bars .track { background: #eef1f5; border-radius: 4px; height: 14px; overflow: hidden; }
.bars .fill { height: 100%; border-radius: 4px; min-width: 1px; }
.bars .num { font-variant-numeric: tabular-nums; text-align: right; white-space: nowrap; }
.bars .what { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; color: #2c3644; }
.bars.scale { margin: 4px 0 12px; grid-template-columns: auto minmax(200px, 3fr) auto minmax(0, 2fr); }
.stack { display: flex; height: 22px; border-radius: 6px; overflow: hidden; margin: 6px 0 10px; background: #eef1f5; }
.stack div { height: 100%; min-width: 1px; }
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 12px; margin-bottom: 12px; }
.stat { border: 1px solid var(--line); border-radius: 10px; padding: 10px 14px; }
.stat .v { font-size: 21px; font-weight: 650; }
.stat .k { font-weight: 600; }
.stat .d { font-size: 12px; color: var(--muted); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td .msg { white-space: pre-line; color: var(--muted); font-size: 12.5px; margin-top: 2px; }
td .fix { font-size: 12.5px; margin-top: 3px; }
td.path { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 12.5px; word-break: break-all; }
.badge { display: inline-block; border-radius: 999px; padding: 1px 9px; font-size: 11.5px; font-weight: 600; white-space: nowrap; }
.badge.error, .badge.differs, .badge.failed { background: #fde5e3; color: var(--bad); }
.badge.warning { background: #fff1dc; color: var(--warn); }
.badge.info, .badge.skipped, .badge.na { background: #eaeef3; color: var(--muted); }
.badge.verified { background: #e1f3e5; color: var(--good); }
tr.winner td { background: #f1faf3; }
td .track { width: 160px; height: 12px; background: #eef1f5; border-radius: 4px; overflow: hidden; margin-top: 3px; }
td .fill { height: 100%; min-width: 2px; border-radius: 4px; }
.empty { color: var(--muted); font-style: italic; }
input.filter { font: inherit; padding: 5px 9px; border: 1px solid var(--line); border-radius: 7px; width: min(420px, 100%); }
.scroll { max-height: 460px; overflow: auto; border: 1px solid var(--line); border-radius: 8px; }
.scroll table th { position: sticky; top: 0; background: #fff; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 0 0 28px; }
`;
